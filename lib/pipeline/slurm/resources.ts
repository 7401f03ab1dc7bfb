import { z } from "zod";
import { usageError } from "../../errors/index.ts";

/** What one job asks Slurm for; every field maps to one `sbatch` option. */
const resourceFields = {
  /** `--partition`. */
  partition: z.string().min(1).optional(),
  /** `--time`, in Slurm's syntax (`30`, `2:00:00`, `1-12:00:00`). */
  time: z.string().min(1).optional(),
  /** `--cpus-per-task`. */
  cpus: z.number().int().positive().optional(),
  /** `--mem` (`8G`, `500M`). */
  mem: z.string().regex(/^\d+[KMGT]?$/, "a number with an optional K, M, G or T suffix").optional(),
  /** `--gres` (`gpu:1`); a training asking for a GPU runs as `train-gpu`. */
  gres: z.string().min(1).optional(),
  /** `--account`. */
  account: z.string().min(1).optional(),
  /** `--qos`. */
  qos: z.string().min(1).optional(),
  /** Further sbatch options, passed as given (`["--constraint=a100"]`). */
  extra: z.array(z.string().startsWith("-")).optional(),
  /** Seconds before the time limit at which the job gets USR1 (`--signal=B:USR1@<s>`); default 120. */
  signalSeconds: z.number().int().positive().max(65535).optional(),
};
const resourcesSchema = z.object(resourceFields).strict();

/**
 * The experiment file's `slurm` block: defaults for every job, and overrides per task name
 * (`{"time": "30", "tasks": {"train": {"gres": "gpu:1", "time": "4:00:00"}}}`).
 */
export const slurmSchema = z.object({ ...resourceFields, tasks: z.record(z.string(), resourcesSchema).default({}) }).strict();
export type SlurmBlock = z.infer<typeof slurmSchema>;

/** The resources of one job, defaults and the task's overrides merged. */
export interface SlurmResources {
  partition?: string;
  time?: string;
  cpus?: number;
  mem?: string;
  gres?: string;
  account?: string;
  qos?: string;
  extra: string[];
  signalSeconds: number;
}

export const DEFAULT_SIGNAL_SECONDS = 120;

/** The resources of a node running `task`: the block's defaults, then the task's overrides (`extra` appended). */
export function resourcesFor(block: SlurmBlock | null | undefined, task: string): SlurmResources {
  const { tasks = {}, ...base } = block ?? { tasks: {} };
  const own = tasks[task] ?? {};
  const merged = { ...base, ...own };
  return { ...merged, extra: [...(base.extra ?? []), ...(own.extra ?? [])], signalSeconds: merged.signalSeconds ?? DEFAULT_SIGNAL_SECONDS };
}

/** Whether the resources ask for a GPU (`--gres=gpu…`). */
export function asksGpu(resources: SlurmResources): boolean {
  return (resources.gres ?? "").split(",").some((g) => g === "gpu" || g.startsWith("gpu:"));
}

/**
 * The task the job runs: a training that asks for a GPU runs as `train-gpu`, which refuses to fall
 * back to the CPU. Its params must say `backend: "gpu"`: the backend is part of the cache key, so
 * a key saying `auto` or `wasm` must not stand for weights computed on a GPU.
 */
export function jobTask(task: string, resources: SlurmResources, params: Record<string, unknown>): string {
  if (task !== "train" || !asksGpu(resources)) return task;
  if (params.backend !== "gpu") {
    throw usageError("bad_experiment", `slurm gres ${resources.gres} asks for a GPU, but the training's backend is ${JSON.stringify(params.backend ?? "auto")}: set train.backend to "gpu" (the backend is part of the cache key)`);
  }
  return "train-gpu";
}
