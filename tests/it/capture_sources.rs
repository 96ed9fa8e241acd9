//! Frame sources on real decoders: a live-paced GStreamer test source (no camera here),
//! a video file, and an absent camera.

use gaitcue::capture::SourceSpec;

const LIVE: &str = "videotestsrc num-buffers=20 is-live=true ! video/x-raw,width=640,height=360,framerate=30/1 ! videoconvert ! video/x-raw,format=BGR ! appsink drop=true max-buffers=2";

#[test]
fn live_pipeline_frames_have_monotonic_ids_and_arrival_times() {
    let mut source = SourceSpec::Pipeline(LIVE.into())
        .open()
        .expect("GStreamer test source starts");
    assert!(source.frame_count_hint().is_none());
    let mut frames = Vec::new();
    while let Some(f) = source.next_frame().unwrap() {
        frames.push(f);
    }
    assert!(frames.len() >= 15, "only {} frames", frames.len());
    for (i, w) in frames.windows(2).enumerate() {
        assert_eq!(w[1].id, w[0].id + 1, "id gap at {i}");
        assert!(w[1].pts_s > w[0].pts_s);
        assert!(w[1].captured_at > w[0].captured_at);
    }
    assert_eq!((frames[0].width(), frames[0].height()), (640, 360));
    // Paced by the source clock (30 fps), not as fast as possible.
    let span = frames.last().unwrap().pts_s - frames[0].pts_s;
    let per_frame = span / (frames.len() - 1) as f64;
    assert!(
        per_frame > 0.015,
        "frames arrive every {per_frame:.4} s: not live-paced"
    );
}

#[test]
fn video_file_timestamps_follow_the_container() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/demo.mp4");
    let mut source = SourceSpec::File(path).open().unwrap();
    assert_eq!(source.frame_count_hint(), Some(230));
    assert_eq!(source.frame_size(), (1768, 994));
    let fps = source.fps_hint().unwrap();
    for i in 0..10 {
        let f = source.next_frame().unwrap().unwrap();
        assert_eq!(f.id, i);
        assert!(
            (f.pts_s - i as f64 / fps).abs() < 0.002,
            "frame {i} at {} s",
            f.pts_s
        );
    }
}

#[test]
fn absent_camera_says_which_device_and_what_to_do() {
    let err = SourceSpec::Camera(57)
        .open()
        .err()
        .expect("no camera 57 here")
        .to_string();
    assert!(
        err.contains("camera 57 (/dev/video57) could not be opened"),
        "{err}"
    );
    assert!(err.contains("plugged in"), "{err}");
}

#[test]
fn broken_pipeline_is_reported() {
    let err = SourceSpec::Pipeline("nosuchelement ! appsink".into())
        .open()
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("GStreamer pipeline 'nosuchelement ! appsink' could not be started"),
        "{err}"
    );
}
