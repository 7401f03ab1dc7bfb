import { z } from "zod";
import { envelopeSchema, type Envelope } from "./json.ts";

/** How an artifact is stored. */
export type ArtifactFormat = "json" | "csv" | "jsonl";

/**
 * One artifact's contract: its shape (a zod schema, the one truth that the writer parses before
 * writing and the readers `.pick()` from), where it lives, who writes and reads it. The catalogue
 * (`lib/contracts`) lists them all; `bun run docs` publishes each as JSON Schema under
 * `docs/schemas/` with a page listing writer, readers and an example.
 */
export interface ArtifactContract<S extends z.ZodType = z.ZodType> {
  /** Catalogue name, also the published file `docs/schemas/<name>.v<version>.schema.json`. */
  name: string;
  /** Where it is written, relative to the place named (`<run dir>/summary.json`). */
  path: string;
  format: ArtifactFormat;
  /**
   * The whole JSON document (envelope included when `enveloped`), or one CSV row / JSONL line as
   * the reader sees it (CSV values as strings).
   */
  schema: S;
  /** Carries the provenance envelope (schemaVersion, task, createdAt, params, inputs, provenance). */
  enveloped: boolean;
  /** A JSON file without the envelope whose provenance is in `<file>.provenance.json` (a JSON array); CSV and JSONL always have one. */
  sidecar?: boolean;
  /** The module that writes it. */
  writer: string;
  /** The modules that read it. */
  readers: readonly string[];
  /** One paragraph for the catalogue page. */
  description: string;
  /** Version of this artifact's shape; a change of meaning or type bumps it. */
  version: number;
}

/** What the writer of an enveloped artifact gives: its schema's input without the envelope's keys. */
export type ArtifactBody<C extends ArtifactContract> = Omit<z.input<C["schema"]>, keyof Envelope>;

/** Identity function for type inference, like `defineTask`. */
export function defineArtifact<S extends z.ZodType>(contract: ArtifactContract<S>): ArtifactContract<S> {
  return contract;
}

/** Where an artifact's provenance is: in its envelope, in a sidecar `<file>.provenance.json`, or nowhere (an internal record, a committed reference). */
export function provenanceKind(c: ArtifactContract): "envelope" | "sidecar" | "none" {
  if (c.enveloped) return "envelope";
  return c.format !== "json" || c.sidecar ? "sidecar" : "none";
}

/** The schema of an enveloped JSON artifact with body `body`. */
export function enveloped<B extends z.ZodRawShape>(body: z.ZodObject<B>) {
  return envelopeSchema.extend(body.shape);
}

/** A CSV cell holding a number as JavaScript writes it (`0.25`, `1e-7`, `NaN`); empty for null. */
export const csvNumber = z.string().regex(/^(-?(\d+(\.\d+)?(e[-+]?\d+)?|Infinity)|NaN)?$/, "expected a number or an empty cell");
/** A CSV cell holding an integer (never empty). */
export const csvInt = z.string().regex(/^-?\d+$/, "expected an integer");

/** The schema of one CSV row whose every column is a number cell. */
export function numericRow<const C extends readonly string[]>(columns: C) {
  return z.object(Object.fromEntries(columns.map((c) => [c, csvNumber])) as Record<C[number], typeof csvNumber>);
}
