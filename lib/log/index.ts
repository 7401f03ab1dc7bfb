import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

/** Console + run.log logger. Lines in run.log read `%Y-%m-%d %H:%M:%S [LEVEL] message`. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** From now on, also append every line to `path` (the run's `run.log`). */
  attachFile(path: string): void;
  /** Stop appending to the file attached last. */
  detachFile(): void;
}

export interface LoggerOptions {
  /** Where console lines go; `null` for a quiet logger. */
  console: ((level: LogLevel, message: string) => void) | null;
  /** Print DEBUG lines on the console. */
  verbose?: boolean;
  now: () => Date;
}

/** `2026-01-31 14:05:09`, in UTC so that logs compare across machines. */
export function formatLogTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace("T", " ");
}

export function createLogger(options: LoggerOptions): Logger {
  const files: string[] = [];
  const emit = (level: LogLevel, message: string) => {
    if (options.console && (level !== "DEBUG" || options.verbose)) options.console(level, message);
    const file = files[files.length - 1];
    if (file) appendFileSync(file, `${formatLogTime(options.now())} [${level}] ${message}\n`);
  };
  return {
    debug: (m) => emit("DEBUG", m),
    info: (m) => emit("INFO", m),
    warn: (m) => emit("WARNING", m),
    error: (m) => emit("ERROR", m),
    attachFile(path) {
      mkdirSync(dirname(path), { recursive: true });
      files.push(path);
    },
    detachFile() {
      files.pop();
    },
  };
}

/** Console sink: INFO to stdout as is, others to stderr with their level. */
export function consoleSink(level: LogLevel, message: string): void {
  if (level === "INFO") process.stdout.write(`${message}\n`);
  else process.stderr.write(`${level.toLowerCase()}: ${message}\n`);
}
