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

/**
 * Files a module loads without an import statement: `new URL("./x.ts", import.meta.url)`, the
 * form Workers are started with (`lib/dataset/decode-worker.ts`). The transpiler's import scan
 * does not see them.
 */
const URL_REFERENCE = /new\s+URL\(\s*(["'`])(\.{1,2}\/[^"'`]+)\1\s*,\s*import\.meta\.url\s*\)/g;

function referencedFiles(source: string): string[] {
  const specs = transpiler.scanImports(source).map((imp) => imp.path);
  for (const m of source.matchAll(URL_REFERENCE)) specs.push(m[2] as string);
  return specs.filter((s) => s.startsWith("."));
}

/**
 * Every project source file the entries reach through relative imports (static or dynamic with
 * a literal path) and `new URL(…, import.meta.url)` references, the entries included, sorted.
 */
export function sourceClosure(...entries: string[]): string[] {
  const seen = new Set<string>();
  const stack = entries.map((e) => resolve(e));
  while (stack.length) {
    const file = stack.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!/\.[cm]?[jt]sx?$/.test(file)) continue;
    for (const spec of referencedFiles(readFileSync(file, "utf8"))) {
      const target = resolveImport(file, spec);
      if (target) stack.push(target);
    }
  }
  return [...seen].sort();
}

/**
 * SHA-256 over the contents of every project file a task's code reaches: the entries (its own
 * file, and the files of the tasks it starts, see `TaskDefinition.uses`) and everything they
 * load, transitively, keyed by path relative to `root`. A change to any of them changes the
 * code version. npm packages are covered by the lockfile hash instead.
 */
export function codeHash(entries: string | readonly string[], root: string): string {
  const list = (typeof entries === "string" ? [entries] : [...entries]).map((e) => resolve(e)).sort();
  const key = list.join("\0");
  const hit = cache.get(key);
  if (hit) return hit;
  const parts = sourceClosure(...list).map((f) => `${relative(root, f)}\0${sha256(readFileSync(f))}`);
  const digest = sha256(parts.join("\n"));
  cache.set(key, digest);
  return digest;
}
