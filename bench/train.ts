// Training throughput (images/s) and peak memory of the project's training step, next to the
// same network trained by PyTorch (bench/train_torch.py) with the same number of threads.
//
//   bun bench/train.ts [--case ARCH@PX]... [--batch 16] [--backend native|wasm]... [--steps 6]
//                      [--warmup 2] [--after ARCH@PX] [--profile [--cpu-time]] [--no-torch] [--json]
//
// Cases (default: small-cnn and efficientnet-b0 at 64 and 128 px, efficientnet-b0 at 224 and
// 512 px): every layer trainable, AdamW + cross-entropy on seeded random images. Each case runs
// in its own child process (ours, then PyTorch's), so cases cannot affect each other; peak RSS is
// each child's VmHWM. Backends: native (when built) and wasm by default; PyTorch gets the
// backend's thread count (1 for wasm, which is single-threaded under Bun). --after A@P first
// trains A for the same steps in the same child (throughput of a model after another one).
// --profile prints the per-kernel time of one step after the timed ones (wall time; with
// --cpu-time the CPU time of every thread, MAMMO_NATIVE_PROFILE=cpu, which other work on a shared
// machine distorts less). --json prints one object per case: {backend, arch, size, batch,
// threads, ours_img_s, torch_img_s, ratio, ours_peak_rss_mb, torch_peak_rss_mb} and the CPU
// seconds (all threads) per timed step of each side (PyTorch's include OpenMP's spin-waiting),
// the step's GFLOP (convolutions and dense layers, ×3 for both gradients) and GFLOP/s next to
// the backend's 1024³ SGEMM in the same child (by wall time and per CPU-second), + after and
// profile when asked. Needs /usr/bin/python3 with torch and torchvision (apt:
// python3-torch python3-torchvision) unless --no-torch.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/index.ts";
import { TaskError, errorMessage, usageError } from "../lib/errors/index.ts";
import { nativeBuilt, nativeThreads } from "../lib/backend/native/index.ts";
import type { Arch } from "../lib/models/index.ts";
import { benchStep, kernelProfile, peakRssMb, secondsPerStep, sgemmSeconds, type StepProfile } from "./step.ts";

type Backend = "native" | "wasm";
interface Case {
  arch: Arch;
  size: number;
}
/** What a child measuring our side prints. */
interface OursResult {
  threads: number;
  img_s: number;
  cpu_s: number;
  peak_rss_mb: number;
  /** Floating-point operations of one step (convolutions and dense layers, forward and both gradients). */
  step_gflop: number;
  /** The backend's 1024³ matrix product. */
  sgemm: { wall: number; cpu: number };
  profile?: StepProfile;
}

/** Size of the matrix product that gives the backend's SGEMM rate, the yardstick of a step's GFLOP/s. */
const SGEMM_N = 1024;
const ARCHS: readonly Arch[] = ["small-cnn", "efficientnet-b0"];
const DEFAULT_CASES = ["small-cnn@64", "small-cnn@128", "efficientnet-b0@64", "efficientnet-b0@128", "efficientnet-b0@224", "efficientnet-b0@512"];

const argv = process.argv.slice(2);
const has = (name: string) => argv.includes(`--${name}`);
const all = (name: string) => argv.flatMap((a, i) => (a === `--${name}` && argv[i + 1] !== undefined ? [argv[i + 1] as string] : []));
const one = (name: string, fallback: string) => all(name).at(-1) ?? fallback;

function count(name: string, fallback: string, min: number): number {
  const value = Number(one(name, fallback));
  if (!Number.isInteger(value) || value < min) throw usageError("bad_flag", `--${name}: expected an integer ≥ ${min}, got ${one(name, fallback)}`);
  return value;
}

function parseCase(text: string): Case {
  const [arch, px] = text.split("@");
  const size = Number(px);
  if (!ARCHS.includes(arch as Arch) || !Number.isInteger(size) || size < 32) {
    throw usageError("bad_flag", `--case: expected ARCH@PX with ARCH one of ${ARCHS.join(", ")} and PX an integer ≥ 32, got ${text}`);
  }
  return { arch: arch as Arch, size };
}

