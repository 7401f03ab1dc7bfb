import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { TaskError } from "../errors/index.ts";
import { registerWasmKernels } from "./wasm-kernels/index.ts";

const WASM_PACKAGE = "@tensorflow/tfjs-backend-wasm";

/** The process's error listeners at one moment (see prepareWasm). */
export interface ListenerSnapshot {
  uncaughtException: Function[];
  unhandledRejection: Function[];
}

/**
 * Prepares the wasm backend before `tf.setBackend("wasm")`: points it at its .wasm binaries on
 * disk (under Bun it would otherwise try to fetch them relative to the bundle and fail) and
 * forces the single-threaded binary (the threaded one needs browser workers; asking for it
 * makes setBackend fail silently). Returns the process's error listeners, for finishWasm.
 */
export async function prepareWasm(): Promise<ListenerSnapshot> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const distDir = dirname(fileURLToPath(import.meta.resolve(WASM_PACKAGE)));
  const binary = join(distDir, "tfjs-backend-wasm.wasm");
  if (!existsSync(binary)) {
    throw new TaskError("backend_unavailable", `backend wasm unavailable: ${binary} is missing (reinstall ${WASM_PACKAGE})`, { exitCode: 2 });
  }
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  // Harmless once the backend is up (a second initBackend in the same process); it throws only
  // after a failed initialisation, which setBackend reports below anyway.
  wasm.setWasmPaths(`${distDir}/`);
  return { uncaughtException: process.listeners("uncaughtException"), unhandledRejection: process.listeners("unhandledRejection") };
}

/**
 * Removes the process listeners added since `before`: the wasm backend's Emscripten runtime adds
 * two that rethrow every uncaught error and unhandled rejection from inside its bundle, which
 * then shows up as the error's location.
 */
export function removeAddedListeners(before: ListenerSnapshot): void {
  for (const event of ["uncaughtException", "unhandledRejection"] as const) {
    for (const listener of process.listeners(event)) {
      if (!before[event].includes(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
}

/**
 * Once the wasm backend is initialised: registers the project's kernels (after the backend set
 * up its own, which some of them fall back to) and returns details to record.
 */
export async function finishWasm(): Promise<Record<string, string>> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const kernels = registerWasmKernels();
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  return {
    package: WASM_PACKAGE,
    version: wasm.version_wasm,
    binary: simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm",
    threads: "1",
    projectKernels: kernels.join(","),
  };
}
