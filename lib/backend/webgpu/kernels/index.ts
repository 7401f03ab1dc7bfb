import type { KernelConfig } from "@tensorflow/tfjs";
import { adamwKernelConfig } from "./adamw.ts";
import { batchNormKernelConfigs } from "./batchnorm.ts";
import { filterGradKernelConfigs } from "./filter-grads.ts";
import { swishKernelConfigs } from "./swish.ts";

/** The project's kernels for the webgpu backend, registered over tfjs-backend-webgpu's or beside them. */
export const webgpuKernelConfigs: KernelConfig[] = [adamwKernelConfig, ...filterGradKernelConfigs, ...batchNormKernelConfigs, ...swishKernelConfigs];
