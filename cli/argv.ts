import { readFileSync, existsSync } from "node:fs";
import { usageError } from "../lib/errors/index.ts";
import { closest } from "../lib/task/suggest.ts";
import type { TaskDefinition } from "../lib/task/index.ts";
import { paramSpecs, type ParamSpec } from "./params.ts";
import { toKey } from "../lib/task/flags.ts";

/** Flags every task accepts, handled by the CLI itself. */
export const GLOBAL_FLAGS = ["--help", "--debug", "--quiet", "--event"] as const;

export interface ParsedArgs {
  params: Record<string, unknown>;
  help: boolean;
  debug: boolean;
  quiet: boolean;
}

function parseScalar(spec: ParamSpec, kind: ParamSpec["kind"], raw: string): unknown {
  switch (kind) {
    case "number":
    case "integer": {
      const value = raw.trim() === "" ? Number.NaN : Number(raw);
      if (!Number.isFinite(value)) throw usageError("bad_value", `invalid ${spec.flag}: ${raw} (expected a number)`);
      if (kind === "integer" && !Number.isInteger(value)) throw usageError("bad_value", `invalid ${spec.flag}: ${raw} (expected an integer)`);
      return value;
    }
    case "boolean":
      if (/^(true|1|yes|on)$/i.test(raw)) return true;
      if (/^(false|0|no|off)$/i.test(raw)) return false;
      throw usageError("bad_value", `invalid ${spec.flag}: ${raw} (expected true or false)`);
    case "enum":
      if (spec.choices && !spec.choices.includes(raw)) {
        const hint = closest(raw, spec.choices);
        throw usageError("bad_value", `invalid ${spec.flag}: ${raw} (expected one of ${spec.choices.join(", ")}${hint ? `; did you mean ${hint}?` : ""})`);
      }
      return raw;
    case "json":
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

/** Reads the `--event` JSON file: an object of params, keys in any of camelCase, kebab-case or snake_case. */
export function readEvent(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw usageError("missing_file", `--event file not found: ${path}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw usageError("bad_event", `--event ${path} is not valid JSON (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw usageError("bad_event", `--event ${path} must hold a JSON object of params`);
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [toKey(k), v]));
}

/** The param a `--flag` names, `--no-flag` included for booleans; an unknown flag is an error with a suggestion. */
function lookupFlag(name: string, specs: readonly ParamSpec[], byFlag: ReadonlyMap<string, ParamSpec>): { spec: ParamSpec; negated: boolean } {
  const spec = byFlag.get(name);
  if (spec) return { spec, negated: false };
  const positive = name.startsWith("--no-") ? byFlag.get(`--${name.slice(5)}`) : undefined;
  if (positive?.kind === "boolean") return { spec: positive, negated: true };
  const candidates = [...byFlag.keys(), ...GLOBAL_FLAGS, ...specs.filter((s) => s.kind === "boolean").map((s) => `--no-${s.flag.slice(2)}`)];
  const hint = closest(name, candidates);
  throw usageError("unknown_flag", `unknown flag: ${name}${hint ? ` (did you mean ${hint}?)` : ""}`);
}

/**
 * Stores one flag's value in `params`: a boolean (`--x`, `--no-x`, `--x=false`), one more element
 * of an array (repeated flags), or a scalar (given once). `value` reads the flag's value when it
 * takes one.
 */
function storeFlag(params: Record<string, unknown>, name: string, { spec, negated }: { spec: ParamSpec; negated: boolean }, inline: string | undefined, value: () => string): void {
  if (spec.kind === "boolean") {
    if (negated && inline !== undefined) throw usageError("bad_value", `${name} takes no value`);
    params[spec.key] = negated ? false : inline !== undefined ? parseScalar(spec, "boolean", inline) : true;
  } else if (spec.kind === "array") {
    const list = (params[spec.key] as unknown[] | undefined) ?? [];
    list.push(parseScalar(spec, spec.element ?? "string", value()));
    params[spec.key] = list;
  } else {
    if (spec.key in params) throw usageError("repeated_flag", `${name} given twice (${JSON.stringify(params[spec.key])} and ${value()})`);
    params[spec.key] = parseScalar(spec, spec.kind, value());
  }
}

/** Stores bare arguments in the task's positional param (the experiment file of `pipeline`). */
function storePositional(params: Record<string, unknown>, task: TaskDefinition, specs: readonly ParamSpec[], positional: readonly string[]): void {
  if (!positional.length) return;
  const spec = task.positional ? specs.find((s) => s.key === task.positional) : undefined;
  if (!spec) throw usageError("unexpected_argument", `unexpected argument: ${positional[0]} (task ${task.name} takes only --flags)`);
  if (spec.kind === "array") params[spec.key] = [...((params[spec.key] as unknown[] | undefined) ?? []), ...positional.map((p) => parseScalar(spec, spec.element ?? "string", p))];
  else if (positional.length > 1) throw usageError("unexpected_argument", `unexpected argument: ${positional[1]} (${task.name} takes one ${spec.flag.slice(2)})`);
  else params[spec.key] = parseScalar(spec, spec.kind, positional[0] as string);
}

/** Refuses an `--event` key that is no param of the task, with a suggestion. */
function checkEventKeys(event: Record<string, unknown>, specs: readonly ParamSpec[]): void {
  const known = new Set(specs.map((s) => s.key));
  for (const key of Object.keys(event)) {
    if (known.has(key)) continue;
    const hint = closest(key, [...known]);
    throw usageError("unknown_param", `unknown param in --event file: ${key}${hint ? ` (did you mean ${hint}?)` : ""}`);
  }
}

/**
 * Turns command-line arguments into raw params for `task` (validated later by its schema).
 * `--x v` and `--x=v`; booleans as `--x` / `--no-x`; arrays as repeated flags; `--event f.json`
 * supplies params that flags then override.
 */
export function parseArgs(task: TaskDefinition, argv: readonly string[]): ParsedArgs {
  const specs = paramSpecs(task.params);
  const byFlag = new Map(specs.map((s) => [s.flag, s]));
  const out: ParsedArgs = { params: {}, help: false, debug: false, quiet: false };
  const fromFlags: Record<string, unknown> = {};
  const positional: string[] = [];
  let event: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") continue;
    if (arg === "-h") {
      out.help = true;
      continue;
    }
    if (!arg.startsWith("--") || arg === "-") {
      if (arg.startsWith("-") && arg !== "-") throw usageError("unknown_flag", `unknown flag: ${arg} (flags start with --)`);
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[i + 1];
      if (v === undefined || (v.startsWith("--") && v.length > 2)) throw usageError("missing_value", `missing value for ${name}`);
      i++;
      return v;
    };
    if (name === "--help") out.help = true;
    else if (name === "--debug") out.debug = true;
    else if (name === "--quiet") out.quiet = true;
    else if (name === "--event") event = readEvent(value());
    else storeFlag(fromFlags, name, lookupFlag(name, specs, byFlag), inline, value);
  }
  storePositional(fromFlags, task, specs, positional);
  checkEventKeys(event, specs);
  out.params = { ...event, ...fromFlags };
  return out;
}
