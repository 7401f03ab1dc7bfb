import { TaskError, errorMessage } from "../../errors/index.ts";
import { withQuietStderr } from "./quiet-stderr.ts";

/** The npm package with Dawn's Node bindings (`dawn.node` for linux-x64 ships inside it). */
export const DAWN_PACKAGE = "webgpu";

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

let gpu: GPU | undefined;

/**
 * Dawn's `navigator.gpu`, loaded on first use (importing `webgpu` loads a 21 MB native module,
 * so no other backend pays for it). Installs Dawn's WebGPU classes and constants as globals
 * (tfjs-backend-webgpu uses `GPUBufferUsage`, `GPUMapMode` and `instanceof GPUBuffer`) and
 * `navigator.gpu`, which tfjs-backend-webgpu checks. `MAMMO_DAWN_FLAGS` passes Dawn's own
 * options (space-separated, e.g. `backend=vulkan enable-dawn-features=disable_robustness`).
 * Throws a TaskError (exit 2) when the package is missing or its binary does not load.
 */
export async function dawnGpu(): Promise<GPU> {
  if (gpu !== undefined) return gpu;
  let dawn: DawnModule;
  try {
    // A variable specifier: only this backend loads the native module.
    const specifier: string = DAWN_PACKAGE;
    dawn = (await import(specifier)) as DawnModule;
  } catch (err) {
    throw new TaskError("backend_unavailable", `backend webgpu unavailable: ${DAWN_PACKAGE} (Dawn) did not load: ${errorMessage(err)}`, {
      exitCode: 2,
      cause: err,
    });
  }
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  const flags = (process.env.MAMMO_DAWN_FLAGS ?? "").split(/\s+/).filter((f) => f.length > 0);
  const created = await withQuietStderr(async () => dawn.create(flags));
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav === undefined) Object.defineProperty(globalThis, "navigator", { value: { gpu: created }, configurable: true });
  else Object.defineProperty(nav, "gpu", { value: created, configurable: true });
  gpu = created;
  return created;
}
