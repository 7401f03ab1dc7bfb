import { TaskError } from "../errors/index.ts";

/**
 * Exit code of a training stopped by SIGUSR1 after writing its checkpoint (EX_TEMPFAIL): the
 * Slurm job script requeues the job on it, and the requeued job resumes from the checkpoint.
 */
export const PREEMPTED_EXIT_CODE = 75;

/**
 * Listens for SIGUSR1 (Slurm's warning before a time limit or preemption, `--signal=B:USR1@<s>`,
 * forwarded by the job script) while training runs. `check(epoch)` is called after each epoch's
 * checkpoint is written: once the signal came and epochs remain, it stops the run with
 * `PREEMPTED_EXIT_CODE`. The epoch under way finishes first, so nothing of it is lost.
 */
export function preemptionWatch(epochs: number, checkpoint: string): { check(epoch: number, stopped: boolean): Promise<void>; close(): void } {
  let signalled = false;
  const onSignal = () => {
    signalled = true;
  };
  process.on("SIGUSR1", onSignal);
  return {
    async check(epoch, stopped) {
      // A training step only awaits microtasks: a signal's handler runs once the event loop turns.
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (signalled && epoch < epochs && !stopped) {
        throw new TaskError("preempted", `stopped after epoch ${epoch} of ${epochs} on SIGUSR1 (time limit or preemption ahead); checkpoint ${checkpoint}, resume with --resume`, { exitCode: PREEMPTED_EXIT_CODE });
      }
    },
    close() {
      process.off("SIGUSR1", onSignal);
    },
  };
}
