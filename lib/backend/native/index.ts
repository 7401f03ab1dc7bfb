export { ADDON_PATH, nativeBuilt } from "./addon.ts";
export { nativeAdamWUpdate } from "./adamw.ts";
export type { AdamWUpdate } from "./adamw.ts";
export { nativeDetails, nativeThreads, registerNativeBackend } from "./backend.ts";
export { installNativePatches, nativePatchesInstalled, uninstallNativePatches } from "./patches.ts";
export { PATCHED_TFJS_VERSION } from "./tfjs-version.ts";
