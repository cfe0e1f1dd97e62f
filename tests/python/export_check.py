#!/usr/bin/python3
"""Opens a Hearth export with Python tools, as a user would, and checks every format against the others.

  export_check.py check EXPORT_DIR KIND PARAMS_JSON INPUTS_NPY OUTPUTS_NPY
      KIND is mlp, cnn, resnet, gpt or vit; PARAMS_JSON the model's [model] values. Writes random inputs
      shaped as manifest.json says to INPUTS_NPY, runs the TorchScript export on them and writes its
      outputs to OUTPUTS_NPY; loads state_dict.pt with torch.load and model.safetensors with the
      reader below into an equivalent torch.nn model written here, runs both, and checks model.onnx
      with onnx.checker. Every output must match TorchScript's within the manifest's tolerance.
  export_check.py compare A_NPY B_NPY ATOL RTOL
      The two arrays agree elementwise (shape too).
  export_check.py save-state KIND PARAMS_JSON SEED OUT.pt OUT_INPUTS.npy OUT_OUTPUTS.npy
      A freshly initialised equivalent model's state_dict saved with torch.save, and its outputs
      (eval mode) on random inputs: what `init` must reproduce.
Exits 1 with a message on the first disagreement.
"""
import json
import struct
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F


class Mlp(nn.Module):
    def __init__(self, p):
        super().__init__()
        width = p.get("in_features", 784)
        self.in_features = width
        self.activation = p.get("activation", "relu")
        for i, h in enumerate(p.get("hidden", [256])):
            setattr(self, f"linear{i}", nn.Linear(width, h))
            width = h
        self.count = len(p.get("hidden", [256]))
        if p.get("batch_norm", False):
            for i, h in enumerate(p.get("hidden", [256])):
                setattr(self, f"norm{i}", nn.BatchNorm1d(h))
        self.batch_norm = p.get("batch_norm", False)
        self.output = nn.Linear(width, p.get("out_features", 10))

    def forward(self, x):
        x = x.reshape(-1, self.in_features).float()
        act = {"relu": F.relu, "tanh": torch.tanh, "gelu": F.gelu, "sigmoid": torch.sigmoid}[self.activation]
        for i in range(self.count):
            x = getattr(self, f"linear{i}")(x)
            if self.batch_norm:
                x = getattr(self, f"norm{i}")(x)
            x = act(x)
        return self.output(x)


class Cnn(nn.Module):
    def __init__(self, p):
        super().__init__()
        c = p.get("channels", [16, 32])
        side = p.get("input_size", 28) // 4
        self.conv1 = nn.Conv2d(p.get("in_channels", 1), c[0], 3, padding=1)
        self.bn1 = nn.BatchNorm2d(c[0])
        self.conv2 = nn.Conv2d(c[0], c[1], 3, padding=1)
        self.bn2 = nn.BatchNorm2d(c[1])
        self.fc1 = nn.Linear(c[1] * side * side, p.get("hidden", 48))
        self.fc2 = nn.Linear(p.get("hidden", 48), p.get("classes", 10))

    def forward(self, x):
        if x.dim() == 3:
            x = x.unsqueeze(1)
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x.float()))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.has_shortcut = stride != 1 or cin != cout
        if self.has_shortcut:
            self.shortcut = nn.Conv2d(cin, cout, 1, stride=stride, bias=False)
            self.shortcut_bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (self.shortcut_bn(self.shortcut(x)) if self.has_shortcut else x))


