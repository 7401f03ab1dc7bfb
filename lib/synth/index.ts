export { generateCohort, CSV_NAME, SYNTH_ARTIFACT } from "./generate.ts";
export type { GenerateEffects, GenerateOptions, GeneratedAccession, GeneratedCohort, GeneratedImage } from "./generate.ts";
export { planCohort, DENSE_FRACTION_BANDS } from "./plan.ts";
export type { CohortOptions, CohortPlan, PlannedAccession, PlannedView } from "./plan.ts";
export { REAL_CLASS_COUNTS, quotas } from "./mix.ts";
export type { Label } from "./mix.ts";
export { renderPhantom, drawAnatomy } from "./phantom.ts";
export type { Anatomy, Density, Phantom, PhantomInput, PhantomView } from "./phantom.ts";
export type { StorageProfile } from "./store.ts";
