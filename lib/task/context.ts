import { createLogger, consoleSink, type Logger } from "../log/index.ts";
import { createProgress, quietProgress, type Progress } from "../progress/index.ts";
import {
  allocateRunDir,
  contractCsvText,
  contractJsonText,
  contractJsonlText,
  expectContract,
  readArtifact,
  readJson,
  writeEnvelopedJson,
  writeFileAtomic,
  writeWithSidecar,
  type ArtifactBody,
  type ArtifactContract,
  type CsvValue,
} from "../artifacts/index.ts";
import type { z } from "zod";
import type { TaskResult } from "./define.ts";

/** The clock a task reads; `SOURCE_DATE_EPOCH` (seconds) pins it for reproducible artifacts. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = {
  now() {
    const epoch = process.env.SOURCE_DATE_EPOCH;
    return epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
  },
};

/** Input files of an artifact (their SHA-256 is computed and recorded), or already-known hashes by path. */
export type ArtifactInputs = readonly string[] | Record<string, string>;

/**
 * Artifact I/O bound to the running task, so every written artifact carries its provenance. Each
 * write names the artifact's contract and is checked against its schema before anything is
 * written (a mismatch or an unknown key is an error naming the field).
 */
export interface ArtifactStore {
  /** Writes an enveloped JSON artifact atomically: the envelope, then `body` (typed by the contract's schema). */
  writeJson<C extends ArtifactContract>(contract: C, path: string, body: ArtifactBody<C>, inputs?: ArtifactInputs): void;
  /** Writes a JSON artifact without the envelope (its format is another's: a JSON array, a reference file), plus its provenance sidecar. */
  writePlainJson(contract: ArtifactContract, path: string, value: unknown, inputs?: ArtifactInputs): void;
  /** Writes a CSV artifact (rows checked as strings by column) and its provenance sidecar `<file>.provenance.json`. */
  writeCsv(contract: ArtifactContract, path: string, columns: readonly string[], rows: readonly (readonly CsvValue[])[], inputs?: ArtifactInputs): void;
  /** Writes a JSON-lines artifact (each line checked) and its provenance sidecar. */
  writeJsonl(contract: ArtifactContract, path: string, lines: readonly unknown[], inputs?: ArtifactInputs): void;
  /** Writes a file that is not an artifact with a contract (an image, a model, a report's text). */
  writeFile(path: string, data: string | Uint8Array): void;
  readJson: typeof readJson;
  readArtifact: typeof readArtifact;
  /** `results`, `results_1`, … under `outdir`, created atomically. */
  allocateRunDir(outdir: string): string;
}

/** Everything a task may touch in the world. Tests pass `quietContext()`. */
export interface TaskContext {
  log: Logger;
  progress: Progress;
  artifacts: ArtifactStore;
  clock: Clock;
  /** The command line that started this run (for `summary.json`). */
  commandLine: string;
  debug: boolean;
  /** Runs another task in this context (params validated by that task's schema). */
  runTask(name: string, params: Record<string, unknown>): Promise<TaskResult>;
}

export interface ContextOptions {
  quiet?: boolean;
  debug?: boolean;
  clock?: Clock;
  commandLine?: string;
  /** Progress display; default: live bar on a TTY, plain lines otherwise. */
  progress?: Progress;
}

/**
 * Builds a context for task `task` run with `params`. `runTask` is injected by the registry to
 * avoid an import cycle.
 */
export function createContext(
  task: string,
  params: Record<string, unknown>,
  options: ContextOptions,
  runTask: (name: string, params: Record<string, unknown>, parent: ContextOptions) => Promise<TaskResult>,
): TaskContext {
  const clock = options.clock ?? systemClock;
  const log = createLogger({ console: options.quiet ? null : consoleSink, verbose: options.debug, now: () => clock.now() });
  return {
    log,
    progress: options.progress ?? (options.quiet ? quietProgress : createProgress()),
    clock,
    commandLine: options.commandLine ?? "",
    debug: options.debug ?? false,
    artifacts: artifactStore(task, params, clock),
    runTask: (name, p) => runTask(name, p, options),
  };
}

/** The artifact store of task `task` run with `params`: every write checked and with its provenance. */
export function artifactStore(task: string, params: Record<string, unknown>, clock: Clock): ArtifactStore {
  const options = (inputs?: ArtifactInputs) => ({ task, params, inputs, createdAt: clock.now() });
  return {
    writeJson: (contract, path, body, inputs) => writeEnvelopedJson(contract, path, body, options(inputs)),
    writePlainJson: (contract, path, value, inputs) => {
      expectContract(contract, "json", "sidecar");
      writeWithSidecar(contract, path, contractJsonText(contract, value), options(inputs));
    },
    writeCsv: (contract, path, columns, rows, inputs) => {
      expectContract(contract, "csv", "sidecar");
      writeWithSidecar(contract, path, contractCsvText(contract, columns, rows), options(inputs));
    },
    writeJsonl: (contract, path, lines, inputs) => {
      expectContract(contract, "jsonl", "sidecar");
      writeWithSidecar(contract, path, contractJsonlText(contract, lines), options(inputs));
    },
    writeFile: writeFileAtomic,
    readJson,
    readArtifact,
    allocateRunDir,
  };
}

export type { z };
