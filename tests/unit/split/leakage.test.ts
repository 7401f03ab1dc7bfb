import { describe, expect, test } from "bun:test";
import { TaskError } from "../../../lib/errors/index.ts";
import { checkNoLeakage } from "../../../lib/split/index.ts";

const thrown = (fn: () => void): TaskError => {
  try {
    fn();
  } catch (err) {
    return err as TaskError;
  }
  throw new Error("expected a throw");
};

describe("checkNoLeakage", () => {
  test("checkNoLeakage(train, val) passes when no group, accession or patient is on both sides", () => {
    expect(() =>
      checkNoLeakage(
        [{ group: "patient:P1", accession: "001", patient_id: "P1" }, { group: "accession:002", accession: "002", patient_id: null }],
        [{ group: "patient:P2", accession: "003", patient_id: "P2" }],
      ),
    ).not.toThrow();
  });

  test("checkNoLeakage(train, val) fails with code leakage and lists the patient and accession on both sides", () => {
    const err = thrown(() =>
      checkNoLeakage(
        [{ group: "patient:P1", accession: "001", patient_id: "P1" }, { group: "accession:005", accession: "005", patient_id: null }],
        [{ group: "patient:P1", accession: "002", patient_id: "P1" }, { group: "accession:009", accession: "005", patient_id: null }],
      ),
    );
    expect(err).toBeInstanceOf(TaskError);
    expect(err.code).toBe("leakage");
    expect(err.message).toBe("leakage between train and validation: 2 ID(s) on both sides: accession:005, patient:P1");
  });

  test("checkNoLeakage catches a patient split across groups (PatientID known on one side only)", () => {
    const err = thrown(() => checkNoLeakage([{ group: "patient:P7", patient_id: "P7" }], [{ group: "accession:042", accession: "042", patient_id: "P7" }]));
    expect(err.message).toContain("patient:P7");
  });

  test("checkNoLeakage lists at most 20 IDs and counts the rest", () => {
    const side = Array.from({ length: 25 }, (_, i) => ({ group: `g${String(i).padStart(2, "0")}` }));
    const err = thrown(() => checkNoLeakage(side, side));
    expect(err.message).toContain("25 ID(s) on both sides: g00, g01,");
    expect(err.message).toEndWith("g19 … and 5 more");
  });
});
