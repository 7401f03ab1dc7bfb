import { Database } from "bun:sqlite";
import { existsSync, linkSync, mkdirSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { TaskError } from "../errors/index.ts";
import type { TrialParams } from "./samplers.ts";

export type TrialState = "running" | "complete" | "pruned" | "failed";

/** A trial row of the study database. */
export interface TrialRecord {
  number: number;
  params: TrialParams;
  state: TrialState;
  /** Objective of the best epoch (null while running or when failed). */
  value: number | null;
  runDir: string | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

/** Study settings fixed at creation; a resumed study must be asked for with the same ones. */
export interface StudyConfig {
  name: string;
  sampler: "random" | "tpe";
  seed: number;
  direction: "maximize" | "minimize";
  objective: string;
  /** Canonical JSON of the search space. */
  space: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS study (
  name TEXT PRIMARY KEY, sampler TEXT NOT NULL, seed INTEGER NOT NULL, direction TEXT NOT NULL,
  objective TEXT NOT NULL, space TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trial (
  study TEXT NOT NULL, number INTEGER NOT NULL, params TEXT NOT NULL, state TEXT NOT NULL,
  value REAL, run_dir TEXT, error TEXT, started_at TEXT NOT NULL, finished_at TEXT,
  PRIMARY KEY (study, number));
CREATE TABLE IF NOT EXISTS intermediate (
  study TEXT NOT NULL, number INTEGER NOT NULL, epoch INTEGER NOT NULL, value REAL NOT NULL,
  PRIMARY KEY (study, number, epoch));
`;

interface TrialRow {
  number: number;
  params: string;
  state: TrialState;
  value: number | null;
  run_dir: string | null;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

const BUSY_TIMEOUT_MS = 10_000;
const CONFIG_QUERY = "SELECT name, sampler, seed, direction, objective, space FROM study WHERE name = ?";

/** A connection that waits (up to 10 s) for another process's write instead of failing with "database is locked". */
function connect(path: string): Database {
  const db = new Database(path, { readwrite: true });
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS};`);
  return db;
}

/** Adds study `config` to `db` unless it holds one of that name; returns the existing one's settings. */
function insertStudy(db: Database, config: StudyConfig, now: Date): StudyConfig | null {
  const row = db.query<StudyConfig, [string]>(CONFIG_QUERY).get(config.name);
  if (row) return row;
  db.query("INSERT INTO study (name, sampler, seed, direction, objective, space, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)").run(
    config.name, config.sampler, config.seed, config.direction, config.objective, config.space, now.toISOString(),
  );
  return null;
}

/**
 * Makes the database file at `path` unless it exists, whole or not at all: the schema (WAL mode)
 * and the study's row are written into a private file that is then hard-linked into place, which
 * fails when another process got there first. So no reader ever opens a study file whose tables
 * or study do not exist yet.
 */
function createDatabase(path: string, config: StudyConfig, now: Date): void {
  if (existsSync(path)) return;
  const tmp = join(dirname(path), `.${basename(path)}.init-${process.pid}-${crypto.randomUUID()}`);
  try {
    const db = new Database(tmp, { create: true });
    db.exec("PRAGMA journal_mode = WAL;");
    db.transaction(() => {
      db.exec(SCHEMA);
      insertStudy(db, config, now);
    })();
    db.close(true); // the last connection: checkpoints and removes the private -wal/-shm files
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${tmp}${suffix}`, { force: true });
  }
}

/**
 * Study state in SQLite (WAL, busy timeout on every connection), shared by the `hpo` task and its
 * worker processes, so a killed study resumes where it stopped and a finished one can be queried
 * with any SQLite client.
 */
export class Study {
  readonly db: Database;
  readonly config: StudyConfig;

  private constructor(db: Database, config: StudyConfig) {
    this.db = db;
    this.config = config;
  }

  /** Opens (or creates) the study `config.name` in `path`; refuses a mismatching existing study. */
  static open(path: string, config: StudyConfig, now: Date): Study {
    mkdirSync(dirname(path), { recursive: true });
    createDatabase(path, config, now);
    const db = connect(path);
    // Another study in an existing file: read and insert in one write transaction, so two processes agree.
    const existing = db.transaction(() => insertStudy(db, config, now)).immediate();
    for (const key of ["sampler", "seed", "direction", "objective", "space"] as const) {
      if (existing && String(existing[key]) !== String(config[key])) {
        db.close();
        throw new TaskError("study_mismatch", `study "${config.name}" in ${path} was created with a different ${key} (${String(existing[key]).slice(0, 80)} ≠ ${String(config[key]).slice(0, 80)}); use another --study name or --outdir`, { exitCode: 2 });
      }
    }
    return new Study(db, config);
  }

  /**
   * Opens an existing study without checking its settings (for workers and queries). A study
   * file appears only once its schema is written, so a missing file means "not created yet".
   */
  static attach(path: string, name: string): Study {
    if (!existsSync(path)) throw new TaskError("no_study", `no study database at ${path} (the hpo task has not created it yet)`, { exitCode: 2 });
    const db = connect(path);
    const tables = db.query<{ n: number }, []>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('study', 'trial', 'intermediate')").get();
    if (tables?.n !== 3) {
      db.close();
      throw new TaskError("no_study", `${path} is not an hpo study database (its study/trial/intermediate tables are missing)`, { exitCode: 2 });
    }
    const config = db.query<StudyConfig, [string]>(CONFIG_QUERY).get(name);
    if (!config) {
      db.close();
      throw new TaskError("no_study", `no study "${name}" in ${path}`, { exitCode: 2 });
    }
    return new Study(db, config);
  }

  trials(): TrialRecord[] {
    return this.db
      .query<TrialRow, [string]>("SELECT number, params, state, value, run_dir, error, started_at, finished_at FROM trial WHERE study = ? ORDER BY number")
      .all(this.config.name)
      .map((r) => ({ number: r.number, params: JSON.parse(r.params) as TrialParams, state: r.state, value: r.value, runDir: r.run_dir, error: r.error, startedAt: r.started_at, finishedAt: r.finished_at }));
  }

  /** Claims trial `number` (atomically: false when another process holds or finished it). */
  claim(number: number, params: TrialParams, now: Date): boolean {
    const tx = this.db.transaction(() => {
      const row = this.db.query<{ state: TrialState }, [string, number]>("SELECT state FROM trial WHERE study = ? AND number = ?").get(this.config.name, number);
      if (row) return false;
      this.db.query("INSERT INTO trial (study, number, params, state, started_at) VALUES (?, ?, ?, 'running', ?)").run(this.config.name, number, JSON.stringify(params), now.toISOString());
      return true;
    });
    return tx.immediate() as boolean;
  }

  /** Forgets trials left `running` by a killed study, so they are run again. */
  releaseStale(): number[] {
    const stale = this.db.query<{ number: number }, [string]>("SELECT number FROM trial WHERE study = ? AND state = 'running'").all(this.config.name).map((r) => r.number);
    this.db.query("DELETE FROM intermediate WHERE study = ? AND number IN (SELECT number FROM trial WHERE study = ? AND state = 'running')").run(this.config.name, this.config.name);
    this.db.query("DELETE FROM trial WHERE study = ? AND state = 'running'").run(this.config.name);
    return stale;
  }

  finish(number: number, state: Exclude<TrialState, "running">, fields: { value?: number | null; runDir?: string | null; error?: string | null }, now: Date): void {
    this.db
      .query("UPDATE trial SET state = ?, value = ?, run_dir = ?, error = ?, finished_at = ? WHERE study = ? AND number = ?")
      .run(state, fields.value ?? null, fields.runDir ?? null, fields.error ?? null, now.toISOString(), this.config.name, number);
  }

  report(number: number, epoch: number, value: number): void {
    this.db.query("INSERT OR REPLACE INTO intermediate (study, number, epoch, value) VALUES (?, ?, ?, ?)").run(this.config.name, number, epoch, value);
  }

  /** Intermediate values at `epoch` of the trials that finished (complete or pruned), except `number`. */
  valuesAtEpoch(epoch: number, exceptNumber: number): number[] {
    return this.db
      .query<{ value: number }, [string, number, number]>(
        "SELECT i.value FROM intermediate i JOIN trial t ON t.study = i.study AND t.number = i.number WHERE i.study = ? AND i.epoch = ? AND t.state IN ('complete', 'pruned') AND i.number != ?",
      )
      .all(this.config.name, epoch, exceptNumber)
      .map((r) => r.value);
  }

  close(): void {
    this.db.close();
  }
}
