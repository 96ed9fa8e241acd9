#!/usr/bin/env python3
"""Baseline: time MediaPipe's own Python pose pipeline on the sports2d demo clip.

gaitcue's Rust pose stage (ONNX conversions of the same BlazePose models) is
compared against this number. Runs mediapipe==0.10.14 legacy
``mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1)`` --
video mode (detector + tracking), the pose_landmark_full model, default
smoothing, no segmentation -- over every frame of demo.mp4 (1768x994, 230 frames).

All frames are decoded and converted to RGB before timing, so the figure is
pose only (no decode, no colour conversion). A warm-up of --warmup frames runs
first on the same Pose object; then every frame of the clip is timed
(--repeat passes). Prints median / mean / p90 ms per frame and fps = 1000/median.

Needs the venv from scripts/make_reference_fixtures.sh; CI does not run it.
Timings on a busy machine are meaningless: run it with nothing else going on.

    ~/.cache/gaitcue-mediapipe-venv/bin/python scripts/bench_mediapipe.py \
        ~/.cache/gaitcue-inputs/demo.mp4
"""

import argparse
import os
import statistics
import time

import cv2
import mediapipe as mp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("video", help="path to demo.mp4 (sports2d==0.8.34)")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()

    cap = cv2.VideoCapture(a.video)
    if not cap.isOpened():
        raise SystemExit(f"cannot open {a.video}")
    frames = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    h, w = frames[0].shape[:2]

    times, found = [], 0
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1,
                                enable_segmentation=False) as pose:
        for img in frames[:a.warmup]:
            pose.process(img)
        for _ in range(a.repeat):
            for img in frames:
                t0 = time.perf_counter()
                res = pose.process(img)
                times.append((time.perf_counter() - t0) * 1000.0)
                found += res.pose_landmarks is not None

    times_sorted = sorted(times)
    med = statistics.median(times)
    p90 = times_sorted[int(0.9 * (len(times) - 1))]
    print(f"mediapipe=={mp.__version__} Pose(static_image_mode=False, "
          f"model_complexity=1), {w}x{h}, {len(frames)} frames x {a.repeat}, "
          f"warm-up {a.warmup}, cpus={os.cpu_count()}, "
          f"load avg {os.getloadavg()[0]:.2f}")
    print(f"pose found in {found}/{len(times)} frames")
    print(f"median {med:.2f} ms  mean {statistics.fmean(times):.2f} ms  "
          f"p90 {p90:.2f} ms  min {times_sorted[0]:.2f} ms  -> {1000.0 / med:.1f} fps")


if __name__ == "__main__":
    main()
