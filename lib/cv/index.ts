export { CV_CONFIDENCE, CV_METRICS, cvFoldSchema, cvSummaryJson, cvSummarySchema } from "./artifact.ts";
export type { CvFold, FailedFold } from "./artifact.ts";
