"""MediaPipe's own pose pipeline over a clip, written as gaitcue's keypoints.jsonl.

Another pose pipeline's landmarks of the same real footage: `gaitcue analyze --keypoints`
replays them, so the gait events are checked on keypoints gaitcue's own pose stage did not
make (MediaPipe tracks the person from frame to frame and, by default, smooths the landmarks
with its One-Euro and velocity filters). Not run by CI: it needs the MediaPipe venv that
`scripts/bench_compare.sh` creates from PyPI (mediapipe 0.10.14).

    ~/.cache/gaitcue-mediapipe-venv/bin/python scripts/mediapipe_keypoints.py \
        tests/data/real/male_side.mp4 tests/data/real/male_side.mediapipe.jsonl [--no-smoothing]
"""
import json
import sys

import cv2
import mediapipe as mp

NAMES = [
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
]


def main():
    video, out = sys.argv[1], sys.argv[2]
    smooth = "--no-smoothing" not in sys.argv[3:]
    cap = cv2.VideoCapture(video)
    fps = cap.get(cv2.CAP_PROP_FPS)
    pose = mp.solutions.pose.Pose(
        static_image_mode=False, model_complexity=1, smooth_landmarks=smooth, enable_segmentation=False
    )
    frame = 0
    with open(out, "w") as o:
        while True:
            ok, img = cap.read()
            if not ok:
                break
            h, w = img.shape[:2]
            result = pose.process(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
            keypoints = None
            if result.pose_landmarks:
                keypoints = {
                    n: [round(l.x * w, 1), round(l.y * h, 1), round(l.visibility, 3)]
                    for n, l in zip(NAMES, result.pose_landmarks.landmark)
                }
            line = {"frame": frame, "t": round(frame / fps, 6), "width": w, "height": h, "keypoints": keypoints}
            o.write(json.dumps(line, separators=(",", ":")) + "\n")
            frame += 1
    print(f"{frame} frames -> {out}")


if __name__ == "__main__":
    main()