class ResNet(nn.Module):
    def __init__(self, p):
        super().__init__()
        w = p.get("width", 16)
        self.stem = nn.Conv2d(p.get("in_channels", 1), w, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(w)
        blocks, cin = [], w
        for stage in range(3):
            cout = w << stage
            for b in range(p.get("depth", 2)):
                blocks.append(Block(cin, cout, 2 if b == 0 and stage > 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, p.get("classes", 10))

    def forward(self, x):
        if x.dim() == 3:
            x = x.unsqueeze(1)
        x = self.blocks(F.relu(self.stem_bn(self.stem(x.float()))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def attention(q, k, v, causal):
    """nanoGPT's: the fused scaled_dot_product_attention where torch has it (2.x), else written out
    (Debian 12's torch 1.13)."""
    if hasattr(F, "scaled_dot_product_attention") and q.size(-2) == k.size(-2):
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    scores = q @ k.transpose(-2, -1) / (q.size(-1) ** 0.5)
    if causal:
        tq, tk = q.size(-2), k.size(-2)
        keep = torch.ones(tq, tk, dtype=torch.bool).tril(tk - tq)
        scores = scores.masked_fill(~keep, float("-inf"))
    return scores.softmax(-1) @ v


class SelfAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.c_attn = nn.Linear(width, 3 * width)
        self.c_proj = nn.Linear(width, width)
        self.heads = heads

    def forward(self, x, causal):
        b, t, c = x.shape
        q, k, v = (y.view(b, t, self.heads, c // self.heads).transpose(1, 2) for y in self.c_attn(x).split(c, 2))
        return self.c_proj(attention(q, k, v, causal).transpose(1, 2).reshape(b, t, c))


class Mlp4(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.c_fc = nn.Linear(width, 4 * width)
        self.c_proj = nn.Linear(4 * width, width)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x)))


class TransformerBlock(nn.Module):
    """nanoGPT's Block: pre-LayerNorm attention and MLP, each added to the residual stream."""
    def __init__(self, width, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = SelfAttention(width, heads)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = Mlp4(width)

    def forward(self, x, causal):
        x = x + self.attn(self.ln_1(x), causal)
        return x + self.mlp(self.ln_2(x))


class Gpt(nn.Module):
    """nanoGPT's GPT (bias=True, dropout 0): the reference for `gpt`'s logits and names."""
    def __init__(self, p):
        super().__init__()
        width = p.get("width", 128)
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(p["vocab_size"], width),
            wpe=nn.Embedding(p.get("block_size", 64), width),
            h=nn.ModuleList([TransformerBlock(width, p.get("heads", 4)) for _ in range(p.get("layers", 4))]),
            ln_f=nn.LayerNorm(width)))
        self.lm_head = nn.Linear(width, p["vocab_size"], bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # tied, as nanoGPT does
        for name, t in self.named_parameters():  # non-trivial LayerNorms, so the tests see them
            if "ln" in name and p.get("norm_noise", 0.1) > 0:
                with torch.no_grad():
                    t.add_(torch.randn_like(t) * p.get("norm_noise", 0.1))

    def forward(self, idx):
        pos = torch.arange(idx.size(1))
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x, True)
        return self.lm_head(self.transformer.ln_f(x))


class Vit(nn.Module):
    """A ViT of the same blocks, without the causal mask."""
    def __init__(self, p):
        super().__init__()
        width, size, patch = p.get("width", 64), p.get("image_size", 28), p.get("patch_size", 7)
        self.channels = p.get("in_channels", 1)
        self.patch_embed = nn.Conv2d(self.channels, width, patch, stride=patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, width) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, (size // patch) ** 2 + 1, width) * 0.02)
        self.blocks = nn.ModuleList([TransformerBlock(width, p.get("heads", 4)) for _ in range(p.get("layers", 4))])
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, p.get("classes", 10))

    def forward(self, x):
        if x.dim() == 3:
            x = x.unsqueeze(1)
        x = self.patch_embed(x.float()).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.size(0), 1, x.size(2)), x], 1) + self.pos_embed
        for block in self.blocks:
            x = block(x, False)
        return self.head(self.norm(x)[:, 0])


MODELS = {"mlp": Mlp, "cnn": Cnn, "resnet": ResNet, "gpt": Gpt, "vit": Vit}
SAFETENSORS_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32,
                      "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
