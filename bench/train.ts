// Training throughput (images/s) of the project's training step on the wasm backend and, when it
// was built, the native backend, next to the same networks trained by PyTorch on this machine
// (bench/train_torch.py), in one run.
//
//   bun bench/train.ts [steps=6] [warmup=2]
//
// Cases: small-cnn and efficientnet-b0 at 64 and 128 px, batch 16, every layer trainable,
// AdamW + cross-entropy on seeded random images. PyTorch gets the thread count of the backend it
// is compared with: 1 for wasm (single-threaded under Bun), MAMMO_NATIVE_THREADS (default: all
// cores) for native. Needs /usr/bin/python3 with torch and torchvision (apt: python3-torch
// python3-torchvision).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { initBackend } from "../lib/backend/index.ts";
import { nativeBuilt, nativeThreads } from "../lib/backend/native/index.ts";
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

const BACKENDS = nativeBuilt() ? (["wasm", "native"] as const) : (["wasm"] as const);

/** Images/s of `steps` training steps after `warmup` untimed ones, on the backend in use. */
function tfjsRate(tf: Awaited<ReturnType<typeof initBackend>>["tf"], arch: Arch, size: number): number {
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

function torchRate(arch: Arch, size: number, threads: number): { rate: number; threads: number; version: string } {
  const script = join(import.meta.dir, "train_torch.py");
  const run = spawnSync("/usr/bin/python3", [script, arch, String(size), String(BATCH), String(steps), String(warmup)], {
    encoding: "utf8",
    env: { ...process.env, BENCH_TORCH_THREADS: String(threads) },
  });
  if (run.status !== 0) throw new Error(`train_torch.py failed: ${run.stderr}`);
  const out = JSON.parse(run.stdout) as { images: number; seconds: number; threads: number; torch: string };
  return { rate: out.images / out.seconds, threads: out.threads, version: out.torch };
}

console.log(`training throughput, batch ${BATCH}, ${steps} timed steps after ${warmup} warm-up steps`);
console.log("backend  threads  arch             size  tfjs img/s  torch img/s  tfjs/torch");
for (const name of BACKENDS) {
  const { tf } = await initBackend(name);
  const threads = name === "native" ? nativeThreads() : 1;
  for (const [arch, size] of CASES) {
    const ours = tfjsRate(tf, arch, size);
    const peer = torchRate(arch, size, threads);
    console.log(
      `${name.padEnd(8)} ${String(threads).padStart(7)}  ${arch.padEnd(16)} ${String(size).padStart(4)}  ${ours.toFixed(1).padStart(10)}  ${peer.rate.toFixed(1).padStart(11)}  ${(ours / peer.rate).toFixed(2).padStart(10)}   (torch ${peer.version})`,
    );
  }
}
