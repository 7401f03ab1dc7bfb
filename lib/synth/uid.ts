import { createHash } from "node:crypto";

/**
 * A DICOM UID under the 2.25 (UUID) root, derived by hashing (rootSeed, purpose): the same cohort
 * gets the same UIDs, different purposes or seeds get unrelated ones. At most 44 characters.
 */
export function syntheticUid(rootSeed: number | string, purpose: string): string {
  const digest = createHash("sha256").update(`synth-uid\0${rootSeed}\0${purpose}`).digest("hex");
  return `2.25.${BigInt(`0x${digest.slice(0, 32)}`).toString()}`;
}
