"""PyTorch peer of bench/train.ts: training throughput (images/s) of the same networks.

  train_torch.py ARCH IMG_SIZE BATCH STEPS WARMUP
  prints {"images": n, "seconds": s, "cpu_seconds": c, "threads": t, "torch": version, "peak_rss_mb": m}

cpu_seconds is the process's CPU time (every thread) over the timed steps.

peak_rss_mb is this process's VmHWM (/proc/self/status): the kernel's exact peak of resident
memory, not a sample.

ARCH is small-cnn (the project's lib/models/small-cnn.ts: three 3x3 conv (no bias) + BN + ReLU
blocks of 16/32/64 channels, 2x2 max-pool after the first two) or efficientnet-b0 (torchvision's,
weights=None, first convolution with 1 input channel). Both end in global average pooling →
Dropout(0.2) → Linear(·, 4), trained with AdamW (lr 1e-4, weight decay 1e-4) and cross-entropy on
random images, all parameters trainable, as the tfjs side. Threads: torch.set_num_threads(1)
unless BENCH_TORCH_THREADS says otherwise (tfjs-wasm runs on one thread under Bun).
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torchvision


def small_cnn() -> nn.Module:
    layers = []
    channels = [1, 16, 32, 64]
    for i in range(3):
        layers += [nn.Conv2d(channels[i], channels[i + 1], 3, padding=1, bias=False), nn.BatchNorm2d(channels[i + 1]), nn.ReLU()]
        if i < 2:
            layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(64, 4))


def efficientnet_b0() -> nn.Module:
    model = torchvision.models.efficientnet_b0(weights=None, num_classes=4)
    stem = model.features[0][0]
    model.features[0][0] = nn.Conv2d(1, stem.out_channels, stem.kernel_size, stem.stride, stem.padding, bias=False)
    return model


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("peak RSS: no VmHWM line in /proc/self/status")


def main() -> None:
    arch, size, batch, steps, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    threads = int(os.environ.get("BENCH_TORCH_THREADS", "1"))
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    model = small_cnn() if arch == "small-cnn" else efficientnet_b0()
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(batch, 1, size, size)
    y = torch.randint(0, 4, (batch,))

    def step() -> None:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    for _ in range(warmup):
        step()
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    print(json.dumps({"images": steps * batch, "seconds": seconds, "cpu_seconds": cpu_seconds, "threads": threads, "torch": torch.__version__, "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
