import { CLASS_NAMES } from "../../lib/metrics/index.ts";

/** The density letter (A–D) of class index `i`, or the index itself when it is out of range. */
export function className(i: number): string {
  return CLASS_NAMES[i] ?? String(i);
}
