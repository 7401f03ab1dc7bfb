import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { sha256 } from "../artifacts/index.ts";

const transpiler = new Bun.Transpiler({ loader: "ts" });
const cache = new Map<string, string>();

function resolveImport(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Every project source file `entry` reaches through relative imports, itself included, sorted. */
export function sourceClosure(entry: string): string[] {
  const seen = new Set<string>();
  const stack = [resolve(entry)];
  while (stack.length) {
    const file = stack.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!/\.[cm]?[jt]sx?$/.test(file)) continue;
    for (const imp of transpiler.scanImports(readFileSync(file, "utf8"))) {
      if (!imp.path.startsWith(".")) continue;
      const target = resolveImport(file, imp.path);
      if (target) stack.push(target);
    }
  }
  return [...seen].sort();
}

/**
 * SHA-256 over the contents of every project file a task's code reaches (its own file and all
 * the lib/ files it imports, transitively), keyed by path relative to `root`: a change to any of
 * them changes the task's code version. npm packages are covered by the lockfile hash instead.
 */
export function codeHash(entry: string, root: string): string {
  const key = resolve(entry);
  const hit = cache.get(key);
  if (hit) return hit;
  const parts = sourceClosure(entry).map((f) => `${relative(root, f)}\0${sha256(readFileSync(f))}`);
  const digest = sha256(parts.join("\n"));
  cache.set(key, digest);
  return digest;
}
