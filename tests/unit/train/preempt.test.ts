import { expect, test } from "bun:test";
import { TaskError } from "../../../lib/errors/index.ts";
import { PREEMPTED_EXIT_CODE, preemptionWatch } from "../../../lib/train/preempt.ts";

test("preemptionWatch: after SIGUSR1 the next epoch's check stops the run with exit code 75, unless it was the last or early-stopped", async () => {
  const watch = preemptionWatch(5, "/runs/r/checkpoint/last.ckpt");
  try {
    await watch.check(1, false); // no signal yet: training goes on
    process.kill(process.pid, "SIGUSR1");
    await watch.check(5, false); // the last epoch: nothing left to resume
    await watch.check(3, true); // early-stopped: finished anyway
    const err = await watch.check(2, false).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).exitCode).toBe(PREEMPTED_EXIT_CODE);
    expect((err as TaskError).message).toBe("stopped after epoch 2 of 5 on SIGUSR1 (time limit or preemption ahead); checkpoint /runs/r/checkpoint/last.ckpt, resume with --resume");
  } finally {
    watch.close();
  }
});
