export { GPU_STEPS_PER_READ, initBackend } from "./init.ts";
export type { BackendLog, BackendName, BackendOptions, GpuDevice, InitializedBackend } from "./init.ts";
export { wasmKernelConfigs } from "./wasm-kernels/index.ts";
export { availableBackends, referenceKey } from "./available.ts";
export type { AvailableBackend } from "./available.ts";
export { adapterName, describeAdapter } from "./webgpu/adapter.ts";
export type { GpuAdapterInfo } from "./webgpu/adapter.ts";
export { gpuDeviceNodes } from "./webgpu/device-nodes.ts";
export { onHost } from "./on-host.ts";
