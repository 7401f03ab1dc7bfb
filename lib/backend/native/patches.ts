import type * as tfjs from "@tensorflow/tfjs";
import { backpropFreesEarly, freeBackpropEarly, keepBackpropToEnd } from "./backprop.ts";
import { gradientsRouted, routeGradientsToNative, unrouteGradients } from "./gradients.ts";
import { layersRouted, routeLayersToNative, unrouteLayers } from "./layers.ts";

type TF = typeof tfjs;

/**
 * The native backend's replacements of tfjs internals: BatchNormalization.prototype.call and
 * swish's apply (layers.ts), the Mean gradient (gradients.ts) and the engine's addTapeNode and
 * gradients, which free what backpropagation is done with early (backprop.ts). The backend
 * installs them when `tf.setBackend("native")` creates it (backend.ts), never at import or
 * registration; each refuses a tfjs other than PATCHED_TFJS_VERSION (tfjs-version.ts).
 * Idempotent.
 */
export function installNativePatches(tf: TF): void {
  routeLayersToNative(tf);
  routeGradientsToNative(tf);
  freeBackpropEarly(tf, "native");
}

/**
 * Puts tfjs's own members back: the same function objects as before installNativePatches, so
 * every backend computes exactly what plain tfjs does. The native backend keeps working (its
 * kernels stay; tfjs-layers then composes them as on cpu); installNativePatches reinstalls.
 */
export function uninstallNativePatches(tf: TF): void {
  unrouteLayers();
  unrouteGradients(tf);
  keepBackpropToEnd();
}

/** Whether the replacements are in place. */
export function nativePatchesInstalled(): boolean {
  return layersRouted() && gradientsRouted() && backpropFreesEarly();
}