const batch = count("batch", "16", 1);
const steps = count("steps", "6", 1);
const warmup = count("warmup", "2", 0);
const after = all("after").map(parseCase).at(-1);

/** In the child: our side of one case, printed as one JSON line. */
async function measureOurs(backend: Backend, c: Case): Promise<void> {
  await initBackend(backend);
  tf.enableProdMode();
  if (after !== undefined) {
    const first = benchStep(tf, after.arch, after.size, batch);
    secondsPerStep(first, steps, warmup);
    first.dispose();
  }
  const step = benchStep(tf, c.arch, c.size, batch);
  const seconds = secondsPerStep(step, steps, warmup);
  const profile = has("profile") ? await kernelProfile(tf, () => step.run()) : undefined;
  step.dispose();
  const threads = backend === "native" ? nativeThreads() : 1;
  const peak = peakRssMb();
  const result: OursResult = {
    threads, img_s: batch / seconds.wall, cpu_s: seconds.cpu, peak_rss_mb: peak, step_gflop: step.flops / 1e9, sgemm: sgemmSeconds(tf, SGEMM_N, 5), profile,
  };
  console.log(JSON.stringify(result));
}

function lastJsonLine<T>(what: string, run: ReturnType<typeof spawnSync>): T {
  if (run.status !== 0) throw new TaskError("bench_child_failed", `${what} failed (exit ${run.status ?? run.signal}): ${String(run.stderr).trim().split("\n").slice(-5).join("\n")}`);
  const line = String(run.stdout).trim().split("\n").at(-1) ?? "";
  return JSON.parse(line) as T;
}

function runOurs(backend: Backend, c: Case): OursResult {
  const childArgs = ["--child", "--backend", backend, "--case", `${c.arch}@${c.size}`, "--batch", String(batch), "--steps", String(steps), "--warmup", String(warmup)];
  if (after !== undefined) childArgs.push("--after", `${after.arch}@${after.size}`);
  if (has("profile")) childArgs.push("--profile");
  const env = { ...process.env, ...(has("cpu-time") ? { MAMMO_NATIVE_PROFILE: "cpu" } : {}) };
  const run = spawnSync(process.execPath, [import.meta.path, ...childArgs], { encoding: "utf8", maxBuffer: 1 << 26, env });
  return lastJsonLine(`bench/train.ts child (${backend} ${c.arch}@${c.size})`, run);
}

