/**
 * The optimiser behind both splits: assign whole groups to parts so that each part holds its
 * target share of the samples and every part's class proportions stay close to the whole set's.
 *
 * 1. Greedy start, as sklearn's StratifiedGroupKFold: groups sorted by the spread (σ) of their
 *    class-count vector, largest first (stable, so the seeded order breaks ties); each goes to
 *    the part that minimises the mean over classes of the σ across parts of
 *    count(part, class) / (count(class) · target share of part); ties go to the emptiest part.
 * 2. Local search: move one group, or swap two groups, between two parts while that improves,
 *    lexicographically, (a) the number of (part, class) cells left empty although the class has
 *    enough groups to reach every part, (b) how far part sizes stray beyond their tolerance,
 *    (c) the largest deviation of any part's class proportion from the whole set's (the number
 *    reported as `max_class_deviation`) plus a small weight times the largest relative size
 *    deviation, (d) the sum of squared proportion deviations (a slope where the maximum is
 *    flat). Groups with the same class-count vector are interchangeable for all of these, so
 *    moves are tried per vector type; the group that moves is the first of its type in the
 *    seeded order, which keeps the result seed-dependent and independent of input order.
 *
 * On generated cohorts shaped like the reference archive this beats sklearn's greedy alone on
 * the worst-part deviation (tests/oracle/split).
 */

/** A part may stray from its target size by this share of it, or by the largest group if that is more. */
const SIZE_TOLERANCE = 0.05;
/**
 * Weight of the largest relative part-size deviation next to the largest class-proportion
 * deviation: a part 20 % off its size costs as much as one percentage point of class proportion.
 * On generated cohorts, lower weights bought little balance for much wider size spreads.
 */
const SIZE_WEIGHT = 0.05;
/** Float noise below this is not an improvement (keeps the search from cycling). */
const EPS = 1e-12;

/**
 * Part index for each group. `counts[g][c]` = samples of class c in group g, groups in their
 * seeded order; `targets[p]` = share of all samples part p should hold (they sum to 1).
 */
export function balanceGroups(counts: readonly (readonly number[])[], targets: readonly number[]): number[] {
  const problem = describe(counts, targets);
  const assign = greedyStart(problem);
  improve(problem, assign);
  return assign;
}

interface Problem {
  counts: readonly (readonly number[])[];
  targets: readonly number[];
  /** Samples per class in the whole set. */
  classTotals: number[];
  /** Class proportions of the whole set. */
  proportions: number[];
  /** Target size of each part, in samples. */
  targetSizes: number[];
  /** How far a part's size may stray from its target before it counts as a violation. */
  tolerance: number[];
  /** Classes with at least one group per part: every part must get some. */
  coverable: boolean[];
}

function describe(counts: readonly (readonly number[])[], targets: readonly number[]): Problem {
  const classes = counts[0]?.length ?? 0;
  const classTotals = new Array<number>(classes).fill(0);
  const groupsWith = new Array<number>(classes).fill(0);
  let total = 0;
  let largest = 0;
  for (const row of counts) {
    let size = 0;
    row.forEach((n, c) => {
      classTotals[c] = (classTotals[c] ?? 0) + n;
      if (n > 0) groupsWith[c] = (groupsWith[c] ?? 0) + 1;
      size += n;
    });
    total += size;
    largest = Math.max(largest, size);
  }
  const targetSizes = targets.map((t) => t * total);
  return {
    counts,
    targets,
    classTotals,
    proportions: classTotals.map((n) => n / total),
    targetSizes,
    tolerance: targetSizes.map((t) => Math.max(Math.ceil(SIZE_TOLERANCE * t), largest)),
    coverable: groupsWith.map((g) => g >= targets.length),
  };
}

