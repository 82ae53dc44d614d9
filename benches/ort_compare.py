# The same model files and inputs as `cargo bench --bench models`, run by onnxruntime on one
# thread (the alternative a user would pick) and, in the same script, by tract through
# `target/release/examples/profile_model` (built if missing). Prints the median of 10 runs per
# model, in ms, and the tract / onnxruntime ratio.
# usage (from the repo root): pip install onnxruntime==1.32.0 numpy pillow && python3 benches/ort_compare.py
import os, re, subprocess, time, json, numpy as np, onnxruntime as ort
from PIL import Image
P = "tests/fixtures/parity/"
cases = {
    "face_detection_128": ("face_detection_short_range.onnx", "face_detection", "nhwc", 1 / 127.5, -1.0),
    "face_landmarks_256": ("face_landmarks_detector.onnx", "face_landmarks", "nhwc", 1 / 255, 0.0),
    "person_segmentation_256": ("selfie_segmentation.onnx", "person_segmentation", "nhwc", 1 / 255, 0.0),
    "face_parsing_512": ("face_parsing_bisenet_512_fp16w.onnx", "face_parsing", "nchw", None, None),
}
opts = ort.SessionOptions(); opts.intra_op_num_threads = 1; opts.inter_op_num_threads = 1
out = {}
for name, (file, inp, layout, scale, off) in cases.items():
    x = np.asarray(Image.open(P + inp + ".input.png").convert("RGB"), np.float32)
    if layout == "nhwc":
        x = (x * scale + off)[None]
    else:
        x = ((x / 255 - np.array([0.485, 0.456, 0.406], np.float32)) / np.array([0.229, 0.224, 0.225], np.float32)).transpose(2, 0, 1)[None]
    t0 = time.perf_counter(); s = ort.InferenceSession("models/" + file, opts, providers=["CPUExecutionProvider"]); load = (time.perf_counter() - t0) * 1000
    feed = {s.get_inputs()[0].name: x.astype(np.float32)}
    s.run(None, feed)
    ts = []
    for _ in range(10):
        t0 = time.perf_counter(); s.run(None, feed); ts.append((time.perf_counter() - t0) * 1000)
    out[name] = {"load_ms": round(load, 1), "median_ms": round(float(np.median(ts)), 2)}
    print(f"ORT {name}: load {load:.1f} ms, inference median {np.median(ts):.2f} ms")

# tract, same inputs, one thread (the example runs the model 11 times; the first is discarded)
exe = "target/release/examples/profile_model"
if not os.path.exists(exe):
    subprocess.run(["cargo", "build", "--release", "--example", "profile_model"], check=True)
which = {"face_detection_128": "detection", "face_landmarks_256": "landmarks",
         "person_segmentation_256": "segmentation", "face_parsing_512": "parsing"}
print(f"{'model':<26}{'tract ms':>10}{'ort ms':>10}{'ratio':>8}")
for name, arg in which.items():
    text = subprocess.run([exe, arg, "11"], check=True, capture_output=True, text=True).stdout
    ts = [float(m) for m in re.findall(r": ([0-9.]+) ms", text)][1:]
    out[name]["tract_median_ms"] = round(float(np.median(ts)), 2)
    ratio = out[name]["tract_median_ms"] / out[name]["median_ms"]
    out[name]["tract_over_ort"] = round(ratio, 2)
    print(f"{name:<26}{out[name]['tract_median_ms']:>10.2f}{out[name]['median_ms']:>10.2f}{ratio:>7.2f}x")
print(json.dumps(out))
