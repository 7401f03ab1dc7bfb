import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { threadId } from "node:worker_threads";
import { z } from "zod";
import { hashJson } from "../artifacts/index.ts";
import { preprocessCodeVersion } from "./cache-key.ts";

/** Bumped when what a verdict records changes. */
const VERDICT_FORMAT = 1;

const tagsSchema = z.object({
  patientId: z.string().nullable(),
  accessionNumber: z.string().nullable(),
  studyInstanceUid: z.string().nullable(),
  viewPosition: z.string().nullable(),
  imageLaterality: z.string().nullable(),
  manufacturer: z.string().nullable(),
  photometricInterpretation: z.string(),
  transferSyntaxUid: z.string(),
  rows: z.number(),
  columns: z.number(),
  bitsAllocated: z.number(),
  bitsStored: z.number(),
  pixelRepresentation: z.union([z.literal(0), z.literal(1)]),
  rescaleSlope: z.number(),
  rescaleIntercept: z.number(),
  windowCenter: z.number().nullable(),
  windowWidth: z.number().nullable(),
});

/** Whether a file's bytes decode, stored per content: the same bytes under any name get the same answer. */
export const storedVerdictSchema = z.discriminatedUnion("readable", [
  z.object({ readable: z.literal(true), tags: tagsSchema }),
  z.object({ readable: z.literal(false), reason: z.string(), detail: z.string() }),
]);
export type StoredVerdict = z.infer<typeof storedVerdictSchema>;

/**
 * Where the verdict on bytes with SHA-256 `sha256` lives: keyed by the decoder's code version too,
 * so a decoder change never serves an old answer (a file the old code refused may decode now).
 */
export function verdictPath(cacheDir: string, sha256: string): string {
  const key = hashJson({ verdictFormat: VERDICT_FORMAT, code: preprocessCodeVersion(), file: sha256 });
  return join(cacheDir, "verdicts", key.slice(0, 2), `${key}.json`);
}

/** The stored verdict, or null when there is none or it cannot be read (then the file is decoded again). */
export function readVerdict(cacheDir: string, sha256: string): StoredVerdict | null {
  try {
    const parsed = storedVerdictSchema.safeParse(JSON.parse(readFileSync(verdictPath(cacheDir, sha256), "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

let counter = 0;

/**
 * Stores a verdict: temp file then rename (no fsync: a verdict lost in a crash is only decoded
 * again, and a damaged one fails its schema and is decoded again). Throws what the file system
 * throws; callers treat the cache as best effort.
 */
export function writeVerdict(cacheDir: string, sha256: string, verdict: StoredVerdict): void {
  const path = verdictPath(cacheDir, sha256);
  mkdirSync(dirname(path), { recursive: true });
  // pid, thread and counter: workers of one process may store the same verdict (identical files) at once.
  const tmp = `${path}.tmp-${process.pid}-${threadId}-${counter++}`;
  writeFileSync(tmp, JSON.stringify(verdict));
  renameSync(tmp, path);
}
