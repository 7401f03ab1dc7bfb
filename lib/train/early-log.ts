import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { formatLogTime, type Logger, type LogLevel } from "../log/index.ts";

/**
 * A logger that passes every line on to `log` and remembers it with its time. A run checks its
 * inputs before it makes its run directory (so a bad input leaves no empty `results*` behind);
 * once the directory exists, `replayInto` writes the remembered lines at the top of its run.log.
 */
export function recordingLogger(log: Logger, now: () => Date): { log: Logger; replayInto(path: string): void } {
  const lines: string[] = [];
  const record = (level: LogLevel, message: string) => lines.push(`${formatLogTime(now())} [${level}] ${message}\n`);
  return {
    log: {
      debug: (m) => (record("DEBUG", m), log.debug(m)),
      info: (m) => (record("INFO", m), log.info(m)),
      warn: (m) => (record("WARNING", m), log.warn(m)),
      error: (m) => (record("ERROR", m), log.error(m)),
      attachFile: (path) => log.attachFile(path),
      detachFile: () => log.detachFile(),
    },
    replayInto(path) {
      mkdirSync(dirname(path), { recursive: true });
      appendFileSync(path, lines.join(""));
    },
  };
}
