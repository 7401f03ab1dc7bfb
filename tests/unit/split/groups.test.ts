import { describe, expect, test } from "bun:test";
import { groupSamples, type GroupableSample } from "../../../lib/split/index.ts";

const s = (accession: string, patientId: string | null = null): GroupableSample => ({ accession, patientId });

describe("groupSamples", () => {
  const cases: { name: string; samples: GroupableSample[]; groups: string[]; merged?: { group: string; patients: string[] }[] }[] = [
    {
      name: "groups by PatientID when known, else by accession",
      samples: [s("001", "P1"), s("002", "P1"), s("003"), s("004", "P2")],
      groups: ["patient:P1", "patient:P1", "accession:003", "patient:P2"],
    },
    {
      name: "keeps the views of one accession together when only some headers carry the PatientID",
      samples: [s("001", "P1"), s("001"), s("002"), s("002")],
      groups: ["patient:P1", "patient:P1", "accession:002", "accession:002"],
    },
    {
      name: "joins two PatientIDs that share an accession under the smaller one, and reports it",
      samples: [s("001", "P9"), s("001", "P3"), s("002", "P9"), s("003", "P4")],
      groups: ["patient:P3", "patient:P3", "patient:P3", "patient:P4"],
      merged: [{ group: "patient:P3", patients: ["P3", "P9"] }],
    },
    {
      name: "keeps leading zeros and treats an empty PatientID as unknown",
      samples: [s("000123", ""), s("123", "")],
      groups: ["accession:000123", "accession:123"],
    },
    {
      name: "does not confuse a PatientID with an accession number of the same text",
      samples: [s("777", "777"), s("555", null), s("777", null)],
      groups: ["patient:777", "accession:555", "patient:777"],
    },
  ];
  for (const c of cases) {
    test(`groupSamples ${c.name}`, () => {
      const result = groupSamples(c.samples);
      expect(result.groups).toEqual(c.groups);
      expect(result.merged).toEqual(c.merged ?? []);
    });
  }
});
