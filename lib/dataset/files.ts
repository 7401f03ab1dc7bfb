import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { usageError } from "../errors/index.ts";

/**
 * `rel` joined under `root`, refusing anything that lands outside it (`../../etc/passwd`, an
 * absolute path elsewhere): a label CSV must not make the loader read arbitrary files. An
 * absolute path inside the root is accepted. `where` names the CSV file and row for the message.
 */
export function insideRoot(root: string, rel: string, where: string): string {
  const target = isAbsolute(rel) ? rel : join(root, rel);
  const fromRoot = relative(resolve(root), resolve(target));
  if (fromRoot === "" || fromRoot === ".." || fromRoot.startsWith(`..${sep}`) || isAbsolute(fromRoot)) {
    throw usageError("path_escape", `${where}: path outside the DICOM root ${root}: "${rel}"`);
  }
  return isAbsolute(rel) ? join(root, fromRoot) : target;
}

/** `path` relative to `root`, with `/` separators (the form fingerprints and manifests use). */
export function relativePosix(root: string, path: string): string {
  return relative(root, path).split(sep).join("/");
}

/** `*.dcm` / `*.dicom` in any case; hidden files (macOS `._x.dcm` resource forks) are not images. */
export function isDicomName(name: string): boolean {
  return !name.startsWith(".") && /\.(dcm|dicom)$/i.test(name);
}

/**
 * Orders paths segment by segment, as Python sorts `Path` objects (the reference pipeline's
 * `sorted(folder.rglob(...))`): `a/x` before `a-b/x`, which a plain string sort reverses.
 */
export function comparePaths(a: string, b: string): number {
  const pa = a.split(/[\\/]/);
  const pb = b.split(/[\\/]/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] as string;
    const y = pb[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/**
 * Every entry named like a DICOM file under `dir`, recursively, in `comparePaths` order: regular
 * files, and also links, FIFOs and other non-directories carrying the name, so that a dangling
 * link or a FIFO called `x.dcm` is examined and reported rather than silently skipped. Links to
 * directories are not descended into (an archive with a link loop must still finish).
 */
export function listDicomFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, ent.name);
      if (ent.isDirectory()) walk(path);
      else if (isDicomName(ent.name)) found.push(path);
    }
  };
  walk(dir);
  return found.sort(comparePaths);
}

/** The real path of `path` (links resolved), or null when it cannot be resolved (dangling link, loop, gone). */
export function realPathOf(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/** True when real path `real` lies inside real directory `rootReal` (not equal to it). */
export function strictlyInside(rootReal: string, real: string): boolean {
  const rel = relative(rootReal, real);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Refuses `path` (found as `shown` for the message) when its real path lies outside the DICOM
 * root's real path: a lexical check alone lets a link (`000778 -> ..`, a file link to /etc)
 * carry the loader outside the archive. Returns the real path, or null when it does not resolve
 * (the file check reports that as unreadable).
 */
export function checkInsideRoot(rootReal: string, root: string, path: string, where: string): string | null {
  const real = realPathOf(path);
  if (real !== null && !strictlyInside(rootReal, real)) {
    const what = real === rootReal ? "the DICOM root itself" : `${real}, outside the DICOM root`;
    throw usageError("path_escape", `${where}: ${path} resolves to ${what} ${root}${root === rootReal ? "" : ` (${rootReal})`}`);
  }
  return real;
}

/** Names of the directories directly under `root`, sorted (the exam folders of exam-level layouts). */
export function topLevelDirs(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
}

/** True when `path` is an existing directory. */
export function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** True when `path` is an existing regular file (links followed). */
export function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}
