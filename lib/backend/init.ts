import * as tf from "@tensorflow/tfjs";
import { TaskError, errorMessage } from "../errors/index.ts";
import { loadTensorflow } from "./tensorflow.ts";
import { finishWasm, prepareWasm, removeAddedListeners, type ListenerSnapshot } from "./wasm.ts";
import { nativeDetails, registerNativeBackend } from "./native/index.ts";

/**
 * Training backend (`--backend`): `tensorflow` = libtensorflow through tfjs-node(-gpu) (optional
 * packages); `wasm` = tfjs-backend-wasm plus the project's gradient kernels, single-threaded;
 * `cpu` = tfjs's pure-JS reference; `native` = the project's own C++ kernels (built by `npm ci`);
 * `auto` = the best available, in the order tensorflow → native → wasm.
 */
export type BackendName = "auto" | "tensorflow" | "wasm" | "cpu" | "native";

/** Where initBackend reports what it chose and why (a task's `ctx.log` fits). */
export interface BackendLog {
  info(message: string): void;
  warn(message: string): void;
  debug?(message: string): void;
}

/** The backend in use. */
export interface InitializedBackend {
  /** tfjs's name for the backend in use ("tensorflow", "wasm" or "cpu"), recorded in summary.json. */
  name: string;
  /** The tfjs module, with `name` set as its backend. */
  tf: typeof tf;
  /** What a reader needs to compare fingerprints: package, version, binary, threads, … */
  details: Record<string, string>;
}

/**
 * Selects and initialises a tfjs backend, then checks that it is the one in use: `tf.setBackend`
 * returns false and silently stays on another backend when initialisation fails.
 * Throws a TaskError (exit 2) when the requested backend is unavailable.
 */
export async function initBackend(requested: BackendName, log?: BackendLog): Promise<InitializedBackend> {
  // tfjs prints warnings straight to the console (e.g. a banner recommending tfjs-node on the
  // cpu backend); the backend choice is logged here instead.
  tf.enableProdMode();
  if (requested !== "auto") return activate(requested);
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

async function activate(name: Exclude<BackendName, "auto">): Promise<InitializedBackend> {
  let details: Record<string, string> = {};
  let listeners: ListenerSnapshot | undefined;
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
  return { name, tf, details: { ...details, tfjs: tf.version.tfjs } };
}