TORCH_DTYPES = {"Float": torch.float32, "Double": torch.float64, "Byte": torch.uint8, "Long": torch.int64}


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def read_safetensors(path):
    """The format by its published description: 8-byte little-endian header length, JSON header, data."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=SAFETENSORS_DTYPES[e["dtype"]]).reshape(e["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, metadata


def outputs_of(model, inputs):
    with torch.no_grad():
        out = model(*inputs)
    return out if isinstance(out, tuple) else (out,)


def agree(name, got, want, atol, rtol):
    for g, w in zip(got, want):
        if g.shape != w.shape:
            fail(f"{name}: shape {tuple(g.shape)} where TorchScript gives {tuple(w.shape)}")
        if not torch.allclose(g.double(), w.double(), atol=atol, rtol=rtol):
            fail(f"{name}: outputs differ from TorchScript's by up to {float((g.double() - w.double()).abs().max())}")
    print(f"{name}: agrees (largest difference {max(float((g.double() - w.double()).abs().max()) for g, w in zip(got, want)):.3g})")


def check(folder, kind, params, inputs_file, outputs_file):
    # PyTorch 2.6's CPU fuser never finishes the kernel it fuses for a traced ViT: run unfused,
    # as docs/export.md tells users to.
    torch._C._jit_override_can_fuse_on_cpu(False)
    manifest = json.load(open(f"{folder}/manifest.json"))
    atol, rtol = manifest["tolerance"]["atol"], manifest["tolerance"]["rtol"]
    torch.manual_seed(0)
    inputs = []
    for spec in manifest["inputs"]:
        shape = [5] + spec["shape"][1:]
        if spec["dtype"] == "Long" and "vocab_size" in params:  # token ids
            inputs.append(torch.randint(0, params["vocab_size"], shape))
        else:
            inputs.append(torch.rand(shape).to(TORCH_DTYPES[spec["dtype"]]))
    np.save(inputs_file, inputs[0].numpy())

    extra = {"hearth.json": ""}
    scripted = torch.jit.load(f"{folder}/model.torchscript.pt", _extra_files=extra)
    scripted.eval()
    meta = json.loads(extra["hearth.json"])
    if meta["classes"] != manifest["classes"]:
        fail("hearth.json inside the TorchScript file names other classes than manifest.json")
    want = outputs_of(scripted, inputs)
    np.save(outputs_file, want[0].numpy())
    print(f"torchscript: outputs {[tuple(w.shape) for w in want]}")

    state = torch.load(f"{folder}/state_dict.pt")
    model = MODELS[kind](params)
    model.load_state_dict(state)  # strict: every name and shape must match the equivalent model
    model.eval()
    agree("state_dict .pt in torch.nn", outputs_of(model, inputs), want, atol, rtol)
    if set(state) != set(dict(scripted.state_dict())):
        fail("the TorchScript module's state_dict names differ from state_dict.pt's")

    tensors, metadata = read_safetensors(f"{folder}/model.safetensors")
    if metadata.get("run_id") != manifest["run_id"] or json.loads(metadata["classes"]) != manifest["classes"]:
        fail(f"safetensors metadata {metadata} does not match the manifest")
    fresh = MODELS[kind](params)
    fresh.load_state_dict(tensors)
    fresh.eval()
    agree("safetensors in torch.nn", outputs_of(fresh, inputs), want, atol, rtol)

    import onnx
    proto = onnx.load(f"{folder}/model.onnx")
    onnx.checker.check_model(proto, full_check=True)
    batch = proto.graph.input[0].type.tensor_type.shape.dim[0]
    if batch.dim_param != "batch":
        fail(f"the ONNX input's first axis is not the dynamic 'batch' axis: {batch}")
    print(f"onnx: passes onnx.checker, opset {proto.opset_import[0].version}, dynamic batch axis")

    import hashlib
    for entry in manifest["files"]:
        digest = hashlib.sha256(open(f"{folder}/{entry['file']}", "rb").read()).hexdigest()
        if digest != entry["sha256"]:
            fail(f"{entry['file']}: SHA-256 {digest} but the manifest says {entry['sha256']}")
    print("manifest: every SHA-256 matches")


def compare(a_file, b_file, atol, rtol):
    a, b = np.load(a_file), np.load(b_file)
    if a.shape != b.shape:
        fail(f"shapes differ: {a.shape} and {b.shape}")
    if not np.allclose(a, b, atol=atol, rtol=rtol):
        fail(f"arrays differ by up to {np.abs(a - b).max()}")
    print(f"agree: largest difference {np.abs(a - b).max():.3g}")


def save_state(kind, params, seed, out, inputs_file, outputs_file):
    torch.manual_seed(seed)
    model = MODELS[kind](params)
    model.eval()
    torch.save(model.state_dict(), out)
    if kind == "gpt":
        x = torch.randint(0, params["vocab_size"], [4, params.get("block_size", 64)])
    elif kind == "vit":
        size = params.get("image_size", 28)
        x = torch.rand([4, params.get("in_channels", 1), size, size])
    else:
        x = torch.rand([4, params.get("in_features", 784)])
    np.save(inputs_file, x.numpy())
    np.save(outputs_file, outputs_of(model, (x,))[0].numpy())


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "check":
        check(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), sys.argv[5], sys.argv[6])
    elif mode == "compare":
        compare(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
    elif mode == "save-state":
        save_state(sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7])
    else:
        fail("unknown mode " + mode)
