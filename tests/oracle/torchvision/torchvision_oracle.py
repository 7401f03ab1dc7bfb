"""torchvision's EfficientNet-B0 as the oracle for the project's efficientnet-b0-torchvision.

Run with Debian's python (apt: python3-torch python3-torchvision). Commands:

  make OUT SEED SIZE BATCH CLASSES
      A seeded random efficientnet_b0(weights=None) (CLASSES != 1000: the reference pipeline's
      head, classifier[1] = Linear(1280, CLASSES)); batch-norm running statistics set by three
      training-mode passes over random images, so eval mode is not the identity. Writes
      OUT/model.pth (torch.save of the state dict), OUT/model.safetensors (written here from the
      format's definition), OUT/inputs.f32 (BATCH grey images in [0, 1], [B, S, S] float32 LE),
      OUT/logits.f32 (eval-mode logits [B, CLASSES] of the images repeated to 3 channels and
      ImageNet-normalised), OUT/pooled.f32 (the pooled 1280-d features [B, 1280]) and OUT/meta.json.

  step OUT
      One training-mode forward/backward of OUT/model.pth on OUT/inputs.f32 with the labels and
      the stochastic-depth / dropout multipliers of OUT/masks.json (the project's draws, so both
      sides drop the same rows). Writes OUT/step.json {loss}, OUT/grads.safetensors (every
      parameter's gradient, torch layout) and OUT/after.safetensors (the state dict after the
      step's batch-norm updates).

  hostile OUT MARKER KIND
      OUT/hostile-KIND.pth: torch.save of a state-dict-like dict whose value pickles as
      posix.system("touch MARKER") (KIND system) or builtins.eval of the same (KIND eval): what
      torch.load(weights_only=False) would run.

  load FILE
      torch.load(FILE) as a user of PyTorch 1.13 would (weights_only=False): runs its payload.
"""
import json
import os
import struct
import sys

import numpy
import torch
import torchvision

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.int64: "I64"}


def write_safetensors(path, tensors):
    """The .safetensors layout: u64 LE header length, JSON header, then the raw LE data."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def build(classes):
    model = torchvision.models.efficientnet_b0(weights=None)
    if classes != 1000:
        model.classifier[1] = torch.nn.Linear(1280, classes)
    return model


def network_input(grey):
    return (grey.repeat(1, 3, 1, 1) - MEAN) / STD


def make(out, seed, size, batch, classes):
    torch.manual_seed(seed)
    model = build(classes)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(network_input(torch.rand(8, 1, size, size)))
    model.eval()
    state = model.state_dict()
    torch.save(state, os.path.join(out, "model.pth"))
    write_safetensors(os.path.join(out, "model.safetensors"), state)
    grey = torch.rand(batch, 1, size, size)
    grey.numpy().astype("<f4").tofile(os.path.join(out, "inputs.f32"))
    with torch.no_grad():
        logits = model(network_input(grey))
        pooled = torch.flatten(model.avgpool(model.features(network_input(grey))), 1)
    logits.numpy().astype("<f4").tofile(os.path.join(out, "logits.f32"))
    pooled.numpy().astype("<f4").tofile(os.path.join(out, "pooled.f32"))
    meta = {"seed": seed, "size": size, "batch": batch, "classes": classes, "torch": torch.__version__, "torchvision": torchvision.__version__}
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f)


def step(out):
    with open(os.path.join(out, "meta.json")) as f:
        meta = json.load(f)
    with open(os.path.join(out, "masks.json")) as f:
        masks = json.load(f)
    size, batch = meta["size"], meta["batch"]
    model = build(meta["classes"])
    model.load_state_dict(torch.load(os.path.join(out, "model.pth")))
    model.train()
    # The project's multipliers replace torch's own draws (0 or 1/(1-p) per row / per unit).
    for path, values in masks["stochastic_depth"].items():
        module = model.get_submodule(path)
        mask = torch.tensor(values, dtype=torch.float32).view(batch, 1, 1, 1)
        module.forward = (lambda m: (lambda x: x * m))(mask)
    dropout_mask = torch.tensor(masks["dropout"], dtype=torch.float32).view(batch, -1)
    model.classifier[0].forward = lambda x: x * dropout_mask
    grey = torch.from_numpy(numpy.fromfile(os.path.join(out, "inputs.f32"), dtype="<f4").reshape(batch, 1, size, size).copy())
    labels = torch.tensor(masks["labels"], dtype=torch.int64)
    loss = torch.nn.functional.cross_entropy(model(network_input(grey)), labels)
    loss.backward()
    write_safetensors(os.path.join(out, "grads.safetensors"), {n: p.grad for n, p in model.named_parameters()})
    write_safetensors(os.path.join(out, "after.safetensors"), model.state_dict())
    with open(os.path.join(out, "step.json"), "w") as f:
        json.dump({"loss": loss.item()}, f)


class SystemPayload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, ("touch " + self.marker,))


class EvalPayload(SystemPayload):
    def __reduce__(self):
        return (eval, ("__import__('os').system('touch %s')" % self.marker,))


def hostile(out, marker, kind):
    payload = SystemPayload(marker) if kind == "system" else EvalPayload(marker)
    torch.save({"features.0.0.weight": payload}, os.path.join(out, "hostile-%s.pth" % kind))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "make":
        make(args[0], int(args[1]), int(args[2]), int(args[3]), int(args[4]))
    elif command == "step":
        step(args[0])
    elif command == "hostile":
        hostile(args[0], args[1], args[2])
    elif command == "load":
        torch.load(args[0])
    else:
        sys.exit(f"unknown command {command}")
