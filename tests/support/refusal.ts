import { TaskError } from "../../lib/errors/index.ts";

/** The TaskError `run` throws (or rejects with); anything else, or no error, fails the test. */
export async function refusal(run: () => unknown): Promise<TaskError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof TaskError) return err;
    throw err;
  }
  throw new Error("expected a refusal (a TaskError), but it succeeded");
}

/** `refusal` for a synchronous call. */
export function refusalSync(run: () => unknown): TaskError {
  try {
    run();
  } catch (err) {
    if (err instanceof TaskError) return err;
    throw err;
  }
  throw new Error("expected a refusal (a TaskError), but it succeeded");
}
