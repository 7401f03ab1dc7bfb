export { CLASS_NAMES, NUM_CLASSES, confusionMatrix } from "./confusion.ts";
export type { Labels, ProbabilityRows } from "./confusion.ts";
export {
  accuracy,
  adjustedBalancedAccuracy,
  balancedAccuracy,
  macroF1,
  perClassScores,
  weightedF1,
} from "./classification.ts";
export type { ClassScores } from "./classification.ts";
export { cohenKappaQuadratic } from "./kappa.ts";
export { binaryAuc, ovrAucByWeights, rocAucOvr } from "./auc.ts";
export { classificationReport, classificationReportSchema } from "./report.ts";
export type { ClassName, ClassificationReport, ReportEntry } from "./report.ts";
export { computeValMetrics, valMetricsFromConfusion, valMetricsSchema } from "./val-metrics.ts";
export type { ValMetrics } from "./val-metrics.ts";
