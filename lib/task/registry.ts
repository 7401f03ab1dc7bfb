import { z } from "zod";
import { TaskError, usageError } from "../errors/index.ts";
import { createContext, type ContextOptions } from "./context.ts";
import type { TaskDefinition, TaskResult } from "./define.ts";
import { closest } from "./suggest.ts";
import { toFlag } from "./flags.ts";
import { readdirSync } from "node:fs";
import { join } from "node:path";

/** Every `tasks/<name>.ts` is a task; files are imported lazily, so one task never loads another's dependencies. */
const TASKS_DIR = join(import.meta.dir, "..", "..", "tasks");

/** Other spellings the CLI accepts, including the reference pipeline's. */
const ALIASES: Record<string, string> = {
  "train-gpu": "train",
  "train-density": "train",
  "report-pack": "report",
};

/**
 * Aliases that are their target task with some params pinned: `train-gpu` is `train` on a GPU
 * (`--backend gpu`: tensorflow on CUDA, else webgpu on a hardware adapter), which exits 2 on a
 * machine without one instead of training on the CPU.
 */
const PINNED: Record<string, { description: string; pin: (shape: z.ZodRawShape) => z.ZodRawShape }> = {
  "train-gpu": {
    description: "Train on a GPU (tensorflow on CUDA, else WebGPU on a hardware adapter); exits 2 where there is none, never trains on the CPU",
    pin: () => ({ backend: z.enum(["gpu"]).default("gpu").describe("always gpu: a GPU or exit 2 (use train --backend … for the CPU backends)") }),
  },
};

export function taskNames(): string[] {
  return readdirSync(TASKS_DIR)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Aliases whose target task exists. */
export function aliases(): Record<string, string> {
  const names = new Set(taskNames());
  return Object.fromEntries(Object.entries(ALIASES).filter(([, target]) => names.has(target)));
}

export function resolveTaskName(name: string): string {
  const names = taskNames();
  if (names.includes(name)) return name;
  // a pinned alias stays itself: loadTask derives its definition
  if (PINNED[name] && aliases()[name]) return name;
  const known = aliases();
  const target = known[name];
  if (target) return target;
  const hint = closest(name, [...names, ...Object.keys(known)]);
  throw usageError("unknown_task", `unknown task: ${name}${hint ? ` (did you mean ${hint}?)` : ""}`);
}

export async function loadTask(name: string): Promise<TaskDefinition> {
  const canonical = resolveTaskName(name);
  const pinned = PINNED[canonical];
  if (pinned) {
    const target = await loadTask(ALIASES[canonical] as string);
    // artifacts still name the handler that wrote them ("train"); the pinned params record the difference
    return { ...target, description: pinned.description, params: target.params.extend(pinned.pin(target.params.shape)) };
  }
  const mod = (await import(join(TASKS_DIR, `${canonical}.ts`))) as { default?: TaskDefinition };
  if (!mod.default) throw new TaskError("bad_task", `tasks/${canonical}.ts has no default export`);
  return mod.default;
}

/**
 * Validates `params` with the task's schema as strictly as the command line does: an unknown
 * param is refused (named as its flag, with the nearest known one), not silently dropped, so a
 * misspelt param in another task's call, an experiment file or an event file cannot quietly run
 * with a default. A failure names the flag and the value.
 */
export function validateParams(task: TaskDefinition, params: Record<string, unknown>): Record<string, unknown> {
  const known = Object.keys(task.params.shape);
  const unknown = Object.keys(params).filter((k) => !known.includes(k));
  if (unknown.length) {
    const key = unknown[0] as string;
    const hint = closest(toFlag(key), known.map(toFlag));
    throw usageError("unknown_param", `unknown param for task ${task.name}: ${key} (${toFlag(key)})${hint ? ` (did you mean ${hint}?)` : ""}${unknown.length > 1 ? `; also ${unknown.slice(1).join(", ")}` : ""}`);
  }
  const parsed = task.params.safeParse(params);
  if (parsed.success) {
    task.check?.(parsed.data as never);
    return parsed.data as Record<string, unknown>;
  }
  const issue = parsed.error.issues[0];
  const key = String(issue?.path[0] ?? "");
  const value = key ? params[key] : undefined;
  const flag = toFlag(key);
  const shown = value === undefined ? "missing" : typeof value === "string" ? value : JSON.stringify(value);
  throw usageError("bad_value", value === undefined && issue?.code === "invalid_type" ? `missing required ${flag}` : `invalid ${flag}: ${shown} (${issue?.message ?? "invalid"})`);
}

/** Runs task `name` with raw params (validated here) in a fresh context. */
export async function runTask(name: string, params: Record<string, unknown>, options: ContextOptions = {}): Promise<TaskResult> {
  const task = await loadTask(name);
  const valid = validateParams(task, params);
  const ctx = createContext(task.name, valid, options, runTask);
  return task.run(valid as never, ctx);
}
