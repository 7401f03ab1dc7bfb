import { basename } from "node:path";
import { z } from "zod";
import { TaskError } from "../errors/index.ts";
import { defineArtifact, provenanceKind, type ArtifactContract, type ArtifactFormat } from "./contract.ts";
import { toCsv, type CsvValue } from "./csv.ts";
import { writeFileAtomic } from "./atomic.ts";
import { sha256 } from "./hash.ts";
import { describeIssue, envelope, envelopeSchema, type WriteJsonOptions } from "./json.ts";

/**
 * `value` as it will be read back from its JSON text, checked against `contract`: every failure
 * to match, and every key the schema does not know (which a parse would silently drop), is an
 * error naming the artifact, the field and the value. The writer's half of the contract.
 */
export function checkedJson(contract: ArtifactContract, value: unknown, where = ""): unknown {
  const text = JSON.stringify(value);
  const written: unknown = text === undefined ? undefined : JSON.parse(text);
  const parsed = contract.schema.safeParse(written);
  if (!parsed.success) {
    throw new TaskError("artifact_contract", `${contract.name}${where} does not match its schema: ${describeIssue(parsed.error.issues[0], written)}`);
  }
  const unknown = unknownKey(written, parsed.data, "");
  if (unknown !== null) throw new TaskError("artifact_contract", `${contract.name}${where}: key ${unknown} is not in its schema`);
  return written;
}

/** The first key path present in `raw` but absent from `parsed` (dropped by the schema), or null. */
function unknownKey(raw: unknown, parsed: unknown, at: string): string | null {
  if (Array.isArray(raw) && Array.isArray(parsed)) {
    for (let i = 0; i < raw.length; i++) {
      const found = unknownKey(raw[i], parsed[i], `${at}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (raw === null || typeof raw !== "object" || parsed === null || typeof parsed !== "object") return null;
  for (const [key, value] of Object.entries(raw)) {
    const path = at ? `${at}.${key}` : key;
    if (!(key in parsed)) return path;
    const found = unknownKey(value, (parsed as Record<string, unknown>)[key], path);
    if (found !== null) return found;
  }
  return null;
}

/** Pretty JSON text of a checked artifact, with a final newline. */
export function contractJsonText(contract: ArtifactContract, value: unknown): string {
  return `${JSON.stringify(checkedJson(contract, value), null, 2)}\n`;
}

/** Writes a JSON artifact that carries no envelope (a reference-pipeline file, a record), checked against its contract. */
export function writeContractJson(contract: ArtifactContract, path: string, value: unknown): void {
  writeFileAtomic(path, contractJsonText(contract, value));
}

/** Writes an enveloped JSON artifact: the envelope (version = the contract's) then `body`, checked. */
export function writeEnvelopedJson(contract: ArtifactContract, path: string, body: object, options: WriteJsonOptions): void {
  expectContract(contract, "json", "envelope");
  writeContractJson(contract, path, { ...envelope({ ...options, schemaVersion: contract.version }), ...body });
}

/** A contract written the way it says (its format, where its provenance goes), or an error naming both. */
export function expectContract(contract: ArtifactContract, format: ArtifactFormat, provenance: ReturnType<typeof provenanceKind>): void {
  if (contract.format !== format || provenanceKind(contract) !== provenance) {
    throw new TaskError("artifact_contract", `${contract.name} is ${contract.format} with provenance ${provenanceKind(contract)}, but was written as ${format} with ${provenance}`);
  }
}

/** CSV text whose every row (as the reader sees it: strings by column) matches the contract's row schema. */
export function contractCsvText(contract: ArtifactContract, columns: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  rows.forEach((row, i) => {
    const record = Object.fromEntries(columns.map((c, j) => [c, csvText(row[j])]));
    checkedJson(contract, record, ` row ${i + 1}`);
  });
  return toCsv(columns, rows);
}

/** A CSV value as the file holds it, unquoted. */
const csvText = (value: CsvValue): string => (value === null || value === undefined ? "" : String(value));

/** JSONL text whose every line matches the contract's line schema. */
export function contractJsonlText(contract: ArtifactContract, lines: readonly unknown[]): string {
  return lines.map((line, i) => JSON.stringify(checkedJson(contract, line, ` line ${i + 1}`))).join("\n") + (lines.length ? "\n" : "");
}

/** `<file>.provenance.json`: the envelope of a file whose format has no place for it (CSV, JSONL, a JSON array). */
export const provenanceSidecarSchema = envelopeSchema.extend({
  /** The file it describes, by name in the same directory. */
  file: z.string(),
  /** SHA-256 of that file's bytes as written. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const provenanceSidecarJson = defineArtifact({
  name: "provenance_sidecar",
  path: "<file>.provenance.json",
  format: "json",
  schema: provenanceSidecarSchema,
  enveloped: true,
  writer: "lib/task/context.ts (ctx.artifacts.writeCsv, writeJsonl, writePlainJson)",
  readers: [],
  description: "The provenance envelope of a file whose format has no place for it (a CSV, a JSON-lines file, a JSON array): the task, time, params, input hashes and provenance, the file's name and the SHA-256 of its bytes as written. `schemaVersion` is the described file's contract version.",
  version: 1,
});

/** Path of the provenance sidecar of `path`. */
export const sidecarPath = (path: string) => `${path}.provenance.json`;

/** Writes `text` to `path`, then its provenance sidecar (version = the contract's). */
export function writeWithSidecar(contract: ArtifactContract, path: string, text: string, options: WriteJsonOptions): void {
  writeFileAtomic(path, text);
  const sidecar = { ...envelope({ ...options, schemaVersion: contract.version }), file: basename(path), sha256: sha256(text) };
  writeFileAtomic(sidecarPath(path), `${JSON.stringify(provenanceSidecarSchema.parse(sidecar), null, 2)}\n`);
}
