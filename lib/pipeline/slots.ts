import type { PipelineNode } from "./graph.ts";

/** Backends that put a training on a GPU (`tensorflow` only where tfjs-node-gpu is installed). */
const GPU_BACKENDS = new Set(["gpu", "webgpu"]);

/** How many nodes may run at once, and whether one more fits beside those running. */
export interface SlotLimits {
  jobs: number;
  fits(node: PipelineNode, running: readonly string[]): boolean;
}

/** True when the node trains on a GPU: task `train-gpu`, or a GPU backend asked for in its params. */
export function usesGpu(node: PipelineNode, tensorflowIsGpu: boolean): boolean {
  const backend = node.params.backend;
  if (node.task === "train-gpu") return true;
  if (typeof backend !== "string") return false;
  return GPU_BACKENDS.has(backend) || (backend === "tensorflow" && tensorflowIsGpu);
}

/** Whether `@tensorflow/tfjs-node-gpu` resolves from `root` (then `--backend tensorflow` trains on CUDA). */
export function tensorflowGpuInstalled(root: string): boolean {
  try {
    Bun.resolveSync("@tensorflow/tfjs-node-gpu", root);
    return true;
  } catch {
    return false;
  }
}

/**
 * Device slots: at most `jobs` nodes at once, of which at most `gpuSlots` (default 1, one
 * training per GPU) train on a GPU, so `--jobs 2` runs two CPU nodes side by side but never two
 * trainings on one GPU unless `--gpu-slots 2` asks for it.
 */
export function slotLimits(nodes: readonly PipelineNode[], options: { jobs: number; gpuSlots?: number; root: string }): SlotLimits {
  const tensorflowIsGpu = nodes.some((n) => n.params.backend === "tensorflow") && tensorflowGpuInstalled(options.root);
  const gpu = new Set(nodes.filter((n) => usesGpu(n, tensorflowIsGpu)).map((n) => n.id));
  const gpuSlots = Math.max(1, options.gpuSlots ?? 1);
  return {
    jobs: Math.max(1, options.jobs),
    fits: (node, running) => !gpu.has(node.id) || running.filter((id) => gpu.has(id)).length < gpuSlots,
  };
}
