import type { Tensor } from "@tensorflow/tfjs";

/**
 * Brings the values of `tensors` to the host, so that synchronous reads (dataSync, arraySync)
 * of them work afterwards on every backend: on webgpu data on the GPU can only be read
 * asynchronously, and a read keeps the values on the host until the tensor is disposed. On the
 * CPU backends it costs nothing.
 */
export async function onHost(tensors: readonly Tensor[]): Promise<void> {
  await Promise.all(tensors.map((t) => t.data()));
}
