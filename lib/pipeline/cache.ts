import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { hashJson, readJson, sha256File, writeJsonAtomic } from "../artifacts/index.ts";
import { packageVersion } from "../provenance/index.ts";
import { ADDON_PATH } from "../backend/native/addon.ts";
import { codeHash } from "./code-hash.ts";
import type { PipelineNode } from "./graph.ts";

/** What a node's cache key is made of; each part is compared separately for `--explain`. */
export interface KeyComponents {
  task: string;
  /** The params exactly as the task receives them. */
  params: Record<string, unknown>;
  /** SHA-256 of every output file of every upstream node, by node id then path. */
  inputs: Record<string, Record<string, string>>;
  /** SHA-256 of the task's source and every project file it imports. */
  code: string;
  /** SHA-256 of package-lock.json (the versions of every npm package). */
  lockfile: string;
  /** Backend packages installed (and the backend asked for), which decide the numbers. */
  backend: Record<string, string | null>;
}

const recordSchema = z.object({
  key: z.string(),
  components: z.object({
    task: z.string(),
    params: z.record(z.string(), z.unknown()),
    inputs: z.record(z.string(), z.record(z.string(), z.string())),
    code: z.string(),
    lockfile: z.string(),
    backend: z.record(z.string(), z.string().nullable()),
  }),
  outputs: z.record(z.string(), z.string()),
  finishedAt: z.string(),
});
export type CacheRecord = z.infer<typeof recordSchema>;

/** A node id as a file name (`train/seed-42` → `train__seed-42`), for its record, event, log and attempt. */
export function nodeFileName(id: string): string {
  return id.replaceAll("/", "__");
}

export function recordPath(stateDir: string, id: string): string {
  return join(stateDir, "nodes", `${nodeFileName(id)}.json`);
}

/** The parts of every key that do not depend on the node: hashed once per pipeline run. */
export interface Environment {
  lockfile: string;
  packages: Record<string, string | null>;
}

export function environment(root: string): Environment {
  const lock = join(root, "package-lock.json");
  return {
    lockfile: existsSync(lock) ? sha256File(lock) : "none",
    packages: {
      "@tensorflow/tfjs-node-gpu": packageVersion("@tensorflow/tfjs-node-gpu"),
      "@tensorflow/tfjs-node": packageVersion("@tensorflow/tfjs-node"),
      "@tensorflow/tfjs-backend-wasm": packageVersion("@tensorflow/tfjs-backend-wasm"),
      // The compiled kernels themselves: a rebuilt addon (other sources or -march) changes the key.
      native: existsSync(ADDON_PATH) ? sha256File(ADDON_PATH) : null,
    },
  };
}

export function keyComponents(node: PipelineNode, upstream: Record<string, Record<string, string>>, root: string, env: Environment): KeyComponents {
  return {
    task: node.task,
    params: node.params,
    inputs: Object.fromEntries(node.deps.map((d) => [d, upstream[d] ?? {}])),
    code: codeHash(join(root, "tasks", `${node.task}.ts`), root),
    lockfile: env.lockfile,
    backend: { requested: typeof node.params.backend === "string" ? node.params.backend : "auto", ...env.packages },
  };
}

export function cacheKey(components: KeyComponents): string {
  return hashJson(components);
}

export function readRecord(path: string): CacheRecord | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return readJson(path, recordSchema, "cache record");
  } catch {
    return undefined; // a damaged record is a miss, and is rewritten after the re-run
  }
}

export function writeRecord(path: string, record: CacheRecord): void {
  writeJsonAtomic(path, record);
}

/** Output files missing or changed since the record was written (empty = intact). */
export function damagedOutputs(record: CacheRecord): string[] {
  return Object.entries(record.outputs)
    .filter(([p, h]) => !existsSync(p) || sha256File(p) !== h)
    .map(([p]) => p);
}

/** Human reasons why `now` differs from `before`: which component, which param, which input. */
export function explainChange(before: KeyComponents, now: KeyComponents): string[] {
  const reasons: string[] = [];
  const keys = new Set([...Object.keys(before.params), ...Object.keys(now.params)]);
  for (const k of [...keys].sort()) {
    if (hashJson(before.params[k] ?? null) !== hashJson(now.params[k] ?? null)) reasons.push(`param ${k}: ${JSON.stringify(before.params[k])} → ${JSON.stringify(now.params[k])}`);
  }
  const deps = new Set([...Object.keys(before.inputs), ...Object.keys(now.inputs)]);
  for (const d of [...deps].sort()) {
    if (hashJson(before.inputs[d] ?? {}) !== hashJson(now.inputs[d] ?? {})) reasons.push(`input from ${d} changed`);
  }
  if (before.code !== now.code) reasons.push(`code of task ${now.task} (or a file it imports) changed`);
  if (before.lockfile !== now.lockfile) reasons.push("package-lock.json changed");
  for (const k of Object.keys(now.backend)) {
    if ((before.backend[k] ?? null) !== (now.backend[k] ?? null)) reasons.push(`backend ${k}: ${before.backend[k] ?? "none"} → ${now.backend[k] ?? "none"}`);
  }
  if (before.task !== now.task) reasons.push(`task ${before.task} → ${now.task}`);
  return reasons;
}

