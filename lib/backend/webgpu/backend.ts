import type { BackendValues, DataId } from "@tensorflow/tfjs";
import { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { TaskError } from "../../errors/index.ts";

/** Per-shader facts the backend records as it compiles (for tests and the determinism check). */
export interface ShaderRecord {
  /** The tfjs program class that made the shader (its pipeline label), e.g. "Conv2DMMProgram". */
  label: string;
  /** True when the WGSL declares or uses atomics (whose order of updates depends on scheduling). */
  atomic: boolean;
}

/**
 * tfjs-backend-webgpu's backend with three additions the project relies on:
 * - `deviceReads` counts reads that copy data from the GPU to the host (a test bounds it per
 *   training step); reads of values already on the host are free and not counted;
 * - a synchronous read of data that is only on the GPU fails with a clear error: tfjs's own
 *   readSync draws through an OffscreenCanvas, which exists only in browsers;
 * - every compiled shader is recorded with whether it uses atomics, and any error the device
 *   reports (validation, out of memory) fails the next read instead of passing silently.
 */
export class MammoWebGPUBackend extends WebGPUBackend {
  deviceReads = 0;
  readonly shaders: ShaderRecord[] = [];
  private deviceError: string | null = null;

  constructor(device: GPUDevice, adapterInfo: GPUAdapterInfo) {
    const createShaderModule = device.createShaderModule.bind(device);
    device.createShaderModule = (descriptor: GPUShaderModuleDescriptor) => {
      this.shaders.push({ label: descriptor.label ?? "unlabelled", atomic: /\batomic/.test(descriptor.code) });
      return createShaderModule(descriptor);
    };
    device.addEventListener("uncapturederror", (event) => {
      this.deviceError ??= (event as GPUUncapturedErrorEvent).error.message;
    });
    super(device, adapterInfo);
  }

  override async read(dataId: DataId): Promise<BackendValues> {
    this.throwDeviceError();
    const data = this.tensorMap.get(dataId);
    if (data !== undefined && data.values == null && data.resource != null) this.deviceReads++;
    const values = await super.read(dataId);
    this.throwDeviceError();
    return values;
  }

  override readSync(dataId: DataId): BackendValues {
    const data = this.tensorMap.get(dataId);
    if (data !== undefined && data.values == null && data.resource != null) {
      throw new TaskError(
        "webgpu_sync_read",
        `backend webgpu: a tensor of shape [${data.shape.join(", ")}] was read synchronously (dataSync/arraySync) while it is only on the GPU; ` +
          "Dawn reads asynchronously: await tensor.data() first",
      );
    }
    return super.readSync(dataId);
  }

  private throwDeviceError(): void {
    if (this.deviceError !== null) throw new TaskError("webgpu_device_error", `backend webgpu: the GPU device reported an error: ${this.deviceError}`);
  }
}
