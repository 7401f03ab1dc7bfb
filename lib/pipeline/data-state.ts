import { Database } from "bun:sqlite";
import { mkdirSync, readdirSync, statSync, type BigIntStats } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { canonicalJson, sha256, sha256File } from "../artifacts/index.ts";
import { comparePaths, isDicomName } from "../dataset/files.ts";

/** `relative path → SHA-256` of every DICOM file under a root: what a data tree's digest is made of. */
export type Manifest = Record<string, string>;

/**
 * The content hashes of the user's data, cheap to keep current: a state table
 * `(path, size, mtime, inode) → SHA-256` in SQLite, as DVC keeps one, so an unchanged archive is
 * re-checked with `stat` alone and only a file whose size, modification time or inode changed
 * (or that was written within 2 s of being hashed, see `RACY_NS`) is read and hashed again. Trees are summed up as manifests stored by digest, so a later run can
 * name the files that changed between two digests.
 */
export interface DataState {
  /** SHA-256 of one file's bytes (from the table when its stat is unchanged). */
  fileDigest(path: string): string;
  /** SHA-256 of the manifest of every DICOM file under `root` (`*.dcm`/`*.dicom`, links to files followed, links to directories not). */
  treeDigest(root: string): string;
  /** The manifest stored under `digest`, if this state has seen it. */
  manifest(digest: string): Manifest | undefined;
  /** Files hashed (not answered from the table) since opening: 0 on an unchanged archive. */
  readonly hashed: number;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS state (
  path TEXT PRIMARY KEY, size TEXT NOT NULL, mtime_ns TEXT NOT NULL, inode TEXT NOT NULL, sha256 TEXT NOT NULL,
  hashed_at_ns TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS manifest (digest TEXT PRIMARY KEY, body TEXT NOT NULL);
`;

/**
 * A file modified less than this long before it was hashed is hashed again next time: file
 * systems stamp mtimes with a coarse clock (ext4: a few ms; NFS, FAT: up to 2 s), so a second
 * write of the same size soon after the first can leave every field of the stat unchanged.
 */
const RACY_NS = 2_000_000_000n;

function isBusy(err: unknown): boolean {
  return /SQLITE_BUSY|database is locked/i.test(String((err as Error)?.message ?? err));
}

/** Opens (creating) the state database; several pipelines may share it (WAL, busy timeout, schema made under a write lock). */
export function openDataState(path: string): DataState {
  mkdirSync(dirname(path), { recursive: true });
  return new SqliteDataState(openStateDb(path));
}

/** The state database with its schema, waiting for another process that is creating it. */
function openStateDb(path: string): Database {
  const db = new Database(path, { create: true });
  // The busy timeout first, so that switching to WAL and creating the schema wait for another
  // process doing the same instead of failing with "database is locked".
  db.exec("PRAGMA busy_timeout = 30000");
  for (let attempt = 0; ; attempt++) {
    try {
      db.exec("PRAGMA journal_mode = WAL");
      db.transaction(() => db.exec(SCHEMA)).immediate();
      return db;
    } catch (err) {
      if (!isBusy(err) || attempt >= 20) throw err;
      Bun.sleepSync(50 * (attempt + 1));
    }
  }
}

/** The DICOM files under `root` (`*.dcm`/`*.dicom`, links to files followed, links to directories not), relative, in path order. */
function dicomFilesUnder(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const ent of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) walk(join(dir, ent.name), r);
      else if (isDicomName(ent.name)) files.push(r);
    }
  };
  walk(root, "");
  return files.sort(comparePaths);
}

class SqliteDataState implements DataState {
  private count = 0;
  private readonly lookup;
  private readonly upsert;
  private readonly getManifest;
  private readonly putManifest;

  constructor(private readonly db: Database) {
    this.lookup = db.query<{ size: string; mtime_ns: string; inode: string; sha256: string; hashed_at_ns: string }, [string]>(
      "SELECT size, mtime_ns, inode, sha256, hashed_at_ns FROM state WHERE path = ?",
    );
    this.upsert = db.query("INSERT OR REPLACE INTO state (path, size, mtime_ns, inode, sha256, hashed_at_ns) VALUES (?, ?, ?, ?, ?, ?)");
    this.getManifest = db.query<{ body: string }, [string]>("SELECT body FROM manifest WHERE digest = ?");
    this.putManifest = db.query("INSERT OR IGNORE INTO manifest (digest, body) VALUES (?, ?)");
  }

  get hashed(): number {
    return this.count;
  }

  fileDigest(path: string): string {
    return this.digestOf(path, statSync(path, { bigint: true }));
  }

  treeDigest(root: string): string {
    const manifest: Manifest = {};
    // One transaction: thousands of table updates commit at once.
    this.db
      .transaction(() => {
        for (const rel of dicomFilesUnder(root)) {
          let st: BigIntStats;
          try {
            st = statSync(join(root, rel), { bigint: true });
          } catch (err) {
            // A dangling link or a loop still counts: its presence is part of the data.
            manifest[rel] = `unreadable:${(err as NodeJS.ErrnoException).code ?? "error"}`;
            continue;
          }
          manifest[rel] = st.isFile() ? this.digestOf(join(root, rel), st) : "not-a-file";
        }
      })
      .immediate();
    const body = canonicalJson(manifest);
    const digest = sha256(body);
    this.putManifest.run(digest, body);
    return digest;
  }

  manifest(digest: string): Manifest | undefined {
    const row = this.getManifest.get(digest);
    return row ? (JSON.parse(row.body) as Manifest) : undefined;
  }

  close(): void {
    this.db.close();
  }

  /** The file's SHA-256: from the table when its stat is unchanged and it was settled when hashed, else read and hashed now. */
  private digestOf(file: string, st: BigIntStats): string {
    const path = resolve(file);
    const row = this.lookup.get(path);
    const size = st.size.toString();
    const mtime = st.mtimeNs.toString();
    const inode = st.ino.toString();
    // Trusted only when the file had been left alone for a while when it was hashed: a write in
    // the same timestamp tick as an earlier one leaves mtime unchanged (git's "racy" files).
    if (row && row.size === size && row.mtime_ns === mtime && row.inode === inode && st.mtimeNs + RACY_NS < BigInt(row.hashed_at_ns)) return row.sha256;
    const hashedAt = BigInt(Date.now()) * 1_000_000n;
    const digest = sha256File(path);
    this.count++;
    this.upsert.run(path, size, mtime, inode, digest, hashedAt.toString());
    return digest;
  }
}

/** The files added, removed and changed between two manifests, sorted. */
export function diffManifests(before: Manifest, now: Manifest): { added: string[]; removed: string[]; changed: string[] } {
  const added = Object.keys(now).filter((k) => !(k in before));
  const removed = Object.keys(before).filter((k) => !(k in now));
  const changed = Object.keys(now).filter((k) => k in before && before[k] !== now[k]);
  return { added: added.sort(comparePaths), removed: removed.sort(comparePaths), changed: changed.sort(comparePaths) };
}
