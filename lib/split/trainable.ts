import { usageError } from "../errors/index.ts";
import { labelName } from "./split.ts";

/** One train/validation pair as the check sees it: the labels of each side. */
export interface Sides {
  /** How the pair is named in messages: "the split", "fold 3". */
  name: string;
  train: readonly { label: number }[];
  val: readonly { label: number }[];
}

function histogram(items: readonly { label: number }[]): string {
  const counts = new Map<number, number>();
  for (const i of items) counts.set(i.label, (counts.get(i.label) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([l, n]) => `${labelName(l)} ${n}`)
    .join(", ");
}

/**
 * Refuses (usage error, exit 2) a split that cannot train, at the earliest task that sees it,
 * naming the counts: a side without samples (a small or heavily sub-sampled cohort whose
 * validation rounds to nothing), or a training side with fewer than two classes (a classifier
 * of one class learns nothing and scores a perfect validation accuracy; class weights come out
 * [0, 0, 1, 0]). `hint` says which flags change the outcome.
 */
export function checkTrainable(sides: readonly Sides[], hint: string): void {
  for (const s of sides) {
    if (s.train.length === 0 || s.val.length === 0) {
      throw usageError(
        "untrainable_split",
        `${s.name} leaves ${s.train.length} training and ${s.val.length} validation samples (of ${s.train.length + s.val.length}: ${histogram([...s.train, ...s.val]) || "none"}); ${hint}`,
      );
    }
    const classes = new Set(s.train.map((i) => i.label));
    if (classes.size < 2) {
      const all = new Set([...s.train, ...s.val].map((i) => i.label));
      const what =
        all.size < 2 ? `all ${s.train.length + s.val.length} samples are of one class (${histogram([...s.train, ...s.val])})` : `its ${s.train.length} training samples are of one class (${histogram(s.train)})`;
      throw usageError("untrainable_split", `${s.name}: ${what}: a density classifier needs at least two classes to train on; ${hint}`);
    }
  }
}
