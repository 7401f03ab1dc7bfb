/**
 * The one error class of the project. `code` is a stable machine-readable name; `exitCode` is
 * what the CLI exits with (2 = bad input from the user, 1 = a failure while running).
 */
export class TaskError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(code: string, message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TaskError";
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad input from the user (flag, file, row): exit code 2. */
export function usageError(code: string, message: string): TaskError {
  return new TaskError(code, message, { exitCode: 2 });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
