# Store BiSeNet's float32 weights as float16 (halves the file: 52.6 MB -> 26.3 MB) and insert a
# Cast back to float32 after each one, so the graph still computes in float32. tract folds the
# casts into constants when it optimizes the model, so inference speed is unchanged.
# usage: python bisenet_fp16.py face_parsing_bisenet_512.onnx face_parsing_bisenet_512_fp16w.onnx
import sys, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src); g = m.graph
casts = []
for i, t in enumerate(list(g.initializer)):
    a = numpy_helper.to_array(t)
    if a.dtype != np.float32 or a.size < 64:       # keep small tensors (shapes, scalars) as they are
        continue
    name = t.name
    half = numpy_helper.from_array(a.astype(np.float16), name + "_f16")
    g.initializer[i].CopyFrom(half)
    casts.append(helper.make_node("Cast", [name + "_f16"], [name], to=TensorProto.FLOAT, name=name + "_cast"))
for c in reversed(casts):
    g.node.insert(0, c)
onnx.checker.check_model(m)
onnx.save(m, dst)
print(f"{len(casts)} weights stored as float16 -> {dst}")
