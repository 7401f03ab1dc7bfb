// GPU training throughput of the project's training step on the webgpu backend (Dawn), next to
// PyTorch on the same GPU in the same run (fp32, and AMP as a second reference), with peak GPU
// memory, the share of each step the host spends preparing work, the same-seed determinism check
// and the distance to the cpu backend, and the projected time of the article's experiment.
//
//   bun bench/gpu.ts [--sizes 224,512] [--batch 16] [--steps 20] [--warmup 3] [--arch efficientnet-b0]
//                    [--python /usr/bin/python3 | --python none] [--allow-software] [--json results.json]
//
// On a GPU machine without Node, Bun or npm, run the self-contained bundle instead (bench/gpu-bundle:
// `sh run.sh [same flags]`). On a machine without a GPU, `--allow-software --sizes 32 --batch 2
// --steps 2` runs everything on a software adapter (lavapipe) as a functional check, not a speed.
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { GPU_STEPS_PER_READ, initBackend, onHost, type InitializedBackend } from "../lib/backend/index.ts";
import { TaskError, errorMessage } from "../lib/errors/index.ts";
import { buildModel, setDropoutStep, weightsSha256, type Arch } from "../lib/models/index.ts";
import { stream } from "../lib/rng/index.ts";
import { AdamW } from "../lib/train/adamw.ts";
import { applyAugment, drawAugment } from "../lib/train/augment.ts";
import { batchInputs, trainStepOnDevice } from "../lib/train/step.ts";

interface Options {
  sizes: number[];
  batch: number;
  steps: number;
  warmup: number;
  arch: Arch;
  python: string;
  allowSoftware: boolean;
  json: string | null;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { sizes: [224, 512], batch: 16, steps: 20, warmup: 3, arch: "efficientnet-b0", python: "python3", allowSoftware: false, json: null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new TaskError("bad_flag", `${flag} needs a value`, { exitCode: 2 });
      return v;
    };
    const int = () => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new TaskError("bad_flag", `invalid ${flag}: ${v} (expected a positive integer)`, { exitCode: 2 });
      return n;
    };
    if (flag === "--sizes") options.sizes = value().split(",").map(Number);
    else if (flag === "--batch") options.batch = int();
    else if (flag === "--steps") options.steps = int();
    else if (flag === "--warmup") options.warmup = int();
    else if (flag === "--arch") options.arch = value() as Arch;
    else if (flag === "--python") options.python = value();
    else if (flag === "--allow-software") options.allowSoftware = true;
    else if (flag === "--json") options.json = value();
    else throw new TaskError("bad_flag", `unknown flag: ${flag}`, { exitCode: 2 });
  }
  if (options.sizes.some((s) => !Number.isInteger(s) || s < 32)) throw new TaskError("bad_flag", `invalid --sizes: ${options.sizes.join(",")} (integers ≥ 32)`, { exitCode: 2 });
  return options;
}

/** The article's experiment (issue 16): 1,893 accessions of classes 1–4, 3 seeds × 20 epochs with a 0.2 hold-out, plus a 3-fold CV of 20 epochs. */
const EXPERIMENT = { accessions: 1893, seeds: 3, folds: 3, epochs: 20, valFrac: 0.2 };

/** Training and validation images the whole experiment processes. */
function experimentImages(): { train: number; val: number } {
  const holdoutVal = Math.round(EXPERIMENT.accessions * EXPERIMENT.valFrac);
  const foldVal = Math.round(EXPERIMENT.accessions / EXPERIMENT.folds);
  const runs = (n: number) => n * EXPERIMENT.epochs;
  return {
    train: runs(EXPERIMENT.seeds * (EXPERIMENT.accessions - holdoutVal) + EXPERIMENT.folds * (EXPERIMENT.accessions - foldVal)),
    val: runs(EXPERIMENT.seeds * holdoutVal + EXPERIMENT.folds * foldVal),
  };
}

interface Rates {
  /** Training images/s (forward, loss, gradients, AdamW), losses read every GPU_STEPS_PER_READ steps. */
  train: number;
  /** Inference images/s (validation). */
  infer: number;
  /** Largest GPU memory tfjs-backend-webgpu held (its buffer pool), bytes. */
  peakBytes: number;
  /** Share of the timed wall time the host spent encoding steps (dispatching kernels). */
  hostShare: number;
  /** Share of the timed wall time spent preparing batches (augmentation, assembly). */
  dataShare: number;
}

