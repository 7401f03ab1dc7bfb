import { compareStrings } from "./order.ts";

/** The two IDs grouping looks at (a dataset `Sample` has both). */
export interface GroupableSample {
  accession: string;
  patientId: string | null;
}

export interface Grouping {
  /** Group id of each sample, in input order: `patient:<PatientID>` or `accession:<AccessionNumber>`. */
  groups: string[];
  /** Groups that joined several PatientIDs through a shared accession (inconsistent headers). */
  merged: { group: string; patients: string[] }[];
}

/**
 * Groups samples by patient when the PatientID is known, else by accession. Samples that share
 * an accession or a PatientID end up in one group (connected components), so the views of one
 * accession always stay together even when only some of their headers carry a PatientID. A group
 * is named after its smallest PatientID, or its smallest accession when none is known.
 */
export function groupSamples(samples: readonly GroupableSample[]): Grouping {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    // Path compression keeps later finds short.
    for (let node = x; node !== root; ) {
      const next = parent.get(node) ?? root;
      parent.set(node, root);
      node = next;
    }
    return root;
  };
  const add = (x: string) => {
    if (!parent.has(x)) parent.set(x, x);
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  // Node names cannot collide: accession and patient namespaces are prefixed.
  const accessionNode = (s: GroupableSample) => `accession:${s.accession}`;
  const patientNode = (s: GroupableSample) => (s.patientId ? `patient:${s.patientId}` : null);
  for (const s of samples) {
    add(accessionNode(s));
    const p = patientNode(s);
    if (p) {
      add(p);
      union(accessionNode(s), p);
    }
  }

  const members = new Map<string, { patients: Set<string>; accessions: Set<string> }>();
  for (const node of parent.keys()) {
    const root = find(node);
    let m = members.get(root);
    if (!m) members.set(root, (m = { patients: new Set(), accessions: new Set() }));
    if (node.startsWith("patient:")) m.patients.add(node.slice("patient:".length));
    else m.accessions.add(node.slice("accession:".length));
  }
  const names = new Map<string, string>();
  const merged: Grouping["merged"] = [];
  for (const [root, m] of members) {
    const patients = [...m.patients].sort(compareStrings);
    const name = patients.length ? `patient:${patients[0]}` : `accession:${[...m.accessions].sort(compareStrings)[0]}`;
    names.set(root, name);
    if (patients.length > 1) merged.push({ group: name, patients });
  }
  merged.sort((a, b) => compareStrings(a.group, b.group));
  return { groups: samples.map((s) => names.get(find(accessionNode(s))) ?? accessionNode(s)), merged };
}
