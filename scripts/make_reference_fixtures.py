#!/usr/bin/env python3
"""Make reference keypoint fixtures from the ORIGINAL MediaPipe pose pipeline.

gaitcue's Rust BlazePose stage runs ONNX conversions of MediaPipe's own models
(person detector + pose_landmark_full). This script runs the original Python
package -- mediapipe==0.10.14, legacy ``mp.solutions.pose``, model_complexity=1,
which is the very same pose_landmark_full model -- on two real inputs shipped in
registry packages and writes the landmarks as small JSON fixtures that the Rust
tests compare against:

* tests/fixtures/bus_reference.json  -- ultralytics==8.4.190 ``assets/bus.jpg``,
  static_image_mode=True on the whole image (MediaPipe picks the full-body man in
  the cream fleece coat on the left).
* tests/fixtures/demo_reference.json -- sports2d==0.8.34 ``Demo/demo.mp4``, the
  woman walking right-to-left in profile, every 5th frame from 70 (2.33 s) to
  195 (6.5 s). Frame n is the n-th frame OpenCV decodes, counting from 0.

On the full demo frame MediaPipe's tracker locks onto the man jumping on the
electrical box, not the walker. So each frame is processed on a crop around the
walker: rows 470..994 (below the top of the box, so the man standing on it is
out of view) and a 700 px wide window centred on the walker's hip x from the
previous frame (followed every frame from frame 60, starting at x=1400),
clamped to the image. Each crop is run with static_image_mode=True (detector +
landmark model, no tracking, no smoothing), and landmarks are mapped back to
full-frame pixels: x = x0 + x_norm*crop_w, y = y0 + y_norm*crop_h. The crop
rectangle is stored per frame so a test can rerun exactly the same input.

Pixel coordinates are normalized landmark x*width, y*height; the third value is
MediaPipe's visibility (already a probability in [0, 1]).

Optional annotated check images (--check-dir) draw the 33 points (left side
blue, right side orange, heels and toes as large red/magenta dots) and the crop.

This needs a Python venv with mediapipe, numpy<2 and OpenCV; see
scripts/make_reference_fixtures.sh, which creates it and fetches the inputs.
CI does NOT run this script: the JSON fixtures it writes are committed.
"""

import argparse
import hashlib
import json
import os
import re
import sys

import cv2
import mediapipe as mp

NAMES = [
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner",
    "right_eye", "right_eye_outer", "left_ear", "right_ear", "mouth_left",
    "mouth_right", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index",
    "right_index", "left_thumb", "right_thumb", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
]
assert len(NAMES) == 33

MP_VERSION = mp.__version__

# Demo clip: walker crop and frame selection.
DEMO_FIRST, DEMO_LAST, DEMO_STEP = 70, 195, 5   # kept frames (2.33 s .. 6.5 s)
TRACK_START, TRACK_START_X = 60, 1400.0         # walker's hip x at frame 60
CROP_Y0 = 470                                   # top of crop (box top ~460)
CROP_W = 700
MAX_HIP_STEP = 60.0                             # px per frame, sanity check

# Frames where MediaPipe itself is clearly wrong, found by looking at the
# annotated check images; they are left out of the fixture.
DROP = {
    160: "MediaPipe wrong: both legs put on the stance leg, the swing foot "
         "behind her is not covered and both feet's points sit between the feet",
    190: "body cut by the left image edge; MediaPipe puts the knees under the "
         "hip and the feet ~60 px off the real feet",
    195: "body half out of the image; landmarks pile up at the image edge",
}

POSE_CONNECTIONS = sorted(mp.solutions.pose.POSE_CONNECTIONS)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def to_keypoints(landmarks, x0, y0, w, h):
    kp = {}
    for name, lm in zip(NAMES, landmarks):
        kp[name] = [round(x0 + lm.x * w, 2), round(y0 + lm.y * h, 2),
                    round(lm.visibility, 4)]
    return kp