/** Training and inference throughput of `arch` at `size` on the backend in use. */
async function measure(arch: Arch, size: number, o: Options): Promise<Rates> {
  const built = buildModel(tf, { arch, imgSize: size, seed: 42 });
  const vars = built.model.trainableWeights.map((w, key) => ({ key, variable: w.read() as tf.Variable, lr: 1e-4 }));
  const optimizer = new AdamW(tf, { weightDecay: 1e-4 });
  const rng = stream(42, "bench/gpu");
  const images = Array.from({ length: o.batch }, () => Float32Array.from({ length: size * size }, () => rng.float()));
  const part = { images, labels: images.map(() => rng.int(4)) };
  const indices = part.labels.map((_, i) => i);
  const augmentRng = stream(42, "bench/gpu/augment");
  const peak = () => (tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU ?? 0;
  let peakBytes = 0;
  let host = 0;
  let data = 0;
  let pending: tf.Tensor[] = [];
  const read = async () => {
    const all = tf.concat(pending);
    await all.data();
    tf.dispose([all, ...pending]);
    pending = [];
  };
  let start = 0;
  for (let s = 0; s < o.warmup + o.steps; s++) {
    if (s === o.warmup) {
      await read();
      start = performance.now();
      host = 0;
      data = 0;
    }
    const t0 = performance.now();
    const augmented = indices.map((i) => applyAugment(part.images[i]!, size, drawAugment(augmentRng)));
    const inputs = batchInputs(tf, part, indices, size, augmented);
    const t1 = performance.now();
    setDropoutStep(built.model, s + 1);
    pending.push(trainStepOnDevice(tf, built.model, optimizer, vars, inputs, part.labels, null));
    tf.dispose(inputs);
    const t2 = performance.now();
    data += t1 - t0;
    host += t2 - t1;
    peakBytes = Math.max(peakBytes, peak());
    if (pending.length >= GPU_STEPS_PER_READ) await read();
  }
  await read();
  const wall = performance.now() - start;
  // inference: the validation pass, read once per batch as the loop does
  const inferSteps = Math.max(2, Math.ceil(o.steps / 2));
  const x = tf.tensor4d(Float32Array.from({ length: o.batch * size * size }, () => rng.float()), [o.batch, size, size, 1]);
  let inferStart = 0;
  for (let s = 0; s < inferSteps + 1; s++) {
    if (s === 1) inferStart = performance.now();
    const out = tf.tidy(() => tf.softmax(built.model.apply(x, { training: false }) as tf.Tensor));
    await out.data();
    out.dispose();
    peakBytes = Math.max(peakBytes, peak());
  }
  const inferWall = performance.now() - inferStart;
  x.dispose();
  optimizer.dispose();
  built.model.dispose();
  return { train: (o.steps * o.batch) / (wall / 1000), infer: (inferSteps * o.batch) / (inferWall / 1000), peakBytes, hostShare: host / wall, dataShare: data / wall };
}

/** Weights SHA-256 and per-step losses of `steps` steps of `arch` from seed 42 on the backend in use. */
async function fingerprint(arch: Arch, size: number, batch: number, steps: number): Promise<{ sha256: string; losses: number[]; weights: Float32Array[] }> {
  const built = buildModel(tf, { arch, imgSize: size, seed: 42 });
  const vars = built.model.trainableWeights.map((w, key) => ({ key, variable: w.read() as tf.Variable, lr: 1e-3 }));
  const optimizer = new AdamW(tf, { weightDecay: 1e-4 });
  const rng = stream(42, "bench/gpu/fingerprint");
  const x = Float32Array.from({ length: batch * size * size }, () => rng.float());
  const labels = Array.from({ length: batch }, () => rng.int(4));
  const stats: tf.Tensor[] = [];
  for (let s = 1; s <= steps; s++) {
    setDropoutStep(built.model, s);
    const input = tf.tensor4d(x, [batch, size, size, 1]);
    stats.push(trainStepOnDevice(tf, built.model, optimizer, vars, [input], labels, null));
    input.dispose();
  }
  const all = tf.concat(stats);
  const values = await all.data();
  tf.dispose([all, ...stats]);
  await onHost(built.model.weights.map((w) => w.read()));
  const out = {
    sha256: weightsSha256(built.model),
    losses: Array.from({ length: steps }, (_, i) => values[2 * i]!),
    weights: built.model.trainableWeights.map((w) => w.read().dataSync().slice() as Float32Array),
  };
  optimizer.dispose();
  built.model.dispose();
  return out;
}

interface TorchResult {
  images: number;
  seconds: number;
  peak_bytes: number;
  device: string;
  torch: string;
  amp: boolean;
}

/** PyTorch on the same GPU (bench/gpu_torch.py), or why not. */
function torchRate(o: Options, size: number, amp: boolean): TorchResult | string {
  if (o.python === "none") return "skipped (--python none)";
  const script = [join(import.meta.dir, "gpu_torch.py"), join(process.cwd(), "gpu_torch.py")].find((p) => existsSync(p));
  if (script === undefined) return "gpu_torch.py not found";
  const run = spawnSync(o.python, [script, o.arch, String(size), String(o.batch), String(o.steps), String(o.warmup), amp ? "amp" : "fp32"], { encoding: "utf8" });
  if (run.error) return `${o.python} did not start: ${run.error.message}`;
  if (run.status !== 0) return (run.stderr.trim().split("\n").pop() ?? `exit ${run.status}`).slice(0, 200);
  return JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as TorchResult;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const hours = (train: number, infer: number) => {
  const images = experimentImages();
  return (images.train / train + images.val / infer) / 3600;
};

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  const report: Record<string, unknown> = { options: o, experiment: { ...EXPERIMENT, images: experimentImages() } };
  let backend: InitializedBackend | null = null;
  try {
    backend = await initBackend("gpu", { info: (m) => console.log(m), warn: (m) => console.log(`warning: ${m}`) }, { allowSoftwareGpu: o.allowSoftware });
  } catch (err) {
    if (!(err instanceof TaskError)) throw err;
    console.log(`webgpu: ${errorMessage(err)}`);
    report.webgpu_error = errorMessage(err);
  }
  const gpu = backend?.gpu;
  if (backend) {
    console.log(`webgpu: ${gpu ? `${gpu.description || gpu.device} (vendor ${gpu.vendor}, architecture ${gpu.architecture}${gpu.software ? ", SOFTWARE: a functional check, not a speed" : ""})` : backend.name}`);
    report.backend = { name: backend.name, details: backend.details, gpu };
  }
  console.log(`${o.arch}, batch ${o.batch}, ${o.steps} timed steps after ${o.warmup} warm-up steps; losses read every ${GPU_STEPS_PER_READ} steps`);
  const rows: Record<string, unknown>[] = [];
  for (const size of o.sizes) {
    const row: Record<string, unknown> = { size };
    if (backend) {
      const r = await measure(o.arch, size, o);
      Object.assign(row, { tfjs: r });
      console.log(
        `  ${size} px  webgpu: train ${r.train.toFixed(1)} img/s, infer ${r.infer.toFixed(1)} img/s, peak ${mib(r.peakBytes)} (tfjs buffer pool), ` +
          `host encoding ${(100 * r.hostShare).toFixed(0)} % and batch preparation ${(100 * r.dataShare).toFixed(0)} % of the wall time`,
      );
    }
    for (const amp of [false, true]) {
      const t = torchRate(o, size, amp);
      row[amp ? "torch_amp" : "torch_fp32"] = t;
      if (typeof t === "string") console.log(`  ${size} px  PyTorch ${amp ? "AMP " : "fp32"}: ${t}`);
      else {
        const rate = t.images / t.seconds;
        const ours = (row.tfjs as Rates | undefined)?.train;
        console.log(`  ${size} px  PyTorch ${amp ? "AMP " : "fp32"}: train ${rate.toFixed(1)} img/s, peak ${mib(t.peak_bytes)} on ${t.device} (torch ${t.torch})${ours ? `; webgpu ÷ PyTorch ${(ours / rate).toFixed(2)}` : ""}`);
      }
    }
    rows.push(row);
  }
  report.rows = rows;

  if (backend) {
    // same seed twice on this GPU, then the cpu backend: how far apart GPU and CPU end up
    const small = { size: 64, batch: 4, steps: 3 };
    const a = await fingerprint(o.arch, small.size, small.batch, small.steps);
    const b = await fingerprint(o.arch, small.size, small.batch, small.steps);
    await initBackend("cpu");
    const cpu = await fingerprint(o.arch, small.size, small.batch, small.steps);
    let maxDiff = 0;
    a.weights.forEach((w, i) => w.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - cpu.weights[i]![j]!)))));
    const determinism = { ...small, identical: a.sha256 === b.sha256, sha256: a.sha256, losses: a.losses, cpu_losses: cpu.losses, max_weight_difference_vs_cpu: maxDiff };
    report.determinism = determinism;
    console.log(`determinism (${small.steps} steps, ${small.size} px, batch ${small.batch}): same seed twice ${determinism.identical ? "bit-identical" : "DIFFERENT"} (weights sha256 ${a.sha256.slice(0, 16)}…)`);
    console.log(`  vs the tfjs cpu backend: losses ${a.losses.map((l) => l.toFixed(6)).join(", ")} vs ${cpu.losses.map((l) => l.toFixed(6)).join(", ")}; largest weight difference ${maxDiff.toExponential(2)} (lr 1e-3)`);
  }

  const largest = rows.find((r) => r.size === Math.max(...o.sizes));
  if (largest) {
    const projection: Record<string, number> = {};
    const ours = largest.tfjs as Rates | undefined;
    if (ours) projection.webgpu_hours = hours(ours.train, ours.infer);
    for (const key of ["torch_fp32", "torch_amp"] as const) {
      const t = largest[key] as TorchResult | string | undefined;
      // PyTorch's inference rate is taken as 3× its training rate (forward only)
      if (t && typeof t !== "string") projection[`${key}_hours`] = hours(t.images / t.seconds, (3 * t.images) / t.seconds);
    }
    report.projection = { size: largest.size, ...projection };
    const images = experimentImages();
    console.log(
      `projected article experiment at ${largest.size} px (${EXPERIMENT.seeds} seeds × ${EXPERIMENT.epochs} epochs + ${EXPERIMENT.folds}-fold CV on ${EXPERIMENT.accessions} accessions: ${images.train} training and ${images.val} validation images): ` +
        Object.entries(projection).map(([k, v]) => `${k.replace(/_hours$/, "")} ${v.toFixed(2)} h`).join(", "),
    );
  }
  if (o.json) writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
  return backend ? 0 : 2;
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(`error: ${errorMessage(err)}`);
  process.exitCode = err instanceof TaskError ? err.exitCode : 1;
}
