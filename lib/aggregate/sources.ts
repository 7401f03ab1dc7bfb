import { usageError } from "../errors/index.ts";
import { SEED_SOURCES, type SeedSource } from "../rng/index.ts";
import type { Run } from "./read.ts";

/**
 * Which sources of randomness vary across the pooled runs and which are held fixed (with their
 * seed): what "σ over seeds" measures. With default runs every source varies with the seed.
 */
export interface SourcePattern {
  varying: SeedSource[];
  fixed: Partial<Record<SeedSource, number>>;
}

/** A source's draw in one run: its seed; the split source of a CV fold is also told apart by the fold. */
function draw(run: Run, source: SeedSource): string {
  return source === "split" && run.fold !== null ? `${run.seeds.split}/fold ${run.fold}` : String(run.seeds[source]);
}

/** `split 42 fold 1` / `init 7`, for messages. */
const shown = (run: Run, source: SeedSource) => `${source} ${draw(run, source).replace("/", " ")}`;

/**
 * The pattern of per-source seeds over `runs`, and, when the runs mix them in a way mean ± σ over
 * runs does not describe, a sentence naming two runs that show it.
 *
 * Pooling is described when every source that varies varies in lockstep with the others: any two
 * runs either differ in all varying sources or agree in all of them. That covers the article's
 * design (every source follows the seed; CV folds with their fold seeds), a study that varies one
 * source or a set of sources together, and the `none` control. It refuses runs of several arms of a
 * one-at-a-time study pooled together (one pair shares the split but not the init, another the
 * init but not the split), a crossed study, and a run with one source pinned to another run's
 * seed (`--seed 44 --seed-init 42` beside `--seed 42`).
 */
export function sourcePattern(runs: readonly Run[]): { pattern: SourcePattern; problem: string | null } {
  const varying = SEED_SOURCES.filter((s) => new Set(runs.map((r) => draw(r, s))).size > 1);
  const fixed: Partial<Record<SeedSource, number>> = {};
  for (const s of SEED_SOURCES) if (!varying.includes(s) && runs[0]) fixed[s] = runs[0].seeds[s];
  for (let i = 0; i < runs.length; i++) {
    for (let j = i + 1; j < runs.length; j++) {
      const [a, b] = [runs[i] as Run, runs[j] as Run];
      const same = varying.filter((s) => draw(a, s) === draw(b, s));
      const differ = varying.filter((s) => draw(a, s) !== draw(b, s));
      if (same.length && differ.length) {
        const problem =
          `${a.dir} and ${b.dir} share ${same.map((s) => shown(a, s)).join(", ")} but differ in ${differ.map((s) => `${s} (${draw(a, s)} vs ${draw(b, s)})`).join(", ")}: ` +
          `mean ± σ over these runs would mix the variance of different sources (sources varying: ${varying.join(", ")})`;
        return { pattern: { varying, fixed }, problem };
      }
    }
  }
  return { pattern: { varying, fixed }, problem: null };
}

/**
 * Refuses (unless `allowMixed`) runs whose per-source seeds mix in a way the pooled summary does
 * not describe (see `sourcePattern`); returns the pattern, and the problem when allowed through.
 */
export function checkSourcePattern(runs: readonly Run[], what: string, allowMixed: boolean): { pattern: SourcePattern; problem: string | null } {
  const result = sourcePattern(runs);
  if (result.problem && !allowMixed) {
    throw usageError("mixed_seeds", `${what}: ${result.problem}; analyse such runs with the variance task (which attributes each run to the source it varies), or pass --allow-mixed`);
  }
  return result;
}

/**
 * A paired comparison matches runs by seed (and fold), which assumes both configurations drew
 * every source from the same seed (common random numbers). Refuses (unless `allowMixed`) a pair
 * whose source seeds differ, naming it; returns the description of the first such pair, if any.
 */
export function checkPairedSeeds(pairs: readonly [Run, Run][], allowMixed: boolean): string | null {
  for (const [a, b] of pairs) {
    const differ = SEED_SOURCES.filter((s) => a.seeds[s] !== b.seeds[s]);
    if (!differ.length) continue;
    const problem = `${a.dir} and ${b.dir} are paired on seed ${a.seed}${a.fold === null ? "" : ` fold ${a.fold}`} but drew ${differ.map((s) => `${s} from ${a.seeds[s]} vs ${b.seeds[s]}`).join(", ")}`;
    if (!allowMixed) throw usageError("mixed_seeds", `--compare: ${problem}: a paired comparison needs the same seed for every source on both sides (or pass --allow-mixed)`);
    return problem;
  }
  return null;
}
