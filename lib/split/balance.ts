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

/**
 * First-improvement local search over moves (one group from part a to b) and swaps (a group of
 * one count vector for one of another): pass after pass, until a whole pass finds nothing.
 * Groups with the same class-count vector are interchangeable, so moves are tried per vector type,
 * each type's groups taken in seeded order. Changes `assign` in place; returns the final objective.
 */
function improve(problem: Problem, assign: number[]): Objective {
  return new LocalSearch(problem, assign).run();
}

class LocalSearch {
  private readonly parts: number;
  private readonly classes: number;
  /** The distinct class-count vectors, and each group's index into them. */
  private readonly typeVectors: (readonly number[])[] = [];
  /** Per part and type, the member groups in seeded order. */
  private readonly members: number[][][];
  /** Per part, its class counts, and their score. */
  private readonly rows: Float64Array[];
  private readonly scores: RowScore[];
  private current: Objective;
  // Scratch rows and scores of a trial move.
  private readonly rowA: Float64Array;
  private readonly rowB: Float64Array;
  private readonly sa = emptyScore();
  private readonly sb = emptyScore();

  constructor(
    private readonly problem: Problem,
    private readonly assign: number[],
  ) {
    const { counts, targets } = problem;
    this.parts = targets.length;
    this.classes = problem.classTotals.length;
    const typeIndex = new Map<string, number>();
    const typeOf = counts.map((row) => {
      const key = row.join(",");
      let t = typeIndex.get(key);
      if (t === undefined) {
        t = this.typeVectors.length;
        typeIndex.set(key, t);
        this.typeVectors.push(row);
      }
      return t;
    });
    this.members = targets.map(() => this.typeVectors.map(() => [] as number[]));
    assign.forEach((p, g) => this.members[p]?.[typeOf[g] ?? 0]?.push(g));
    this.rows = targets.map(() => new Float64Array(this.classes));
    assign.forEach((p, g) => {
      const row = this.rows[p] as Float64Array;
      counts[g]?.forEach((n, c) => (row[c] = (row[c] ?? 0) + n));
    });
    this.scores = this.rows.map((row, p) => {
      const score = emptyScore();
      scoreRow(problem, p, row, score);
      return score;
    });
    this.rowA = new Float64Array(this.classes);
    this.rowB = new Float64Array(this.classes);
    this.current = this.objective(0, this.scores[0] as RowScore, 0, this.scores[0] as RowScore);
  }

  run(): Objective {
    const types = this.typeVectors.length;
    const maxSteps = STEPS_PER_GROUP * this.problem.counts.length;
    let steps = 0;
    let improved = true;
    while (improved && steps < maxSteps) {
      improved = false;
      for (let a = 0; a < this.parts; a++) {
        for (let b = 0; b < this.parts; b++) {
          if (a === b) continue;
          for (let t = 0; t < types; t++) {
            if (this.has(a, t) && this.attempt(a, b, t, -1)) {
              improved = true;
              steps++;
            }
          }
          if (a > b) continue;
          for (let t1 = 0; t1 < types; t1++) {
            if (!this.has(a, t1)) continue;
            for (let t2 = 0; t2 < types; t2++) {
              if (t1 !== t2 && this.has(a, t1) && this.has(b, t2) && this.attempt(a, b, t1, t2)) {
                improved = true;
                steps++;
              }
            }
          }
        }
      }
    }
    return this.current;
  }

  private has(p: number, t: number): boolean {
    return (this.members[p]?.[t]?.length ?? 0) > 0;
  }

  /** The objective with parts a and b scored as `sa`, `sb` and the others as they are. */
  private objective(a: number, sa: RowScore, b: number, sb: RowScore): Objective {
    let missing = 0;
    let violation = 0;
    let deviation = 0;
    let size = 0;
    let ssq = 0;
    for (let p = 0; p < this.parts; p++) {
      const s = p === a ? sa : p === b ? sb : (this.scores[p] as RowScore);
      missing += s.missing;
      violation += s.violation;
      deviation = Math.max(deviation, s.deviation);
      size = Math.max(size, s.size);
      ssq += s.ssq;
    }
    return { missing, violation, balance: deviation + SIZE_WEIGHT * size, ssq };
  }

  /** Moves a group of type `out` from part a to b, and one of type `back` (unless -1) from b to a, when that is better. */
  private attempt(a: number, b: number, out: number, back: number): boolean {
    const { rowA, rowB, sa, sb } = this;
    const vOut = this.typeVectors[out] ?? [];
    const vBack = back >= 0 ? this.typeVectors[back] : undefined;
    const ra = this.rows[a] as Float64Array;
    const rb = this.rows[b] as Float64Array;
    for (let c = 0; c < this.classes; c++) {
      const delta = (vOut[c] ?? 0) - (vBack?.[c] ?? 0);
      rowA[c] = (ra[c] ?? 0) - delta;
      rowB[c] = (rb[c] ?? 0) + delta;
    }
    scoreRow(this.problem, a, rowA, sa);
    scoreRow(this.problem, b, rowB, sb);
    const next = this.objective(a, sa, b, sb);
    if (!better(next, this.current)) return false;
    this.transfer(a, b, out);
    if (back >= 0) this.transfer(b, a, back);
    ra.set(rowA);
    rb.set(rowB);
    Object.assign(this.scores[a] as RowScore, sa);
    Object.assign(this.scores[b] as RowScore, sb);
    this.current = next;
    return true;
  }

  /** Moves the first group (seeded order) of type t from part a to part b. */
  private transfer(a: number, b: number, t: number): void {
    const from = this.members[a]?.[t] ?? [];
    const g = from.shift() as number;
    const to = this.members[b]?.[t] ?? [];
    let i = to.length;
    while (i > 0 && (to[i - 1] ?? 0) > g) i--;
    to.splice(i, 0, g);
    this.assign[g] = b;
  }
}
