import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
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

/**
 * Study state in SQLite (WAL, busy timeout), shared by the `hpo` task and its worker processes,
 * so a killed study resumes where it stopped and a finished one can be queried with any SQLite
 * client.
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
    const db = new Database(path, { create: true });
    db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000;");
    db.exec(SCHEMA);
    const existing = db.query<StudyConfig, [string]>("SELECT name, sampler, seed, direction, objective, space FROM study WHERE name = ?").get(config.name);
    if (!existing) {
      db.query("INSERT INTO study (name, sampler, seed, direction, objective, space, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)").run(
        config.name, config.sampler, config.seed, config.direction, config.objective, config.space, now.toISOString(),
      );
    } else {
      for (const key of ["sampler", "seed", "direction", "objective", "space"] as const) {
        if (String(existing[key]) !== String(config[key])) {
          db.close();
          throw new TaskError("study_mismatch", `study "${config.name}" in ${path} was created with a different ${key} (${String(existing[key]).slice(0, 80)} ≠ ${String(config[key]).slice(0, 80)}); use another --study name or --outdir`, { exitCode: 2 });
        }
      }
    }
    return new Study(db, config);
  }

  /** Opens an existing study without checking its settings (for workers and queries). */
  static attach(path: string, name: string): Study {
    const db = new Database(path, { readwrite: true });
    db.exec("PRAGMA busy_timeout = 10000;");
    const config = db.query<StudyConfig, [string]>("SELECT name, sampler, seed, direction, objective, space FROM study WHERE name = ?").get(name);
    if (!config) throw new TaskError("no_study", `no study "${name}" in ${path}`, { exitCode: 2 });
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
