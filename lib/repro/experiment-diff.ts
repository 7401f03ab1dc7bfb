/** One field that differs between two JSON documents, by dotted path. */
export interface FieldChange {
  path: string;
  reference: unknown;
  current: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every leaf that differs between `reference` and `current` (`train.epochs`, `seeds`), in key order. */
export function jsonChanges(reference: unknown, current: unknown, path = ""): FieldChange[] {
  if (isObject(reference) && isObject(current)) {
    const keys = [...new Set([...Object.keys(reference), ...Object.keys(current)])].sort();
    return keys.flatMap((k) => jsonChanges(reference[k], current[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(reference) === JSON.stringify(current) ? [] : [{ path: path || "(whole file)", reference, current }];
}

/** `train.epochs: 5 → 6; seeds: [42,43] → [42]`. */
export function describeChanges(changes: readonly FieldChange[]): string {
  const show = (v: unknown) => (v === undefined ? "(absent)" : JSON.stringify(v));
  return changes.map((c) => `${c.path}: ${show(c.reference)} → ${show(c.current)}`).join("; ");
}
