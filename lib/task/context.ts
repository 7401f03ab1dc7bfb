import { createLogger, consoleSink, type Logger } from "../log/index.ts";
import { createProgress, quietProgress, type Progress } from "../progress/index.ts";
import { readArtifact, readJson, writeArtifact, writeCsvAtomic, writeFileAtomic, allocateRunDir, type CsvValue } from "../artifacts/index.ts";
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

/** Artifact I/O bound to the running task, so every written artifact carries its provenance. */
export interface ArtifactStore {
  /** Writes an enveloped JSON artifact atomically; `inputs` are files whose SHA-256 is recorded. */
  writeJson(path: string, data: Record<string, unknown>, inputs?: readonly string[] | Record<string, string>): void;
  writeCsv(path: string, columns: readonly string[], rows: readonly (readonly CsvValue[])[]): void;
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
    artifacts: {
      writeJson: (path, data, inputs) => void writeArtifact(path, data, { task, params, inputs, createdAt: clock.now() }),
      writeCsv: writeCsvAtomic,
      writeFile: writeFileAtomic,
      readJson,
      readArtifact,
      allocateRunDir,
    },
    runTask: (name, p) => runTask(name, p, options),
  };
}

export type { z };
