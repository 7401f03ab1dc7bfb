import type * as tfjs from "@tensorflow/tfjs";
import { TaskError, errorMessage } from "../../errors/index.ts";
import { packageVersion } from "../../provenance/index.ts";
import { adapterDetails, describeAdapter, type GpuAdapterInfo } from "./adapter.ts";
import { MammoWebGPUBackend } from "./backend.ts";
import { DAWN_PACKAGE, dawnGpu } from "./dawn.ts";
import { routeLayersToNative, useFusedLayers } from "../native/layers.ts";
import { webgpuKernelConfigs } from "./kernels/index.ts";
import { withQuietStderr } from "./quiet-stderr.ts";

type TF = typeof tfjs;

/** The adapter the backend runs on, as found by findAdapter. */
export interface FoundAdapter {
  adapter: GPUAdapter;
  info: GpuAdapterInfo;
}

/**
 * The WebGPU adapter Dawn offers: the high-performance one first, else whatever there is
 * (Dawn returns a software adapter such as lavapipe when no GPU driver is present). Throws a
 * TaskError (exit 2) when there is none at all.
 */
export async function findAdapter(): Promise<FoundAdapter> {
  const gpu = await dawnGpu();
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await withQuietStderr(async () => (await gpu.requestAdapter({ powerPreference: "high-performance" })) ?? (await gpu.requestAdapter()));
  } catch (err) {
    throw new TaskError("backend_unavailable", `backend webgpu unavailable: Dawn could not list adapters: ${errorMessage(err)}`, { exitCode: 2, cause: err });
  }
  if (adapter === null) {
    throw new TaskError(
      "backend_unavailable",
      "backend webgpu unavailable: no WebGPU adapter (Dawn found no Vulkan/Metal/D3D12 device; install a GPU driver, or Mesa's lavapipe for a software adapter)",
      { exitCode: 2 },
    );
  }
  return { adapter, info: describeAdapter(adapter) };
}

let registeredFor: GPUAdapter | undefined;

/**
 * Registers the "webgpu" backend on `found.adapter` (priority 0: used only when asked for),
 * replacing the factory tfjs-backend-webgpu registers for itself, then the project's kernels
 * over tfjs's (kernels/index.ts), and the fused batch-norm and swish routes of tfjs-layers
 * (lib/backend/native/layers.ts). Everything runs on the device: tfjs's shortcut that runs
 * small ops on the CPU when their inputs are still on the host is turned off.
 * Call before `tf.setBackend("webgpu")`. Idempotent for one adapter.
 */
export async function registerWebGPUBackend(tf: TF, found: FoundAdapter): Promise<void> {
  if (registeredFor !== found.adapter) {
    if (tf.findBackendFactory("webgpu") !== null) tf.removeBackend("webgpu");
    const { adapter } = found;
    tf.registerBackend(
      "webgpu",
      async () => {
        const limits = adapter.limits;
        const device = await withQuietStderr(() => adapter.requestDevice({
          requiredLimits: {
            maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
            maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
            maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
            maxBufferSize: limits.maxBufferSize,
            maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
            maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
          },
        }));
        return new MammoWebGPUBackend(device, adapter.info);
      },
      0,
    );
    registeredFor = found.adapter;
  }
  tf.env().set("WEBGPU_CPU_FORWARD", false);
  for (const config of webgpuKernelConfigs) {
    const current = tf.getKernel(config.kernelName, "webgpu");
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== undefined) tf.unregisterKernel(config.kernelName, "webgpu");
    tf.registerKernel(config);
  }
  // tfjs-layers' training-mode batch norm and swish through the fused kernels (kernels/batchnorm.ts, swish.ts)
  routeLayersToNative(tf);
  useFusedLayers("webgpu");
}

/** The backend instance in use, when it is the project's webgpu backend. */
export function webgpuBackend(tf: TF): MammoWebGPUBackend | null {
  const backend = tf.getBackend() === "webgpu" ? tf.backend() : null;
  return backend instanceof MammoWebGPUBackend ? backend : null;
}

/** What summary.json records about the webgpu backend: packages, adapter, the project's kernels. */
export function webgpuDetails(info: GpuAdapterInfo): Record<string, string> {
  return {
    package: "@tensorflow/tfjs-backend-webgpu",
    version: packageVersion("@tensorflow/tfjs-backend-webgpu") ?? "unknown",
    dawn: `${DAWN_PACKAGE} ${packageVersion(DAWN_PACKAGE) ?? "unknown"}`,
    ...adapterDetails(info),
    projectKernels: webgpuKernelConfigs.map((c) => c.kernelName).join(","),
  };
}
