import * as tf from "@tensorflow/tfjs";
import { TaskError, errorMessage, usageError } from "../errors/index.ts";
import { recordDevice } from "../provenance/index.ts";
import { loadTensorflow } from "./tensorflow.ts";
import { finishWasm, prepareWasm, removeAddedListeners, type ListenerSnapshot } from "./wasm.ts";
import { nativeDetails, registerNativeBackend } from "./native/index.ts";
import { adapterDetails, adapterName, type GpuAdapterInfo } from "./webgpu/adapter.ts";
import { gpuDeviceNodes } from "./webgpu/device-nodes.ts";

/**
 * Training backend (`--backend`): `tensorflow` = libtensorflow through tfjs-node(-gpu) (optional
 * packages); `webgpu` = tfjs-backend-webgpu on Dawn (npm `webgpu`), any adapter, a software one
 * with a warning; `gpu` = a GPU or nothing: tensorflow on a CUDA device, else webgpu on a
 * hardware adapter (a software adapter only with `allowSoftwareGpu`); `wasm` = tfjs-backend-wasm
 * plus the project's gradient kernels, single-threaded; `cpu` = tfjs's pure-JS reference;
 * `native` = the project's own C++ kernels (built by `npm ci`); `auto` = the best available:
 * a hardware GPU (as `gpu`), then tensorflow, native, wasm.
 */
export type BackendName = "auto" | "gpu" | "tensorflow" | "webgpu" | "wasm" | "cpu" | "native";

/** The concrete backends (what `auto` and `gpu` resolve to). */
type Concrete = Exclude<BackendName, "auto" | "gpu">;

/** Where initBackend reports what it chose and why (a task's `ctx.log` fits). */
export interface BackendLog {
  info(message: string): void;
  warn(message: string): void;
  debug?(message: string): void;
}

/** Options of initBackend. */
export interface BackendOptions {
  /** With "gpu": accept a software WebGPU adapter (lavapipe, SwiftShader) when there is no GPU (tests, CI). */
  allowSoftwareGpu?: boolean;
}

/** The GPU a backend runs on (null on CPU backends); recorded in summary.json and every artifact's provenance. */
export type GpuDevice = GpuAdapterInfo;

/** The backend in use. */
export interface InitializedBackend {
  /** tfjs's name for the backend in use ("tensorflow", "webgpu", "wasm", "cpu" or "native"), recorded in summary.json. */
  name: string;
  /** The tfjs module, with `name` set as its backend. */
  tf: typeof tf;
  /** What a reader needs to compare fingerprints: package, version, binary, threads, adapter, … */
  details: Record<string, string>;
  /** The GPU in use, or null. */
  gpu: GpuDevice | null;
  /**
   * Training steps between reads of the step losses back to the host: 1 where reading is free
   * (CPU backends), more on a GPU, whose queue then runs ahead of the host (lib/train/loop.ts).
   */
  stepsPerRead: number;
}

/** Steps between loss read-backs on a GPU: the host stays at most this many steps ahead of the device. */
export const GPU_STEPS_PER_READ = 8;

/**
 * Selects and initialises a tfjs backend, then checks that it is the one in use: `tf.setBackend`
 * returns false and silently stays on another backend when initialisation fails.
 * Throws a TaskError (exit 2) when the requested backend is unavailable; for "gpu" that means
 * no GPU, in one line naming what was found (it never falls back to the CPU).
 */
export async function initBackend(requested: BackendName, log?: BackendLog, options: BackendOptions = {}): Promise<InitializedBackend> {
  // tfjs prints warnings straight to the console (e.g. a banner recommending tfjs-node on the
  // cpu backend); the backend choice is logged here instead.
  tf.enableProdMode();
  let chosen: InitializedBackend;
  if (requested === "gpu") chosen = await activateGpu(log, options);
  else if (requested === "auto") chosen = await activateAuto(log);
  else chosen = await activate(requested, log);
  recordDevice(chosen.gpu);
  return chosen;
}

async function activateAuto(log?: BackendLog): Promise<InitializedBackend> {
  try {
    const gpu = await activateGpu(undefined, { allowSoftwareGpu: false }, true);
    log?.info(`backend: ${gpu.name} (auto: GPU ${gpu.gpu ? adapterName(gpu.gpu) : "found"})`);
    return gpu;
  } catch (err) {
    if (!(err instanceof TaskError)) throw err;
    if (err.code === "backend_load_failed") log?.warn(`backend auto: skipping gpu: ${errorMessage(err)}`);
    else log?.debug?.(`backend auto: skipping gpu: ${errorMessage(err)}`);
  }
  for (const candidate of ["tensorflow", "native", "wasm"] as const) {
    try {
      const chosen = await activate(candidate);
      log?.info(`backend: ${chosen.name} (auto: ${candidate === "wasm" ? "tensorflow and native unavailable" : "best available"})`);
      return chosen;
    } catch (err) {
      if (!(err instanceof TaskError)) throw err;
      // Not installed / not built is the usual case; an installed backend that breaks is news.
      if (err.code === "backend_load_failed") log?.warn(`backend auto: skipping ${candidate}: ${errorMessage(err)}`);
      else log?.debug?.(`backend auto: skipping ${candidate}: ${errorMessage(err)}`);
    }
  }
  const chosen = await activate("cpu");
  log?.warn("backend: cpu (auto: no faster backend could start; expect slow training)");
  return chosen;
}

