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
    const next = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[i + 1];
      if (v === undefined || (v.startsWith("--") && v.length > 2)) throw usageError("missing_value", `missing value for ${name}`);
      i++;
      return v;
    };
    if (name === "--help") {
      out.help = true;
      continue;
    }
    if (name === "--debug") {
      out.debug = true;
      continue;
    }
    if (name === "--quiet") {
      out.quiet = true;
      continue;
    }
    if (name === "--event") {
      event = readEvent(next());
      continue;
    }
    let spec = byFlag.get(name);
    let negated = false;
    if (!spec && name.startsWith("--no-")) {
      const positive = byFlag.get(`--${name.slice(5)}`);
      if (positive?.kind === "boolean") {
        spec = positive;
        negated = true;
      }
    }
    if (!spec) {
      const candidates = [...byFlag.keys(), ...GLOBAL_FLAGS, ...specs.filter((s) => s.kind === "boolean").map((s) => `--no-${s.flag.slice(2)}`)];
      const hint = closest(name, candidates);
      throw usageError("unknown_flag", `unknown flag: ${name}${hint ? ` (did you mean ${hint}?)` : ""}`);
    }
    if (spec.kind === "boolean") {
      if (negated) {
        if (inline !== undefined) throw usageError("bad_value", `${name} takes no value`);
        fromFlags[spec.key] = false;
      } else if (inline !== undefined) {
        fromFlags[spec.key] = parseScalar(spec, "boolean", inline);
      } else {
        fromFlags[spec.key] = true;
      }
      continue;
    }
    if (spec.kind === "array") {
      const list = (fromFlags[spec.key] as unknown[] | undefined) ?? [];
      list.push(parseScalar(spec, spec.element ?? "string", next()));
      fromFlags[spec.key] = list;
      continue;
    }
    if (spec.key in fromFlags) throw usageError("repeated_flag", `${name} given twice (${JSON.stringify(fromFlags[spec.key])} and ${next()})`);
    fromFlags[spec.key] = parseScalar(spec, spec.kind, next());
  }
  if (positional.length) {
    const spec = task.positional ? specs.find((s) => s.key === task.positional) : undefined;
    if (!spec) throw usageError("unexpected_argument", `unexpected argument: ${positional[0]} (task ${task.name} takes only --flags)`);
    if (spec.kind === "array") fromFlags[spec.key] = [...((fromFlags[spec.key] as unknown[] | undefined) ?? []), ...positional.map((p) => parseScalar(spec, spec.element ?? "string", p))];
    else if (positional.length > 1) throw usageError("unexpected_argument", `unexpected argument: ${positional[1]} (${task.name} takes one ${spec.flag.slice(2)})`);
    else fromFlags[spec.key] = parseScalar(spec, spec.kind, positional[0] as string);
  }
  const known = new Set(specs.map((s) => s.key));
  for (const key of Object.keys(event)) {
    if (!known.has(key)) {
      const hint = closest(key, [...known]);
      throw usageError("unknown_param", `unknown param in --event file: ${key}${hint ? ` (did you mean ${hint}?)` : ""}`);
    }
  }
  out.params = { ...event, ...fromFlags };
  return out;
}
