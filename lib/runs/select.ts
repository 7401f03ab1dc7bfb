import { runState } from "./status.ts";

/**
 * Keeps the run directories that finished and warns once, naming every other one with its state
 * (and a failed run's error), so a crashed or still-running seed never breaks `report`, `runs` or
 * `aggregate` and is never silently dropped either.
 */
export function finishedRuns(dirs: readonly string[], log: { warn(message: string): void }): string[] {
  const kept: string[] = [];
  const skipped: string[] = [];
  for (const dir of dirs) {
    const s = runState(dir);
    if (s.state === "finished") kept.push(dir);
    else skipped.push(`${dir} (${s.state}${s.error ? `: ${s.error}` : ""})`);
  }
  if (skipped.length > 0) log.warn(`skipping ${skipped.length} run${skipped.length === 1 ? "" : "s"} that did not finish: ${skipped.join(", ")}`);
  return kept;
}
