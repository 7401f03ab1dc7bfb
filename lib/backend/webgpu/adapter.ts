/**
 * What a run records about the WebGPU adapter it trained on (summary.json's `backend_details`
 * and every artifact's `provenance.gpu`): fingerprints are only comparable on the same GPU and
 * driver.
 */
export interface GpuAdapterInfo {
  /** Always "webgpu" here (the tensorflow backend records its CUDA device its own way). */
  api: string;
  /** As the adapter reports it, e.g. "nvidia", "mesa". */
  vendor: string;
  /** e.g. "hopper", "software". */
  architecture: string;
  /** e.g. "llvmpipe-llvm-15-0-6-256-bits-". */
  device: string;
  /** The driver's description, e.g. "llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1". */
  description: string;
  /** The driver part of the description (after "name: " when present). */
  driver: string;
  /** True for a CPU rasteriser (lavapipe/llvmpipe, SwiftShader, WARP): not a GPU. */
  software: boolean;
}

/** Device names of CPU implementations of Vulkan/D3D/Metal that some adapters do not flag as fallback. */
const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|\bwarp\b/i;

/** Describes a WebGPU adapter (Dawn's `adapter.info`). */
export function describeAdapter(adapter: Pick<GPUAdapter, "info">): GpuAdapterInfo {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const vendor = info.vendor ?? "";
  const architecture = info.architecture ?? "";
  const device = info.device ?? "";
  const description = info.description ?? "";
  const software = info.isFallbackAdapter === true || architecture.toLowerCase() === "software" || SOFTWARE_NAMES.test(`${device} ${description}`);
  const colon = description.indexOf(": ");
  return { api: "webgpu", vendor, architecture, device, description, driver: colon >= 0 ? description.slice(colon + 2) : description, software };
}

/** A short human name for an adapter: "llvmpipe (software)", "NVIDIA H100 80GB HBM3". */
export function adapterName(info: GpuAdapterInfo): string {
  const name = (info.description.split(": ")[0] || info.device || info.vendor || "unknown adapter").trim();
  return info.software ? `${name} (software)` : name;
}

/** The adapter fields as flat strings, for summary.json's `backend_details`. */
export function adapterDetails(info: GpuAdapterInfo): Record<string, string> {
  return {
    adapter_vendor: info.vendor,
    adapter_architecture: info.architecture,
    adapter_device: info.device,
    adapter_description: info.description,
    adapter_driver: info.driver,
    adapter_software: String(info.software),
  };
}
