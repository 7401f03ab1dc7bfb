import { TaskError } from "../errors/index.ts";
import { compareStrings } from "./order.ts";

/**
 * What the leakage check looks at: the split's group, and when known the accession and the
 * PatientID (split.json samples carry all three; the core's items only the group).
 */
export interface LeakageItem {
  group: string;
  accession?: string;
  patient_id?: string | null;
}

/** How many offending IDs the error lists before "… and N more". */
const LISTED = 20;

/**
 * Throws TaskError "leakage" when a group, an accession or a PatientID has samples on both the
 * train and the validation side (or the two `sides` named), listing the offending IDs. Run by `train` and `cv` before any
 * training: a leak silently inflates every validation number.
 */
export function checkNoLeakage(train: readonly LeakageItem[], val: readonly LeakageItem[], sides: readonly [string, string] = ["train", "validation"]): void {
  const ids = (items: readonly LeakageItem[]) => {
    const out = new Set<string>();
    for (const item of items) {
      out.add(item.group);
      if (item.accession !== undefined) out.add(`accession:${item.accession}`);
      if (item.patient_id) out.add(`patient:${item.patient_id}`);
    }
    return out;
  };
  const trainIds = ids(train);
  const shared = [...ids(val)].filter((id) => trainIds.has(id)).sort(compareStrings);
  if (shared.length === 0) return;
  const listed = shared.slice(0, LISTED).join(", ");
  const more = shared.length > LISTED ? ` … and ${shared.length - LISTED} more` : "";
  throw new TaskError("leakage", `leakage between ${sides[0]} and ${sides[1]}: ${shared.length} ID(s) on both sides: ${listed}${more}`);
}