def draw(img, kp, crop=None, label=None):
    out = img.copy()
    if crop is not None:
        x0, y0, w, h = crop
        cv2.rectangle(out, (x0, y0), (x0 + w - 1, y0 + h - 1), (255, 255, 0), 2)
    pts = [(int(round(kp[n][0])), int(round(kp[n][1]))) for n in NAMES]
    for a, b in POSE_CONNECTIONS:
        cv2.line(out, pts[a], pts[b], (0, 255, 0), 2)
    for i, (n, p) in enumerate(zip(NAMES, pts)):
        if n.endswith("heel"):
            cv2.circle(out, p, 9, (0, 0, 255), -1)           # heels: red
        elif n.endswith("foot_index"):
            cv2.circle(out, p, 9, (255, 0, 255), -1)         # toes: magenta
        else:
            col = (255, 128, 0) if n.startswith("left") else (0, 140, 255)
            cv2.circle(out, p, 5, col, -1)
    if label:
        cv2.putText(out, label, (20, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.5,
                    (0, 0, 0), 6, cv2.LINE_AA)
        cv2.putText(out, label, (20, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.5,
                    (255, 255, 255), 2, cv2.LINE_AA)
    return out


def make_bus(path, out_path, check_dir):
    img = cv2.imread(path)
    if img is None:
        sys.exit(f"cannot read {path}")
    h, w = img.shape[:2]
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1,
                                enable_segmentation=False) as pose:
        res = pose.process(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    if not res.pose_landmarks:
        sys.exit("MediaPipe found no pose in bus.jpg")
    kp = to_keypoints(res.pose_landmarks.landmark, 0, 0, w, h)
    # The expected person: the man on the left (hips around x 110..150 px).
    hip_x = (kp["left_hip"][0] + kp["right_hip"][0]) / 2
    if not 60 < hip_x < 220:
        sys.exit(f"unexpected person in bus.jpg (hip x {hip_x:.0f})")
    doc = {
        "source": (f"mediapipe=={MP_VERSION} legacy mp.solutions.pose, "
                   "static_image_mode=True, model_complexity=1 "
                   "(pose_landmark_full), enable_segmentation=False, whole image "
                   "as RGB, landmarks refined from the heatmap as in MediaPipe's "
                   "graph; pixel = normalized * width/height, third value = "
                   "visibility; image from PyPI ultralytics==8.4.190 "
                   "ultralytics/assets/bus.jpg; made by "
                   "scripts/make_reference_fixtures.py"),
        "image": "bus.jpg",
        "image_sha256": sha256(path),
        "width": w,
        "height": h,
        "person": ("the full-body man on the left in a cream fleece coat, jeans "
                   "and beige shoes, facing the camera (hips near x 130 px, "
                   "feet near y 880 px)"),
        "keypoints": kp,
    }
    write_json(out_path, doc)
    if check_dir:
        cv2.imwrite(os.path.join(check_dir, "bus.png"), draw(img, kp))
    print(f"bus: person hip x {hip_x:.0f}, wrote {out_path}")


def make_demo(path, out_path, check_dir):
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        sys.exit(f"cannot open {path}")
    fps = cap.get(cv2.CAP_PROP_FPS)
    width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
    height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    crop_h = height - CROP_Y0
    keep = set(range(DEMO_FIRST, DEMO_LAST + 1, DEMO_STEP))
    frames, dropped = [], []
    hip_x = TRACK_START_X
    n = -1
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1,
                                enable_segmentation=False) as pose:
        while True:
            ok, img = cap.read()
            if not ok:
                break
            n += 1
            if n < TRACK_START:
                continue
            if n > DEMO_LAST:
                break
            x0 = int(round(hip_x - CROP_W / 2))
            x0 = max(0, min(width - CROP_W, x0))
            crop = (x0, CROP_Y0, CROP_W, crop_h)
            sub = img[CROP_Y0:height, x0:x0 + CROP_W]
            res = pose.process(cv2.cvtColor(sub, cv2.COLOR_BGR2RGB))
            if not res.pose_landmarks:
                if n in keep:
                    dropped.append((n, "no pose found in crop"))
                continue
            kp = to_keypoints(res.pose_landmarks.landmark, x0, CROP_Y0,
                              CROP_W, crop_h)
            new_hip = (kp["left_hip"][0] + kp["right_hip"][0]) / 2
            if abs(new_hip - hip_x) > MAX_HIP_STEP * (1 if n > TRACK_START else 8):
                sys.exit(f"frame {n}: hip x jumped {hip_x:.0f} -> {new_hip:.0f}; "
                         "wrong person?")
            hip_x = new_hip
            if n not in keep:
                continue
            if n in DROP:
                dropped.append((n, DROP[n]))
            else:
                frames.append({"frame": n, "t": round(n / fps, 4),
                               "crop": list(crop), "keypoints": kp})
            if check_dir:
                tag = "DROPPED " if n in DROP else ""
                cv2.imwrite(os.path.join(check_dir, f"demo_{n:03d}.png"),
                            draw(img, kp, crop, f"{tag}frame {n}"))
    doc = {
        "source": (
            f"mediapipe=={MP_VERSION} legacy mp.solutions.pose, "
            "static_image_mode=True, model_complexity=1 (pose_landmark_full), "
            "enable_segmentation=False (no tracking, no smoothing: each frame is "
            "independent). Run on a crop around the walking woman, not the full "
            f"frame (on the full frame MediaPipe locks onto the man on the "
            f"electrical box): rows {CROP_Y0}..{height} and a {CROP_W} px wide "
            "window centred on her hip x in the previous frame (followed every "
            f"frame from frame {TRACK_START}), clamped to the image; crop = "
            "[x0, y0, w, h] per frame. Landmarks mapped back to full-frame "
            "pixels: x = x0 + x_norm*w, y = y0 + y_norm*h; third value = "
            "visibility. Frame n = n-th frame decoded by OpenCV from 0, t = n/fps; "
            f"every {DEMO_STEP}th frame from {DEMO_FIRST} to {DEMO_LAST}, less the "
            "dropped_frames (checked by eye on annotated images). Note: the "
            "MediaPipe graph refines landmarks from the heatmap output "
            "(RefineLandmarksFromHeatmapCalculator, kernel 7, min confidence 0.5). "
            "Video from PyPI sports2d==0.8.34 Sports2D/Demo/demo.mp4; made by "
            "scripts/make_reference_fixtures.py"),
        "video": "demo.mp4",
        "video_sha256": sha256(path),
        "width": width,
        "height": height,
        "fps": fps,
        "person": ("the woman in a green T-shirt and grey trousers walking "
                   "right-to-left in profile"),
        "dropped_frames": [{"frame": f, "reason": r} for f, r in dropped],
        "frames": frames,
    }
    write_json(out_path, doc)
    print(f"demo: kept {len(frames)} frames, dropped {dropped}; wrote {out_path}")


def write_json(path, doc):
    # One keypoint per line keeps the fixture diff-friendly and small.
    text = json.dumps(doc, indent=1)
    text = re.sub(r"\[\s+([-0-9.e]+),\s+([-0-9.e]+),\s+([-0-9.e]+)\s+\]",
                  r"[\1, \2, \3]", text)
    text = re.sub(r"\[\s+([-0-9]+),\s+([-0-9]+),\s+([-0-9]+),\s+([-0-9]+)\s+\]",
                  r"[\1, \2, \3, \4]", text)
    with open(path, "w") as f:
        f.write(text + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bus", required=True, help="path to bus.jpg")
    ap.add_argument("--demo", required=True, help="path to demo.mp4")
    ap.add_argument("--out-dir", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures"))
    ap.add_argument("--check-dir", help="write annotated check PNGs here")
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    if a.check_dir:
        os.makedirs(a.check_dir, exist_ok=True)
    make_bus(a.bus, os.path.join(a.out_dir, "bus_reference.json"), a.check_dir)
    make_demo(a.demo, os.path.join(a.out_dir, "demo_reference.json"), a.check_dir)


if __name__ == "__main__":
    main()
