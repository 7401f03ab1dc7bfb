import { TaskError } from "../errors/index.ts";

/** An error as a worker posts it to the main thread (plain data). */
export interface PostedError {
  code: string;
  message: string;
  exitCode: number;
}

/** `err` as plain data a worker can post, keeping a TaskError's code and exit code (else `fallbackCode`, exit 1). */
export function postedError(err: unknown, fallbackCode: string): PostedError {
  const e = err as { code?: unknown; message?: unknown; exitCode?: unknown };
  return {
    code: typeof e.code === "string" ? e.code : fallbackCode,
    message: typeof e.message === "string" ? e.message : String(err),
    exitCode: typeof e.exitCode === "number" ? e.exitCode : 1,
  };
}

/** The TaskError a worker posted, rethrown on the main thread. */
export function postedTaskError(error: PostedError): TaskError {
  return new TaskError(error.code, error.message, { exitCode: error.exitCode });
}
