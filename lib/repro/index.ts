export { referenceSchema, seedFingerprintSchema, toleranceSchema, DEFAULT_TOLERANCE } from "./fingerprint.ts";
export type { Reference, SeedFingerprint, Tolerance } from "./fingerprint.ts";
export { compareSeed, environmentDiff } from "./compare.ts";
export type { SeedVerdict, Verdict } from "./compare.ts";
export { fingerprintRun } from "./collect.ts";
export { markdownSummary } from "./markdown.ts";
export type { BackendCheck } from "./markdown.ts";
export { describeChanges, jsonChanges } from "./experiment-diff.ts";
export type { FieldChange } from "./experiment-diff.ts";
