import { describe, expect, test } from "bun:test";
import { parseQueuedKeys, parseSbatch, parseScontrolJob, parseSqueue, phaseOf } from "../../../lib/pipeline/slurm/status.ts";

describe("slurm status parsing", () => {
  test.each([
    ["PENDING", "queued"],
    ["REQUEUED", "queued"],
    ["CONFIGURING", "queued"],
    ["RUNNING", "running"],
    ["COMPLETING", "running"],
    ["COMPLETED", "ended"],
    ["FAILED", "ended"],
    ["CANCELLED by 0", "ended"],
    ["TIMEOUT", "ended"],
    ["", "gone"],
  ])("phaseOf(%p) is %p", (state, phase) => {
    expect(phaseOf(state)).toBe(phase as ReturnType<typeof phaseOf>);
  });

  test("parseSqueue(text) maps ids to states and expands pending array ranges", () => {
    const text = "12|RUNNING|mammo-aa\n13_[0-2,5%2]|PENDING|mammo-bb\n13_3|RUNNING|mammo-bb\n\n";
    expect(Object.fromEntries(parseSqueue(text))).toEqual({ "12": "RUNNING", "13_0": "PENDING", "13_1": "PENDING", "13_2": "PENDING", "13_5": "PENDING", "13_3": "RUNNING" });
  });

  test("parseQueuedKeys(text) finds each node's job by the key prefixes in the comments, array tasks by index", () => {
    const text = [
      "12|mammo-aaaaaaaaaaaaaaaa|mammo-keys:aaaaaaaaaaaaaaaa",
      "13_[1-2]|mammo-cccccccccccccccc|mammo-keys:1111111111111111,2222222222222222,3333333333333333",
      "13_0|mammo-cccccccccccccccc|mammo-keys:1111111111111111,2222222222222222,3333333333333333",
      "14|other-job|(null)",
      "15|mammo-bbbbbbbbbbbbbbbb|mammo-keys:4444444444444444,5555555555555555",
    ].join("\n");
    expect(Object.fromEntries(parseQueuedKeys(text))).toEqual({
      aaaaaaaaaaaaaaaa: { id: "12", name: "mammo-aaaaaaaaaaaaaaaa" },
      "1111111111111111": { id: "13_0", name: "mammo-cccccccccccccccc" },
      "2222222222222222": { id: "13_1", name: "mammo-cccccccccccccccc" },
      "3333333333333333": { id: "13_2", name: "mammo-cccccccccccccccc" },
    });
  });

  test("parseSbatch(text) reads --parsable output with or without a cluster name, and refuses anything else", () => {
    expect(parseSbatch("4711\n")).toBe("4711");
    expect(parseSbatch("4711;cluster\n")).toBe("4711");
    expect(() => parseSbatch("sbatch: error: Batch job submission failed")).toThrow(/sbatch printed no job id/);
  });

  test("parseScontrolJob(text) reads state, reason, exit code and restarts", () => {
    const text = "JobId=7 JobName=mammo-aa\n   JobState=FAILED Reason=NonZeroExitCode Dependency=(null)\n   Requeue=1 Restarts=2 BatchFlag=1 Reboot=0 ExitCode=1:0\n";
    expect(parseScontrolJob(text)).toEqual({ state: "FAILED", reason: "NonZeroExitCode", exitCode: "1:0", restarts: 2 });
  });
});
