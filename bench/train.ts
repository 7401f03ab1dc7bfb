// Training throughput (images/s) of the project's training step on the wasm backend, next to the
// same networks trained by PyTorch on this machine (bench/train_torch.py), in one run.
//
//   bun bench/train.ts [steps=6] [warmup=2]
//
// Cases: small-cnn and efficientnet-b0 at 64 and 128 px, batch 16, every layer trainable,
// AdamW + cross-entropy on seeded random images. tfjs-wasm is single-threaded under Bun, so
// PyTorch runs with one thread too (BENCH_TORCH_THREADS=n to change). Needs /usr/bin/python3 with
// torch and torchvision (apt: python3-torch python3-torchvision).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { initBackend } from "../lib/backend/index.ts";
import { buildModel, type Arch } from "../lib/models/index.ts";
import { stream } from "../lib/rng/index.ts";
import { AdamW } from "../lib/train/adamw.ts";
import { trainableVars } from "../lib/train/loop.ts";
import { batchInputs, trainStep } from "../lib/train/step.ts";

const [steps = 6, warmup = 2] = process.argv.slice(2).map(Number);
const BATCH = 16;
const CASES: [Arch, number][] = [
  ["small-cnn", 64],
  ["small-cnn", 128],
  ["efficientnet-b0", 64],
  ["efficientnet-b0", 128],
];

const { tf, name: backend } = await initBackend("wasm");

/** Images/s of `steps` training steps after `warmup` untimed ones. */
function tfjsRate(arch: Arch, size: number): number {
  const built = buildModel(tf, { arch, imgSize: size, numClasses: 4, dropout: 0.2, seed: 42 });
  const layer = (name: string) => built.model.getLayer(name);
  const vars = trainableVars(
    {
      model: built.model,
      headLayers: built.headLayers.map(layer),
      lastBlockLayers: built.lastBlockLayers.map(layer),
      backboneLayers: built.backboneLayers.map(layer),
      setDropoutStep: () => {},
    },
    1,
    { trainBackbone: true, unfreezeLastBlock: true, warmupEpochs: 0 },
    1e-4,
    1e-4,
  );
  const optimizer = new AdamW(tf, { weightDecay: 1e-4 });
  const rng = stream(42, "bench/train");
  const images = Array.from({ length: BATCH }, () => Float32Array.from({ length: size * size }, () => rng.float()));
  const labels = Array.from({ length: BATCH }, () => rng.int(4));
  const part = { images, labels };
  const indices = labels.map((_, i) => i);
  let start = 0;
  for (let s = 0; s < warmup + steps; s++) {
    if (s === warmup) start = performance.now();
    const inputs = batchInputs(tf, part, indices, size);
    trainStep(tf, built.model, optimizer, vars, inputs, labels, null);
    tf.dispose(inputs);
  }
  const seconds = (performance.now() - start) / 1000;
  optimizer.dispose();
  built.model.dispose();
  return (steps * BATCH) / seconds;
}

function torchRate(arch: Arch, size: number): { rate: number; threads: number; version: string } {
  const script = join(import.meta.dir, "train_torch.py");
  const run = spawnSync("/usr/bin/python3", [script, arch, String(size), String(BATCH), String(steps), String(warmup)], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`train_torch.py failed: ${run.stderr}`);
  const out = JSON.parse(run.stdout) as { images: number; seconds: number; threads: number; torch: string };
  return { rate: out.images / out.seconds, threads: out.threads, version: out.torch };
}

console.log(`training throughput, batch ${BATCH}, ${steps} timed steps after ${warmup} warm-up steps; tfjs backend ${backend} (1 thread)`);
console.log("arch             size  tfjs img/s  torch img/s  torch/tfjs");
for (const [arch, size] of CASES) {
  const ours = tfjsRate(arch, size);
  const peer = torchRate(arch, size);
  console.log(`${arch.padEnd(16)} ${String(size).padStart(4)}  ${ours.toFixed(1).padStart(10)}  ${peer.rate.toFixed(1).padStart(11)}  ${(peer.rate / ours).toFixed(2).padStart(10)}   (torch ${peer.version}, ${peer.threads} thread)`);
}
