import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { defineArtifact, hashJson, readJson, sha256File, writeContractJson } from "../artifacts/index.ts";
import { packageVersion } from "../provenance/index.ts";
import { ADDON_PATH } from "../backend/native/addon.ts";
import { toFlag } from "../task/flags.ts";
import { codeHash } from "./code-hash.ts";
import { diffManifests, openDataState, type DataState } from "./data-state.ts";
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
  /**
   * The contents of the user's data the params name (`DATA_PARAMS`), by `param:path`: SHA-256
   * of a file, or of the manifest of a DICOM tree. A changed label or pixel changes the key.
   */
  data: Record<string, string>;
}

/**
 * Params that name data outside the graph, whatever the task (the names are shared by every
 * task that reads data): their contents are part of the key. `tree`: every DICOM file under the
 * folder; `file`: the file.
 */
export const DATA_PARAMS: Readonly<Record<string, "file" | "tree">> = {
  csv: "file",
  dicomRoot: "tree",
  space: "file",
  // split --test-from-csv: the list of the held-out test part.
  testFromCsv: "file",
};

const recordSchema = z.object({
  key: z.string(),
  components: z.object({
    task: z.string(),
    params: z.record(z.string(), z.unknown()),
    inputs: z.record(z.string(), z.record(z.string(), z.string())),
    code: z.string(),
    lockfile: z.string(),
    backend: z.record(z.string(), z.string().nullable()),
    // Records written before data was part of the key parse, and then miss on it.
    data: z.record(z.string(), z.string()).default({}),
  }),
  outputs: z.record(z.string(), z.string()),
  finishedAt: z.string(),
});
export type CacheRecord = z.infer<typeof recordSchema>;

export const cacheRecordJson = defineArtifact({
  name: "pipeline_cache_record",
  path: "<experiment outdir>/.pipeline/<node>.json",
  format: "json",
  schema: recordSchema,
  enveloped: false,
  writer: "lib/pipeline/cache.ts",
  readers: ["lib/pipeline/cache.ts", "lib/pipeline/runner.ts"],
  description: "The pipeline's record that a node finished: its cache key and the components hashed into it (task, params, upstream outputs, code, lockfile, backend, data), and the SHA-256 of every output; the truth about what is done, for every executor. An internal record: no envelope.",
  version: 1,
});

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
  /** Digest of a data param's contents, computed once per run (see `DATA_PARAMS`). */
  dataDigest(kind: "file" | "tree", path: string): string;
}

/** Where the data state table lives: shared by every experiment of the checkout, so one archive is hashed once. */
export function dataStatePath(root: string): string {
  return join(root, ".cache", "pipeline", "data-state.sqlite");
}

// The state opened by the latest `environment()`: `explainChange` reads the manifests it stored.
let currentState: DataState | undefined;
let currentPath: string | undefined;

function dataState(root: string): DataState {
  const path = dataStatePath(root);
  if (!currentState || currentPath !== path) {
    currentState?.close();
    currentState = openDataState(path);
    currentPath = path;
  }
  return currentState;
}

export function environment(root: string): Environment {
  const lock = join(root, "package-lock.json");
  const digests = new Map<string, string>();
  return {
    dataDigest(kind, path) {
      const id = `${kind}:${path}`;
      let digest = digests.get(id);
      if (digest === undefined) {
        // Upstream nodes (synth) may write the data: hashed when first asked, after they ran.
        if (!existsSync(path)) digest = "missing";
        else if (kind === "tree" && statSync(path).isDirectory()) digest = dataState(root).treeDigest(path);
        else if (kind === "file" && statSync(path).isFile()) digest = dataState(root).fileDigest(path);
        else digest = `not a ${kind === "tree" ? "directory" : "file"}`;
        digests.set(id, digest);
      }
      return digest;
    },
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
    code: codeHash(node.codeFiles ?? [join(root, "tasks", `${node.task}.ts`)], root),
    lockfile: env.lockfile,
    backend: { requested: typeof node.params.backend === "string" ? node.params.backend : "auto", ...env.packages },
    data: Object.fromEntries(
      Object.entries(DATA_PARAMS)
        .filter(([param]) => typeof node.params[param] === "string")
        .map(([param, kind]) => {
          const path = node.params[param] as string;
          return [`${param}:${path}`, env.dataDigest(kind, path)];
        }),
    ),
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
  writeContractJson(cacheRecordJson, path, record);
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
  reasons.push(...explainData(before.data, now.data));
  if (before.code !== now.code) reasons.push(`code of task ${now.task} (or a file it imports or a task it uses) changed`);
  if (before.lockfile !== now.lockfile) reasons.push("package-lock.json changed");
  for (const k of Object.keys(now.backend)) {
    if ((before.backend[k] ?? null) !== (now.backend[k] ?? null)) reasons.push(`backend ${k}: ${before.backend[k] ?? "none"} → ${now.backend[k] ?? "none"}`);
  }
  if (before.task !== now.task) reasons.push(`task ${before.task} → ${now.task}`);
  return reasons;
}


/** How many changed files of a tree `--explain` names before summing up the rest. */
const NAMED = 10;

function listed(what: string, files: readonly string[]): string {
  return `${what} ${files.slice(0, NAMED).join(", ")}${files.length > NAMED ? ` (and ${files.length - NAMED} more)` : ""}`;
}

/** Reasons for each data param whose contents changed, naming the files (a tree's manifests are diffed). */
function explainData(before: Record<string, string>, now: Record<string, string>): string[] {
  const reasons: string[] = [];
  for (const id of [...new Set([...Object.keys(before), ...Object.keys(now)])].sort()) {
    const [param, ...rest] = id.split(":");
    const path = rest.join(":");
    const was = before[id];
    const is = now[id];
    if (was === is) continue;
    if (was === undefined) {
      reasons.push(`data ${param} ${path}: not in the previous key (newly tracked)`);
      continue;
    }
    if (is === undefined) {
      reasons.push(`data ${param} ${path}: no longer a param`);
      continue;
    }
    if (DATA_PARAMS[param as string] !== "tree") {
      reasons.push(`data file changed: ${path} (${toFlag(param as string)})`);
      continue;
    }
    const old = currentState?.manifest(was);
    const cur = currentState?.manifest(is);
    if (!old || !cur) {
      reasons.push(`data under ${path} changed (${is === "missing" ? "the folder is gone" : "the earlier file list is not in this checkout's data state"})`);
      continue;
    }
    const d = diffManifests(old, cur);
    const parts = [d.changed.length ? listed("changed:", d.changed) : "", d.added.length ? listed("added:", d.added) : "", d.removed.length ? listed("removed:", d.removed) : ""].filter(Boolean);
    reasons.push(`data under ${path}: ${parts.join("; ")}`);
  }
  return reasons;
}
