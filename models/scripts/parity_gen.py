# Reference outputs for the tract parity tests (tests/models.rs), made with onnxruntime.
# Inputs are saved as 8-bit PNGs of the exact model input size, so Rust and Python feed the
# same numbers; outputs are saved as little-endian f32, subsampled where large.
# usage (from the repo root): python3 models/scripts/parity_gen.py [NAME...]   (NAMEs: only
#   those cases are made again, the others' files and meta.json entries are kept)
#   needs: pip install onnxruntime==1.32.0 onnx==1.23.2 numpy pillow
# The parsing model is compared before its final Resize (the library cuts it at load and
# upsamples itself): the reference keeps the 19x64x64 logits whole, and the class map of the
# full model (argmax of the 512x512 logits) for the fused upsample + argmax.
import json, os, sys, numpy as np, onnx, onnxruntime as ort
from PIL import Image
P = "tests/fixtures/parity/"
im = Image.open("tests/fixtures/photos/grace_hopper.jpg").convert("RGB")
W, H = im.size
def crop(cx, cy, side, n):
    return im.transform((n, n), Image.EXTENT, (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2), Image.BILINEAR)
s = 128 / max(W, H); r = im.resize((round(W * s), round(H * s)), Image.BILINEAR)
det_in = Image.new("RGB", (128, 128)); det_in.paste(r, ((128 - r.width) // 2, (128 - r.height) // 2))
box = (170, 147, 365, 342); cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2; side = box[2] - box[0]
cases = {
    # name: (file, input image, layout, scale, offset, mean, std, subsample of output 0)
    "face_detection": ("face_detection_short_range.onnx", det_in, "nhwc", 1 / 127.5, -1.0, None, None, 1),
    "face_landmarks": ("face_landmarks_detector.onnx", crop(cx, cy, side * 1.5, 256), "nhwc", 1 / 255, 0.0, None, None, 1),
    "person_segmentation": ("selfie_segmentation.onnx", im.resize((256, 256), Image.BILINEAR), "nhwc", 1 / 255, 0.0, None, None, 2),
    "face_parsing": ("face_parsing_bisenet_512_fp16w.onnx", crop(cx, cy, side * 2.4, 512), "nchw", None, None,
                     [0.485, 0.456, 0.406], [0.229, 0.224, 0.225], 1),
    # RGB 0..1 and the previous-mask channel, 0 for a still photo
    "hair_segmentation": ("hair_segmentation_256.onnx", crop(cx, cy - 0.15 * side, side * 2.4, 256), "nhwc+0", 1 / 255, 0.0, None, None, 2),
}
only = sys.argv[1:]
meta = json.load(open(P + "meta.json")) if only and os.path.exists(P + "meta.json") else {}
for name, (file, img, layout, scale, off, mean, std, sub) in cases.items():
    if only and name not in only:
        continue
    img.save(P + name + ".input.png")
    x = np.asarray(img, np.float32)
    if layout == "nhwc+0":
        x = np.concatenate([x * scale + off, np.zeros(x.shape[:2] + (1,), np.float32)], -1)[None]
    elif mean is None:
        x = (x * scale + off)[None]
    else:
        x = ((x / 255.0 - np.array(mean, np.float32)) / np.array(std, np.float32)).astype(np.float32).transpose(2, 0, 1)[None]
    model = onnx.load("models/" + file)
    if name == "face_parsing":
        # the logits before the final Resize, as the library runs the model
        pre = [n for n in model.graph.node if n.op_type == "Resize"][-1].input[0]
        model.graph.output.insert(0, onnx.helper.make_tensor_value_info(pre, onnx.TensorProto.FLOAT, None))
    sess = ort.InferenceSession(model.SerializeToString())
    outs = sess.run(None, {sess.get_inputs()[0].name: x.astype(np.float32)})
    if name == "face_parsing":
        Image.fromarray(outs[1][0].argmax(0).astype(np.uint8)).save(P + "face_parsing.labels.png")
        outs = outs[:1]
    info = {"outputs": []}
    for i, o in enumerate(outs):
        o = o.astype(np.float32)
        full = list(o.shape)
        if i == 0 and sub > 1:   # subsample the spatial axes
            o = o[:, :, ::sub, ::sub] if layout == "nchw" else o[:, ::sub, ::sub, :]
        o.tofile(P + f"{name}.out{i}.bin")
        info["outputs"].append({"shape": full, "stored": list(o.shape), "subsample": sub if i == 0 else 1})
    meta[name] = info
json.dump(meta, open(P + "meta.json", "w"), indent=1)
print(json.dumps(meta))