/**
 * A GPU or a usage error: tensorflow when tfjs-node-gpu runs on a CUDA device, else webgpu on a
 * hardware adapter, else (with allowSoftwareGpu) webgpu on a software adapter. For `auto`
 * (`quick`), Linux machines without a GPU device node are answered without loading Dawn.
 */
async function activateGpu(log: BackendLog | undefined, options: BackendOptions, quick = false): Promise<InitializedBackend> {
  const found: string[] = [];
  const cuda = await cudaTensorflow();
  if (cuda.backend) return cuda.backend;
  found.push(cuda.why);
  if (quick && process.platform === "linux" && gpuDeviceNodes().length === 0) {
    throw usageError("no_gpu", `no GPU: no GPU device node (/dev/nvidia*, /dev/dri/renderD*); ${cuda.why}`);
  }
  const { findAdapter } = await import("./webgpu/register.ts");
  let adapter;
  try {
    adapter = await findAdapter();
  } catch (err) {
    if (!(err instanceof TaskError)) throw err;
    throw usageError("no_gpu", `no GPU: ${errorMessage(err).replace(/^backend webgpu unavailable: /, "")}; ${cuda.why}`);
  }
  if (adapter.info.software && !options.allowSoftwareGpu) {
    throw usageError(
      "no_gpu",
      `no GPU: the only WebGPU adapter is ${adapterName(adapter.info)}; ${cuda.why} (--allow-software-gpu trains on the software adapter, for tests)`,
    );
  }
  return activate("webgpu", log, adapter);
}

/** The tensorflow backend when tfjs-node-gpu is installed and runs on a CUDA device; else why not. */
async function cudaTensorflow(): Promise<{ backend?: InitializedBackend; why: string }> {
  let backend: InitializedBackend;
  try {
    backend = await activate("tensorflow");
  } catch (err) {
    if (!(err instanceof TaskError)) throw err;
    return { why: err.code === "backend_unavailable" ? "@tensorflow/tfjs-node-gpu is not installed" : errorMessage(err) };
  }
  // tfjs-node's backend says whether libtensorflow placed ops on a GPU (tfjs-node-gpu with CUDA).
  if ((tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true) {
    const gpu: GpuDevice = { api: "cuda", vendor: "nvidia", architecture: "", device: "", description: "CUDA device of libtensorflow (tfjs-node-gpu)", driver: "", software: false };
    return { backend: { ...backend, gpu, stepsPerRead: GPU_STEPS_PER_READ, details: { ...backend.details, ...adapterDetails(gpu) } }, why: "" };
  }
  return { why: `${backend.details.package ?? "tfjs-node"} runs on the CPU (no CUDA device)` };
}

async function activate(name: Concrete, log?: BackendLog, adapter?: import("./webgpu/register.ts").FoundAdapter): Promise<InitializedBackend> {
  let details: Record<string, string> = {};
  let listeners: ListenerSnapshot | undefined;
  let gpu: GpuDevice | null = null;
  switch (name) {
    case "tensorflow":
      details = await loadTensorflow();
      break;
    case "wasm":
      listeners = await prepareWasm();
      break;
    case "cpu":
      details = { package: "@tensorflow/tfjs-backend-cpu", version: tf.version_cpu };
      break;
    case "native":
      await registerNativeBackend(tf);
      break;
    case "webgpu": {
      const webgpu = await import("./webgpu/register.ts");
      const found = adapter ?? (await webgpu.findAdapter());
      await webgpu.registerWebGPUBackend(tf, found);
      if (found.info.software) log?.warn(`backend webgpu: ${adapterName(found.info)} is a software adapter (the CPU drawing as a GPU): a functional check, not GPU speed`);
      gpu = found.info;
      details = webgpu.webgpuDetails(found.info);
      break;
    }
  }
  let accepted: boolean;
  try {
    accepted = await tf.setBackend(name);
    await tf.ready();
  } catch (err) {
    throw new TaskError("backend_unavailable", `backend ${name} failed to initialise: ${errorMessage(err)}`, { exitCode: 2, cause: err });
  } finally {
    if (listeners !== undefined) removeAddedListeners(listeners);
  }
  const active = tf.getBackend();
  if (!accepted || active !== name) {
    throw new TaskError("backend_unavailable", `backend ${name} failed to initialise: tfjs is using ${active || "no backend"} instead`, {
      exitCode: 2,
    });
  }
  if (name === "wasm") details = await finishWasm();
  if (name === "native") details = nativeDetails();
  return { name, tf, details: { ...details, tfjs: tf.version.tfjs }, gpu, stepsPerRead: gpu ? GPU_STEPS_PER_READ : 1 };
}
