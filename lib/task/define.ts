import type { z } from "zod";
import type { TaskContext } from "./context.ts";

/** What a task returns: a JSON-serialisable summary. `path` is printed as the CLI's last line. */
export interface TaskResult {
  /** The main file or directory this run wrote. */
  path?: string;
  [key: string]: unknown;
}

/** A task: one serverless-style handler, JSON params in, JSON artifact out. */
export interface TaskDefinition<S extends z.ZodObject = z.ZodObject> {
  name: string;
  /** One line for `--help`. */
  description: string;
  /** Other names the CLI accepts (`train-gpu`, `report-pack`). */
  aliases?: readonly string[];
  /** Params schema; each key is a camelCase param and becomes a kebab-case flag. `.describe()` is its help text. */
  params: S;
  /** Param that takes bare (non-flag) command-line arguments, e.g. the experiment file of `pipeline`. */
  positional?: keyof z.infer<S> & string;
  /** Example command lines for `--help`. */
  examples?: readonly string[];
  /**
   * Tasks this one starts, in its process (`ctx.runTask`) or as child processes (`hpo` runs
   * `train` trials): their code is part of this task's code, so the pipeline re-runs it when
   * theirs changes. Import statements are found by themselves; these are not.
   */
  uses?: readonly string[];
  /**
   * The files whose content identifies a run's result, for the given (validated) params: what the
   * pipeline hashes into a node's cache record and checks on a cache hit. Absent or empty: the
   * task's result is not cacheable by file.
   */
  outputs?(params: z.infer<S>): string[];
  /**
   * Checks across params that the schema cannot express (train: `--img-size` against `--arch`'s
   * smallest input), run wherever params are validated, so a pipeline refuses a bad node before
   * any node runs. Throws a usage error naming the flags.
   */
  check?(params: z.infer<S>): void;
  run(params: z.infer<S>, ctx: TaskContext): Promise<TaskResult>;
}

/** Identity function that exists for type inference (like citty's `defineCommand`). */
export function defineTask<S extends z.ZodObject>(definition: TaskDefinition<S>): TaskDefinition<S> {
  return definition;
}