function std(values: readonly number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

/** numpy's isclose defaults, as sklearn's tie rule uses them. */
function isClose(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-8 + 1e-5 * Math.abs(b);
}

function greedyStart(problem: Problem): number[] {
  const { counts, targets, classTotals } = problem;
  const parts = targets.length;
  const classes = classTotals.length;
  const spread = counts.map((row) => std(row));
  // Stable sort: equal spreads keep the seeded order.
  const order = counts.map((_, g) => g).sort((a, b) => (spread[b] ?? 0) - (spread[a] ?? 0));
  const partCounts = targets.map(() => new Array<number>(classes).fill(0));
  const sizes = new Array<number>(parts).fill(0);
  const assign = new Array<number>(counts.length).fill(0);
  const shares = new Array<number>(parts).fill(0);
  for (const g of order) {
    const row = counts[g] ?? [];
    let best = 0;
    let bestEval = Infinity;
    let bestFill = Infinity;
    for (let p = 0; p < parts; p++) {
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        for (let q = 0; q < parts; q++) {
          const n = (partCounts[q]?.[c] ?? 0) + (q === p ? (row[c] ?? 0) : 0);
          shares[q] = n / ((classTotals[c] ?? 1) * (targets[q] ?? 1));
        }
        sum += std(shares);
      }
      const evaluation = sum / classes;
      const fill = (sizes[p] ?? 0) / (targets[p] ?? 1);
      if (evaluation < bestEval || (isClose(evaluation, bestEval) && fill < bestFill)) {
        best = p;
        bestEval = evaluation;
        bestFill = fill;
      }
    }
    assign[g] = best;
    const target = partCounts[best] ?? [];
    row.forEach((n, c) => (target[c] = (target[c] ?? 0) + n));
    sizes[best] = (sizes[best] ?? 0) + row.reduce((s, n) => s + n, 0);
  }
  return assign;
}

/** Criteria of one part (see the file comment). */
interface RowScore {
  /** Coverable classes with no sample here. */
  missing: number;
  /** Samples beyond the size tolerance. */
  violation: number;
  /** Largest |class proportion − whole-set proportion|. */
  deviation: number;
  /** |size − target size| / target size. */
  size: number;
  /** Sum over classes of the squared proportion deviations. */
  ssq: number;
}

function scoreRow(problem: Problem, p: number, row: ArrayLike<number>, out: RowScore): void {
  let size = 0;
  for (let c = 0; c < row.length; c++) size += row[c] ?? 0;
  let missing = 0;
  let deviation = 0;
  let ssq = 0;
  for (let c = 0; c < row.length; c++) {
    const n = row[c] ?? 0;
    const d = Math.abs((size > 0 ? n / size : 0) - (problem.proportions[c] ?? 0));
    if (d > deviation) deviation = d;
    ssq += d * d;
    if (n === 0 && problem.coverable[c]) missing++;
  }
  const target = problem.targetSizes[p] ?? 0;
  const off = Math.abs(size - target);
  out.missing = missing;
  out.violation = Math.max(0, off - (problem.tolerance[p] ?? 0));
  out.deviation = deviation;
  out.size = target > 0 ? off / target : 0;
  out.ssq = ssq;
}

const emptyScore = (): RowScore => ({ missing: 0, violation: 0, deviation: 0, size: 0, ssq: 0 });

/** The whole partition's objective, compared lexicographically in this order. */
interface Objective {
  missing: number;
  violation: number;
  /** Largest class-proportion deviation + SIZE_WEIGHT × largest relative size deviation. */
  balance: number;
  ssq: number;
}

function better(x: Objective, y: Objective): boolean {
  if (x.missing !== y.missing) return x.missing < y.missing;
  if (Math.abs(x.violation - y.violation) > EPS) return x.violation < y.violation;
  if (Math.abs(x.balance - y.balance) > EPS) return x.balance < y.balance;
  return x.ssq < y.ssq - EPS;
}

/** Steps of local search allowed per group: a generous bound that real cohorts never reach. */
const STEPS_PER_GROUP = 50;