function runTorch(c: Case, threads: number): { img_s: number; cpu_s: number; peak_rss_mb: number; torch: string } {
  const script = join(import.meta.dir, "train_torch.py");
  const run = spawnSync("/usr/bin/python3", [script, c.arch, String(c.size), String(batch), String(steps), String(warmup)], {
    encoding: "utf8",
    env: { ...process.env, BENCH_TORCH_THREADS: String(threads) },
  });
  const out = lastJsonLine<{ images: number; seconds: number; cpu_seconds: number; peak_rss_mb: number; torch: string }>("train_torch.py", run);
  return { img_s: out.images / out.seconds, cpu_s: (out.cpu_seconds * batch) / out.images, peak_rss_mb: out.peak_rss_mb, torch: out.torch };
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** The step's GFLOP/s beside the backend's SGEMM rate in the same process, by wall time and per CPU-second (every thread). */
function gflops(ours: OursResult): Record<string, number> {
  const sgemmGflop = (2 * SGEMM_N ** 3) / 1e9;
  const stepWall = batch / ours.img_s;
  return {
    step_gflop: round(ours.step_gflop, 2),
    ours_gflop_s: round(ours.step_gflop / stepWall, 1), sgemm_gflop_s: round(sgemmGflop / ours.sgemm.wall, 1),
    ours_gflop_per_cpu_s: round(ours.step_gflop / ours.cpu_s, 1), sgemm_gflop_per_cpu_s: round(sgemmGflop / ours.sgemm.cpu, 1),
  };
}

function printProfile({ kernels, peakTensorMb }: StepProfile): void {
  const total = kernels.reduce((s, k) => s + k.ms, 0);
  console.log(`  kernels of one profiled step: ${total.toFixed(0)} ms in kernels; tfjs peak of tensor bytes ${peakTensorMb} MiB (a tensor sharing another's data counted again)`);
  for (const k of kernels.filter((k) => k.ms >= 0.01 * total)) {
    console.log(`  ${k.kernel.padEnd(34)} ${String(k.calls).padStart(5)} calls ${k.ms.toFixed(1).padStart(9)} ms ${((100 * k.ms) / total).toFixed(1).padStart(5)} %`);
  }
}

/** In the parent: every case on every backend, each in its own child processes. */
function main(): void {
  const chosen = all("case").length > 0;
  const cases = (chosen ? all("case") : DEFAULT_CASES).map(parseCase);
  const asked = all("backend");
  for (const b of asked) if (b !== "native" && b !== "wasm") throw usageError("bad_flag", `--backend: expected native or wasm, got ${b}`);
  const backends = (asked.length > 0 ? asked : nativeBuilt() ? ["wasm", "native"] : ["wasm"]) as Backend[];
  const json = has("json");
  if (!json) {
    console.log(`training step, batch ${batch}, ${steps} timed steps after ${warmup} warm-up steps${after ? `, after ${after.arch}@${after.size} in the same process` : ""}`);
    console.log("backend  threads  arch             size  ours img/s  torch img/s  ours/torch  ours peak MiB  torch peak MiB");
  }
  for (const backend of backends) {
    for (const c of cases) {
      // tfjs-wasm's heap is 4 GiB: EfficientNet-B0 training above 128 px × batch 16 aborts there.
      if (!chosen && backend === "wasm" && c.arch === "efficientnet-b0" && c.size > 128) {
        if (!json) console.log(`wasm     skipped  ${c.arch}@${c.size} (beyond the wasm backend's 4 GiB heap; ask for it with --case to try)`);
        continue;
      }
      const ours = runOurs(backend, c);
      const peer = has("no-torch") ? null : runTorch(c, ours.threads);
      const row = {
        backend, arch: c.arch, size: c.size, batch, threads: ours.threads,
        ours_img_s: round(ours.img_s, 3), torch_img_s: peer ? round(peer.img_s, 3) : null,
        ratio: peer ? round(ours.img_s / peer.img_s, 3) : null,
        ours_peak_rss_mb: Math.round(ours.peak_rss_mb), torch_peak_rss_mb: peer ? Math.round(peer.peak_rss_mb) : null,
        ours_cpu_s_per_step: round(ours.cpu_s, 2), torch_cpu_s_per_step: peer ? round(peer.cpu_s, 2) : null,
        ...gflops(ours),
        ...(after ? { after: `${after.arch}@${after.size}` } : {}),
        ...(ours.profile ? { profile: ours.profile } : {}),
      };
      if (json) {
        console.log(JSON.stringify(row));
        continue;
      }
      const cell = (x: number | null, w: number, d = 2) => (x === null ? "—" : x.toFixed(d)).padStart(w);
      console.log(
        `${backend.padEnd(8)} ${String(row.threads).padStart(7)}  ${c.arch.padEnd(16)} ${String(c.size).padStart(4)}  ${cell(row.ours_img_s, 10)}  ${cell(row.torch_img_s, 11)}  ${cell(row.ratio, 10)}  ${cell(row.ours_peak_rss_mb, 13, 0)}  ${cell(row.torch_peak_rss_mb, 14, 0)}${peer ? `   (torch ${peer.torch})` : ""}`,
      );
      if (ours.profile) printProfile(ours.profile);
    }
  }
}

try {
  if (has("help") || has("h")) {
    // The usage is this file's opening comment.
    const text = await Bun.file(import.meta.path).text();
    console.log(text.split("\nimport ")[0]?.replace(/^\/\/ ?/gm, ""));
  } else if (has("child")) await measureOurs(one("backend", "native") as Backend, parseCase(one("case", "")));
  else main();
} catch (err) {
  console.error(`error: ${errorMessage(err)}`);
  process.exitCode = err instanceof TaskError ? err.exitCode : 1;
}
