# The int8 BiSeNet for the `onnxruntime` cargo feature: static QDQ quantisation, weights int8 per
# output channel, activations uint8, calibrated on the parsing crops of the photos the project
# ships (tests/fixtures/photos and ../shared/photos: never the evaluation photos).
#
# usage (from the repo root):
#   cargo build --release --example profile_model
#   target/release/examples/profile_model crops /tmp/calib ../shared/photos/*.jpg ../shared/photos/*.png
#   pip install onnx==1.23.2 onnxruntime==1.32.0 numpy pillow
#   python3 models/scripts/bisenet_int8.py models/face_parsing_bisenet_512_fp16w.onnx /tmp/calib \
#       models/face_parsing_bisenet_512_int8.onnx
#
# Steps: the float16 weights are widened back to float32 and their Casts dropped; the graph is
# cut before its final Resize (the library upsamples the 64x64 logits itself, as for the float
# model); onnxruntime's pre-processing folds and infers shapes; quantize_static calibrates the
# activation ranges (MinMax) on each crop, its mirror image and two exposures (x0.85, x1.15),
# 40 inputs in all. onnxruntime's quantiser is deterministic for the same inputs and versions.
#
# The stem (conv1) and layer1 of the ResNet stay float32: they work at 256x256 and 128x128 and
# carry the small objects. Quantised too, they lose them: on the parsing crops of the 82
# ../shared/eval photos with a face, against the float model, earring-class IoU 0.138 with every
# layer int8 against 0.955 with these kept float (eyeglasses 0.920 -> 0.975, logit RMSE 0.240 ->
# 0.065), at 177 instead of 149 ms in onnxruntime on one AVX2 thread (float32: 285 ms).
# Excluding the context path, the fusion module or the output head instead changed nothing.
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper
from PIL import Image
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                      QuantType, quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


def float32_cut(src, dst):
    m = onnx.load(src)
    g = m.graph
    # widen float16 initializers; the Cast(to=float) after each becomes an identity
    widened = set()
    for t in g.initializer:
        if t.data_type == onnx.TensorProto.FLOAT16:
            a = numpy_helper.to_array(t).astype(np.float32)
            t.CopyFrom(numpy_helper.from_array(a, t.name))
            widened.add(t.name)
    rename = {}
    keep = []
    for n in g.node:
        if n.op_type == "Cast" and n.input[0] in widened:
            rename[n.output[0]] = n.input[0]
            continue
        keep.append(n)
    for n in keep:
        for i, x in enumerate(n.input):
            if x in rename:
                n.input[i] = rename[x]
    # cut before the final Resize (as `cut_final_resize` does at load for the float model)
    out = g.output[0]
    last = [n for n in keep if n.output and n.output[0] == out.name]
    assert len(last) == 1 and last[0].op_type == "Resize", "expected a final Resize"
    keep.remove(last[0])
    del g.node[:]
    g.node.extend(keep)
    new_out = onnx.helper.make_tensor_value_info(last[0].input[0], onnx.TensorProto.FLOAT, [1, 19, 64, 64])
    g.output.remove(out)
    g.output.append(new_out)
    onnx.checker.check_model(m)
    onnx.save(m, dst)


class Crops(CalibrationDataReader):
    def __init__(self, folder, input_name):
        files = sorted(f for f in os.listdir(folder) if f.endswith(".png"))
        self.items = []
        for f in files:
            x = np.asarray(Image.open(os.path.join(folder, f)).convert("RGB"), np.float32)
            for img in (x, x[:, ::-1]):
                for gain in (1.0, 0.85, 1.15):
                    if gain != 1.0 and img is not x:
                        continue
                    y = np.clip(img * gain, 0, 255) / 255.0
                    y = ((y - MEAN) / STD).transpose(2, 0, 1)[None].astype(np.float32)
                    self.items.append({input_name: np.ascontiguousarray(y)})
        print(f"calibration: {len(self.items)} inputs from {len(files)} crops")
        self.it = iter(self.items)

    def get_next(self):
        return next(self.it, None)


def main():
    src, calib, dst = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        cut = os.path.join(tmp, "cut.onnx")
        pre = os.path.join(tmp, "pre.onnx")
        float32_cut(src, cut)
        quant_pre_process(cut, pre, skip_symbolic_shape=True)
        m = onnx.load(pre)
        name = m.graph.input[0].name
        keep_float = [n.name for n in m.graph.node
                      if n.name.startswith(("/n/cp/resnet/conv1", "/n/cp/resnet/layer1"))]
        assert keep_float, "node names changed: update the float32 prefixes"
        quantize_static(pre, dst, Crops(calib, name), quant_format=QuantFormat.QDQ,
                        nodes_to_exclude=keep_float,
                        per_channel=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax)
    print(f"wrote {dst} ({os.path.getsize(dst) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
