import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { TaskError } from "../errors/index.ts";
import { provenance, type Provenance } from "../provenance/index.ts";
import { writeFileAtomic } from "./atomic.ts";
import { sha256File } from "./hash.ts";

/** Version of the artifact envelope below. */
export const SCHEMA_VERSION = 1;

/** Fields every JSON artifact carries next to its own data. */
export interface Envelope {
  schemaVersion: number;
  /** The task that wrote it. */
  task: string;
  /** ISO-8601 time of writing (from the context's clock; SOURCE_DATE_EPOCH pins it). */
  createdAt: string;
  /** The validated params of the task run that made it. */
  params: Record<string, unknown>;
  /** SHA-256 of every input file, by path as given. */
  inputs: Record<string, string>;
  provenance: Provenance;
}

export const envelopeSchema = z.object({
  schemaVersion: z.number().int(),
  task: z.string(),
  createdAt: z.string(),
  params: z.record(z.string(), z.unknown()),
  inputs: z.record(z.string(), z.string()),
  provenance: z.record(z.string(), z.unknown()),
});

export interface WriteJsonOptions {
  task: string;
  /** The artifact's `schemaVersion` (its contract's version); default SCHEMA_VERSION. */
  schemaVersion?: number;
  params: Record<string, unknown>;
  /** Input files whose SHA-256 is recorded (hashes computed here), or already-known hashes. */
  inputs?: readonly string[] | Record<string, string>;
  createdAt: Date;
}

/** The envelope of an artifact written now with `options` (input files hashed here). */
export function envelope(options: WriteJsonOptions): Envelope {
  const inputs = Array.isArray(options.inputs)
    ? Object.fromEntries(options.inputs.map((p) => [p, sha256File(p)]))
    : ((options.inputs as Record<string, string> | undefined) ?? {});
  return {
    schemaVersion: options.schemaVersion ?? SCHEMA_VERSION,
    task: options.task,
    createdAt: options.createdAt.toISOString(),
    params: options.params,
    inputs,
    provenance: provenance(),
  };
}

/** Writes `data` wrapped in the envelope, atomically, as pretty JSON with a final newline. */
export function writeArtifact(path: string, data: Record<string, unknown>, options: WriteJsonOptions): Envelope & Record<string, unknown> {
  const artifact = { ...envelope(options), ...data };
  writeJsonAtomic(path, artifact);
  return artifact;
}

/** Plain JSON (no envelope), atomically, pretty with a final newline. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Reads a JSON file and validates it with `schema`. Every failure is a TaskError naming the file:
 * `missing artifact: …`, `not JSON: …`, or `invalid artifact …: field a.b: expected number, got "x"`.
 */
export function readJson<S extends z.ZodType>(path: string, schema: S, what = "artifact"): z.infer<S> {
  if (!existsSync(path)) throw new TaskError("missing_artifact", `missing ${what}: ${path}`, { exitCode: 2 });
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new TaskError("bad_artifact", `not JSON: ${path} (${(err as Error).message})`, { exitCode: 2 });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new TaskError("bad_artifact", `invalid ${what} ${path}: ${describeIssue(parsed.error.issues[0], raw)}`, { exitCode: 2 });
  }
  return parsed.data;
}

/** Reads an enveloped artifact, checking it was written by `task`. */
export function readArtifact<S extends z.ZodType>(path: string, task: string, schema: S, what = "artifact"): z.infer<S> & Envelope {
  // The writer first: another task's file is named as such, not as a schema mismatch.
  const { task: writer } = readJson(path, z.looseObject({ task: z.string() }), what);
  if (writer !== task) {
    throw new TaskError("foreign_artifact", `${path} was written by task "${writer}", expected "${task}"`, { exitCode: 2 });
  }
  return readJson(path, envelopeSchema.and(schema), what) as z.infer<S> & Envelope;
}

/** One zod issue as `field a.b: <message> (got <value>)`, the value read from `raw`. */
export function describeIssue(issue: z.core.$ZodIssue | undefined, raw: unknown): string {
  if (!issue) return "does not match its schema";
  const field = issue.path.length ? issue.path.join(".") : "(root)";
  let value: unknown = raw;
  for (const key of issue.path) value = value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  const shown = value === undefined ? "missing" : JSON.stringify(value)?.slice(0, 80);
  return `field ${field}: ${issue.message} (got ${shown})`;
}
