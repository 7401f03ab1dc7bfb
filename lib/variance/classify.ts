import { usageError } from "../errors/index.ts";
import { SEED_SOURCES, describeSourceSeeds, type SeedSource } from "../rng/index.ts";
import type { Design, Study } from "./design.ts";
import { seedKey } from "./design.ts";
import type { StudyRun } from "./read.ts";

/** The runs of a study, grouped as its design reads them. */
export type Groups =
  | { design: "none"; runs: StudyRun[] }
  | { design: "all"; runs: StudyRun[] }
  | { design: "one-at-a-time"; arms: { source: SeedSource; runs: StudyRun[] }[] }
  | { design: "crossed"; a: SeedSource; b: SeedSource; levelsA: number[]; levelsB: number[]; grid: StudyRun[][] };

const fail = (design: Design, message: string) => usageError("bad_study", `--design ${design}: ${message}`);

/** The sources whose seed in `run` is not `base`. */
const offBase = (run: StudyRun, base: number) => SEED_SOURCES.filter((s) => run.seeds[s] !== base);

function refuseDuplicates(design: Design, runs: readonly StudyRun[]): void {
  const seen = new Map<string, string>();
  for (const run of runs) {
    const key = seedKey(run.seeds);
    const other = seen.get(key);
    if (other) throw fail(design, `${other} and ${run.dir} drew every source from the same seeds (${describeSourceSeeds(run.seeds)}); repeats of one run belong in a --design none study`);
    seen.set(key, run.dir);
  }
}

/**
 * Reads each run's recorded per-source seeds (summary.json `seeds`) and groups the runs by the
 * design, so a variance is attributed to a source only when the runs differ in that source alone.
 * Any run that does not fit is refused, by name, with its seeds.
 */
export function classifyRuns(study: Study, runs: readonly StudyRun[]): Groups {
  const { design, baseSeed: base } = study;
  for (const run of runs) if (run.fold !== null) throw fail(design, `${run.dir} is cross-validation fold ${run.fold}; a variance study uses hold-out runs`);
  if (runs.length < 2) throw fail(design, `needs at least 2 runs, got ${runs.length}`);
  switch (design) {
    case "none": {
      const first = runs[0] as StudyRun;
      for (const run of runs) {
        if (seedKey(run.seeds) !== seedKey(first.seeds)) throw fail(design, `${run.dir} drew ${describeSourceSeeds(run.seeds)} but ${first.dir} ${describeSourceSeeds(first.seeds)}; the control repeats one run`);
      }
      return { design, runs: [...runs] };
    }
    case "all": {
      for (const run of runs) {
        const distinct = new Set(SEED_SOURCES.map((s) => run.seeds[s]));
        if (distinct.size > 1) throw fail(design, `${run.dir} does not draw every source from one seed (${describeSourceSeeds(run.seeds)})`);
      }
      refuseDuplicates(design, runs);
      return { design, runs: [...runs] };
    }
    case "one-at-a-time": {
      refuseDuplicates(design, runs);
      const arms = study.sources.map((source) => ({ source, runs: [] as StudyRun[] }));
      for (const run of runs) {
        const off = offBase(run, base);
        if (off.length > 1) throw fail(design, `${run.dir} varies ${off.join(" and ")} (${describeSourceSeeds(run.seeds)}); each run may differ from the base seed ${base} in one source`);
        const source = off[0];
        if (source !== undefined && !study.sources.includes(source)) throw fail(design, `${run.dir} varies ${source}, which is not among --sources ${study.sources.join(",")}`);
        // The base run is level `base` of every arm.
        for (const arm of arms) if (source === undefined || arm.source === source) arm.runs.push(run);
      }
      for (const arm of arms) if (arm.runs.length < 2) throw fail(design, `source ${arm.source} has ${arm.runs.length} run(s) at base seed ${base} (needs at least 2 to estimate a variance)`);
      return { design, arms };
    }
    case "crossed": {
      refuseDuplicates(design, runs);
      const [a, b] = study.sources as [SeedSource, SeedSource];
      for (const run of runs) {
        const off = offBase(run, base).filter((s) => s !== a && s !== b);
        if (off.length) throw fail(design, `${run.dir} varies ${off.join(", ")} (${describeSourceSeeds(run.seeds)}); a ${a} × ${b} study holds every other source at ${base}`);
      }
      const levelsA = [...new Set(runs.map((r) => r.seeds[a]))].sort((x, y) => x - y);
      const levelsB = [...new Set(runs.map((r) => r.seeds[b]))].sort((x, y) => x - y);
      const cell = new Map(runs.map((r) => [`${r.seeds[a]}/${r.seeds[b]}`, r]));
      const missing: string[] = [];
      const grid = levelsA.map((x) =>
        levelsB.map((y) => {
          const run = cell.get(`${x}/${y}`);
          if (!run) missing.push(`${a} ${x} × ${b} ${y}`);
          return run as StudyRun;
        }),
      );
      if (missing.length) throw fail(design, `the ${levelsA.length} × ${levelsB.length} grid of ${a} × ${b} lacks ${missing.join(", ")}`);
      if (levelsA.length < 2 || levelsB.length < 2) throw fail(design, `needs at least 2 levels of each source, got ${a} ${levelsA.length} × ${b} ${levelsB.length}`);
      return { design, a, b, levelsA, levelsB, grid };
    }
  }
}
