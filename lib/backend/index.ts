export { initBackend } from "./init.ts";
export type { BackendLog, BackendName, InitializedBackend } from "./init.ts";
export { wasmKernelConfigs } from "./wasm-kernels/index.ts";
export { availableBackends, referenceKey } from "./available.ts";
export type { AvailableBackend } from "./available.ts";
