"""PyTorch peer of bench/gpu.ts: training throughput (images/s) and peak GPU memory on the same GPU.

  gpu_torch.py ARCH IMG_SIZE BATCH STEPS WARMUP fp32|amp
      prints {"images": n, "seconds": s, "peak_bytes": b, "device": name, "torch": version, "amp": bool}

ARCH is efficientnet-b0 (torchvision's, weights=None, 4 classes, first convolution with 1 input
channel) or small-cnn (the project's lib/models/small-cnn.ts), trained with AdamW (lr 1e-4,
weight decay 1e-4) and cross-entropy on random images, every parameter trainable, as the tfjs
side. `amp` runs the forward pass under torch.autocast(float16) with a GradScaler: the second
reference of issue 16. Needs CUDA; exits 1 with one line otherwise. Timing waits for the GPU
(torch.cuda.synchronize) before reading the clock.
"""
import json
import sys
import time

import torch
import torch.nn as nn


def small_cnn() -> nn.Module:
    layers = []
    channels = [1, 16, 32, 64]
    for i in range(3):
        layers += [nn.Conv2d(channels[i], channels[i + 1], 3, padding=1, bias=False), nn.BatchNorm2d(channels[i + 1]), nn.ReLU()]
        if i < 2:
            layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(64, 4))


def efficientnet_b0() -> nn.Module:
    import torchvision

    model = torchvision.models.efficientnet_b0(weights=None, num_classes=4)
    stem = model.features[0][0]
    model.features[0][0] = nn.Conv2d(1, stem.out_channels, stem.kernel_size, stem.stride, stem.padding, bias=False)
    return model


def main() -> None:
    arch, size, batch, steps, warmup, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
    if not torch.cuda.is_available():
        print("no CUDA device visible to PyTorch", file=sys.stderr)
        sys.exit(1)
    amp = mode == "amp"
    device = torch.device("cuda")
    torch.manual_seed(42)
    model = (small_cnn() if arch == "small-cnn" else efficientnet_b0()).to(device)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-4)
    scaler = torch.cuda.amp.GradScaler(enabled=amp)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(batch, 1, size, size, device=device)
    y = torch.randint(0, 4, (batch,), device=device)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
            loss = loss_fn(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    print(json.dumps({
        "images": steps * batch,
        "seconds": seconds,
        "peak_bytes": torch.cuda.max_memory_allocated(),
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "amp": amp,
    }))


if __name__ == "__main__":
    main()