function improve(problem: Problem, assign: number[]): Objective {
  const { counts, targets } = problem;
  const parts = targets.length;
  const classes = problem.classTotals.length;

  // Vector types and, per part and type, the member groups in seeded order.
  const typeIndex = new Map<string, number>();
  const typeVectors: (readonly number[])[] = [];
  const typeOf = counts.map((row) => {
    const key = row.join(",");
    let t = typeIndex.get(key);
    if (t === undefined) {
      t = typeVectors.length;
      typeIndex.set(key, t);
      typeVectors.push(row);
    }
    return t;
  });
  const types = typeVectors.length;
  const members = targets.map(() => typeVectors.map(() => [] as number[]));
  assign.forEach((p, g) => members[p]?.[typeOf[g] ?? 0]?.push(g));
  const has = (p: number, t: number) => (members[p]?.[t]?.length ?? 0) > 0;

  const rows = targets.map(() => new Float64Array(classes));
  assign.forEach((p, g) => {
    const row = rows[p] as Float64Array;
    counts[g]?.forEach((n, c) => (row[c] = (row[c] ?? 0) + n));
  });
  const scores = rows.map((row, p) => {
    const score = emptyScore();
    scoreRow(problem, p, row, score);
    return score;
  });

  /** The objective with parts a and b scored as `sa`, `sb` and the others as they are. */
  const objective = (a: number, sa: RowScore, b: number, sb: RowScore): Objective => {
    let missing = 0;
    let violation = 0;
    let deviation = 0;
    let size = 0;
    let ssq = 0;
    for (let p = 0; p < parts; p++) {
      const s = p === a ? sa : p === b ? sb : (scores[p] as RowScore);
      missing += s.missing;
      violation += s.violation;
      deviation = Math.max(deviation, s.deviation);
      size = Math.max(size, s.size);
      ssq += s.ssq;
    }
    return { missing, violation, balance: deviation + SIZE_WEIGHT * size, ssq };
  };
  let current = objective(0, scores[0] as RowScore, 0, scores[0] as RowScore);

  const rowA = new Float64Array(classes);
  const rowB = new Float64Array(classes);
  const sa = emptyScore();
  const sb = emptyScore();
  /** Moves a group of type `out` from part a to b, and one of type `back` (unless -1) from b to a, when that is better. */
  const attempt = (a: number, b: number, out: number, back: number): boolean => {
    const vOut = typeVectors[out] ?? [];
    const vBack = back >= 0 ? typeVectors[back] : undefined;
    const ra = rows[a] as Float64Array;
    const rb = rows[b] as Float64Array;
    for (let c = 0; c < classes; c++) {
      const delta = (vOut[c] ?? 0) - (vBack?.[c] ?? 0);
      rowA[c] = (ra[c] ?? 0) - delta;
      rowB[c] = (rb[c] ?? 0) + delta;
    }
    scoreRow(problem, a, rowA, sa);
    scoreRow(problem, b, rowB, sb);
    const next = objective(a, sa, b, sb);
    if (!better(next, current)) return false;
    transfer(a, b, out);
    if (back >= 0) transfer(b, a, back);
    ra.set(rowA);
    rb.set(rowB);
    Object.assign(scores[a] as RowScore, sa);
    Object.assign(scores[b] as RowScore, sb);
    current = next;
    return true;
  };
  /** Moves the first group (seeded order) of type t from part a to part b. */
  const transfer = (a: number, b: number, t: number) => {
    const from = members[a]?.[t] ?? [];
    const g = from.shift() as number;
    const to = members[b]?.[t] ?? [];
    let i = to.length;
    while (i > 0 && (to[i - 1] ?? 0) > g) i--;
    to.splice(i, 0, g);
    assign[g] = b;
  };

  // First improvement, pass after pass, until a whole pass finds nothing.
  const maxSteps = STEPS_PER_GROUP * counts.length;
  let steps = 0;
  let improved = true;
  while (improved && steps < maxSteps) {
    improved = false;
    for (let a = 0; a < parts; a++) {
      for (let b = 0; b < parts; b++) {
        if (a === b) continue;
        for (let t = 0; t < types; t++) {
          if (has(a, t) && attempt(a, b, t, -1)) {
            improved = true;
            steps++;
          }
        }
        if (a > b) continue;
        for (let t1 = 0; t1 < types; t1++) {
          if (!has(a, t1)) continue;
          for (let t2 = 0; t2 < types; t2++) {
            if (t1 !== t2 && has(a, t1) && has(b, t2) && attempt(a, b, t1, t2)) {
              improved = true;
              steps++;
            }
          }
        }
      }
    }
  }
  return current;
}
