# Rewrites the window max and first-argmax of fix_hair.py's MaxPoolingWithArgmax2D (ReduceMax +
# ArgMax over the 2x2 window axis) as elementwise Max/Greater over the four window slices, and
# the index as a float (0..3), which the MaxUnpooling2D rewrite compares with 0..3 as floats.
# Same values, same first-max choice (strict '>'), bit-identical outputs.
# usage: fast_pool_hair.py hair_in.onnx hair_segmentation_256.onnx
import sys, numpy as np, onnx
from onnx import numpy_helper as nh, helper as h, TensorProto
src, dst = sys.argv[1:3]
m = onnx.load(src); g = m.graph
cnt = [0]
def C(arr, dtype=np.float32):
    cnt[0] += 1; name = f"poolc_{cnt[0]}"
    g.initializer.append(nh.from_array(np.asarray(arr, dtype=dtype), name)); return name
def N(op, ins, outs=None, **kw):
    cnt[0] += 1; outs = outs or [f"poolt_{cnt[0]}"]
    return h.make_node(op, ins, outs, name=f"pooln_{cnt[0]}", **kw), outs[0]
reduce_max = {n.input[0]: n for n in g.node if n.op_type == "ReduceMax"}
index_out = set()
new = []
for n in g.node:
    if n.op_type == "ReduceMax":
        continue
    if n.op_type == "ArgMax":
        win = n.input[0]; out_v = reduce_max[win].output[0]; out_i = n.output[0]
        index_out.add(out_i)
        s = [f"poolw_{cnt[0]}_{k}" for k in range(4)]
        new.append(h.make_node("Split", [win, C([1, 1, 1, 1], np.int64)], s, name=f"poolsplit_{cnt[0]}", axis=-1))
        cnt[0] += 1
        ops = []
        def add(op, ins, outs=None, **kw):
            node, o = N(op, ins, outs, **kw); ops.append(node); return o
        # running max and the index of its first occurrence (a later equal value does not move it)
        cur = idx = s[0]
        for k in (1, 2, 3):
            gt = add("Cast", [add("Greater", [s[k], cur])], to=TensorProto.FLOAT)
            idx = gt if k == 1 else add("Add", [idx, add("Mul", [add("Sub", [C(float(k)), idx]), gt])])
            cur = add("Max", [cur, s[k]])
        add("Squeeze", [cur, C([-1], np.int64)], [out_v])
        add("Squeeze", [idx, C([-1], np.int64)], [out_i])
        new += ops
        continue
    new.append(n)
del g.node[:]; g.node.extend(new)
# the unpooling compares the index with 0..3: now as floats
for n in g.node:
    if n.op_type == "Equal":
        for t in g.initializer:
            if t.name == n.input[1]:
                t.CopyFrom(nh.from_array(nh.to_array(t).astype(np.float32), t.name))
# the index's declared types downstream are int64: drop the declarations of the rewritten ops'
# tensors (their shapes are inferred again on load)
keep = [v for v in g.value_info if not v.name.startswith("fixt_") and v.name not in index_out]
del g.value_info[:]; g.value_info.extend(keep)
onnx.checker.check_model(m)
onnx.save(m, dst)
