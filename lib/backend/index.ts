export { initBackend } from "./init.ts";
export type { BackendLog, BackendName, InitializedBackend } from "./init.ts";
export { wasmKernelConfigs } from "./wasm-kernels/index.ts";
