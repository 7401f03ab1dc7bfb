import type { KernelConfig, KernelFunc } from "@tensorflow/tfjs";

/**
 * The wasm backend's own kernels that the project's kernels replace but still delegate to for
 * the cases they do not speed up (e.g. Sum over scattered axes, Tile of strings). Filled by
 * registerWasmKernels, which runs after the backend's own kernels were set up.
 */
const originals = new Map<string, KernelFunc>();

export function keepOriginal(config: KernelConfig | undefined): void {
  if (config !== undefined) originals.set(config.kernelName, config.kernelFunc);
}

/** The backend's own kernel `name`; throws if it was never registered. */
export function originalKernel(name: string): KernelFunc {
  const kernel = originals.get(name);
  if (kernel === undefined) throw new Error(`${name} (wasm): the backend's own kernel is not available to fall back to`);
  return kernel;
}
