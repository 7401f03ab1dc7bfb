export { cvPercent, mean, median, quantile, standardError, std, summarize, tInterval } from "./descriptive.ts";
export type { Sigma, Summary } from "./descriptive.ts";
export { nadeauBengioTest, pairedTTest, probabilityAGreater } from "./paired.ts";
export type { PairedT } from "./paired.ts";
export { wilcoxonSignedRank } from "./wilcoxon.ts";
export type { SignedRank } from "./wilcoxon.ts";
export { holm } from "./holm.ts";
export { bootstrapGroups } from "./bootstrap.ts";
export type { BootstrapInterval, BootstrapOptions } from "./bootstrap.ts";
