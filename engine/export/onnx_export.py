# Converts a Hearth TorchScript export to ONNX and checks it. Run by `hearth export --format onnx`
# with Debian's python3 (embedded in Hearth at build time; see engine/export/onnx_export.cpp).
# Arguments: TORCHSCRIPT ONNX_OUT OPSET SAMPLE.pt ATOL RTOL   (SAMPLE: a dict of input name to tensor)
# Prints the versions as a JSON line, then the result as another; exit 3 names a missing package on stderr.
import json
import sys

try:
    import torch
    import onnx
except ImportError as e:
    print("missing-module " + str(e.name), file=sys.stderr)
    sys.exit(3)

# First, so that a failure's report can name the exporter's version.
print(json.dumps({"torch": torch.__version__, "onnx": onnx.__version__}), flush=True)
src, dst, opset, sample_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
atol, rtol = float(sys.argv[5]), float(sys.argv[6])
extra = {"hearth.json": ""}
model = torch.jit.load(src, map_location="cpu", _extra_files=extra)
model.eval()
meta = json.loads(extra["hearth.json"])
sample = torch.load(sample_file)
input_names = [i["name"] for i in meta["inputs"]]
output_names = [o["name"] for o in meta["outputs"]]
inputs = tuple(sample[n] for n in input_names)
axes = {n: {0: "batch"} for n in input_names + output_names}
torch.onnx.export(model, inputs, dst, input_names=input_names, output_names=output_names,
                  dynamic_axes=axes, opset_version=opset)
proto = onnx.load(dst)
onnx.checker.check_model(proto, full_check=True)
result = {"opset": opset, "ir_version": proto.ir_version, "onnx": onnx.__version__, "torch": torch.__version__}
try:
    from onnx.reference import ReferenceEvaluator  # onnx >= 1.13
except ImportError:
    result["compared"] = False
else:
    with torch.no_grad():
        expected = model(*inputs)
    if isinstance(expected, torch.Tensor):
        expected = (expected,)
    got = ReferenceEvaluator(proto).run(None, {n: t.numpy() for n, t in zip(input_names, inputs)})
    diff = max(float((torch.from_numpy(g) - e).abs().max()) for g, e in zip(got, expected))
    result["compared"] = True
    result["agrees"] = all(torch.allclose(torch.from_numpy(g).double(), e.double(), atol=atol, rtol=rtol)
                           for g, e in zip(got, expected))
    result["max_difference"] = diff
print(json.dumps(result))
