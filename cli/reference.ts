import { usageError } from "../lib/errors/index.ts";

/** Flags of the reference pipeline's `train-density` that choose between hold-out and cross-validation. */
const CV_FLAGS = ["--cv-folds", "--cv-outdir"] as const;

/** A command line after the reference spelling was mapped onto a task. */
export interface Routed {
  /** The task to run (`train` or `cv`). */
  task: string;
  argv: string[];
  /** What was changed, for one info line. */
  note: string | null;
}

/**
 * `mammography train-density -- … --cv-folds k --cv-outdir D`, as the reference pipeline
 * spells it: k ≥ 2 runs the `cv` task (folds under D/fold_{1..k}/results; `--outdir`, which the
 * reference ignores in that case, is dropped), k = 1 (the reference's hold-out) or no
 * `--cv-folds` runs `train` (`--cv-outdir` is then unused and dropped). Any other invocation is
 * returned unchanged.
 */
export function routeTrainDensity(invokedAs: string, argv: readonly string[]): Routed {
  if (invokedAs !== "train-density") return { task: invokedAs, argv: [...argv], note: null };
  const rest: string[] = [];
  let folds: string | undefined;
  let cvOutdir: string | undefined;
  let outdir: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const take = (): string => {
      if (eq > 0 && name !== arg) return arg.slice(eq + 1);
      const v = argv[i + 1];
      if (v === undefined || (v.startsWith("--") && v.length > 2)) throw usageError("missing_value", `missing value for ${name}`);
      i++;
      return v;
    };
    if (name === "--cv-folds") folds = take();
    else if (name === "--cv-outdir") cvOutdir = take();
    else if (name === "--outdir") outdir = eq > 0 ? [arg] : [arg, take()];
    else rest.push(arg);
  }
  if (folds === undefined) {
    return { task: "train", argv: [...rest, ...outdir], note: cvOutdir === undefined ? null : `--cv-outdir ${cvOutdir} unused without --cv-folds` };
  }
  const k = Number(folds);
  if (!Number.isInteger(k) || k < 1) throw usageError("bad_value", `invalid --cv-folds: ${folds} (expected 1 for hold-out or an integer ≥ 2)`);
  if (k === 1) return { task: "train", argv: [...rest, ...outdir], note: `--cv-folds 1: hold-out training${cvOutdir === undefined ? "" : ` (--cv-outdir ${cvOutdir} unused)`}` };
  const cvArgs = ["--cv-folds", String(k), ...(cvOutdir === undefined ? [] : ["--cv-outdir", cvOutdir])];
  return {
    task: "cv",
    argv: [...rest, ...cvArgs],
    note: `--cv-folds ${k}: running the cv task${outdir.length ? ` (--outdir dropped: folds go to --cv-outdir${cvOutdir ? ` ${cvOutdir}` : ""})` : ""}`,
  };
}

/** Lines `--help` adds for `train-density`: the two flags that route to cross-validation. */
export const TRAIN_DENSITY_HELP = [
  "",
  "Reference spelling (train-density only):",
  `${`  ${CV_FLAGS[0]} <int>`.padEnd(40)}k ≥ 2 runs k-fold cross-validation (the cv task); 1 = hold-out (default)`,
  `${`  ${CV_FLAGS[1]} <string>`.padEnd(40)}with --cv-folds k ≥ 2: folds go to <cv-outdir>/fold_{1..k}/results (default: outputs/density_experiments/results_k)`,
].join("\n");
