import type { ArtifactContract } from "../artifacts/index.ts";
import { provenanceSidecarJson } from "../artifacts/index.ts";
import { aggregateCompareCsv, aggregateCsv, aggregateJson } from "../aggregate/index.ts";
import { cacheRecordJson } from "../pipeline/cache.ts";
import { predictMetricsJson, predictionsCsv } from "../predict/outputs.ts";
import { reproReferenceJson, reproReportJson } from "../repro/index.ts";
import { runStatusJson } from "../runs/status.ts";
import { splitJson } from "../split/index.ts";
import { gradcamJson } from "../train/gradcam-pngs.ts";
import { optunaTrialJson, rayJsonl, testMetricsJson, testPredictionsCsv, trainHistoryCsv, trainHistoryJson, valMetricsJson, valPredictionsCsv } from "../train/outputs.ts";
import { summaryJson } from "../train/summary.ts";
import { planJson, varianceJson } from "../variance/index.ts";
import { dataAuditCsv, dataManifestJson } from "../../tasks/audit.ts";
import { cvSummaryJson } from "../cv/index.ts";
import { hpoSummaryJson } from "../../tasks/hpo.ts";
import { seedsJson } from "../../tasks/seed.ts";
import { synthJson } from "../../tasks/synth.ts";

/**
 * Every artifact the project writes, in the order of an experiment (data, split, training,
 * evaluation, studies, records). `bun run docs` publishes each as
 * `docs/schemas/<name>.v<version>.schema.json` and lists them in `docs/artifacts.md`.
 */
export const CONTRACTS: readonly ArtifactContract[] = [
  synthJson,
  dataManifestJson,
  dataAuditCsv,
  seedsJson,
  splitJson,
  summaryJson,
  valMetricsJson,
  testMetricsJson,
  trainHistoryCsv,
  trainHistoryJson,
  valPredictionsCsv,
  testPredictionsCsv,
  optunaTrialJson,
  rayJsonl,
  gradcamJson,
  runStatusJson,
  cvSummaryJson,
  aggregateJson,
  aggregateCsv,
  aggregateCompareCsv,
  hpoSummaryJson,
  predictionsCsv,
  predictMetricsJson,
  varianceJson,
  planJson,
  reproReportJson,
  reproReferenceJson,
  cacheRecordJson,
  provenanceSidecarJson,
];

/** The contract named `name`. */
export function contractNamed(name: string): ArtifactContract | undefined {
  return CONTRACTS.find((c) => c.name === name);
}
