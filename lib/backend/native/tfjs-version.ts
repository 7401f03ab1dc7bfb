import { TaskError } from "../../errors/index.ts";

/**
 * The tfjs release the native backend's patches of tfjs internals were written and tested for:
 * BatchNormalization.prototype.call and swish's apply (tfjs-layers, layers.ts) and the Mean
 * gradient (tfjs-core, gradients.ts). package.json pins every @tensorflow package to it exactly.
 */
export const PATCHED_TFJS_VERSION = "4.22.0";

/** Refuses (TaskError, exit 2) to patch a tfjs-layers or tfjs-core of another version, naming both. */
export function assertPatchableTfjs(versions: { layers: string; core: string }): void {
  for (const [pkg, found] of [["@tensorflow/tfjs-layers", versions.layers], ["@tensorflow/tfjs-core", versions.core]] as const) {
    if (found === PATCHED_TFJS_VERSION) continue;
    throw new TaskError(
      "backend_load_failed",
      `backend native: its patches of tfjs internals were written for ${pkg} ${PATCHED_TFJS_VERSION}, but ${found} is installed; ` +
        `install ${PATCHED_TFJS_VERSION} (npm ci with the pinned package-lock.json) or use another backend`,
      { exitCode: 2 },
    );
  }
}
