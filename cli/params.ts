import type { z } from "zod";
import { toFlag } from "../lib/task/flags.ts";

/** What the CLI knows about one param, read off the task's zod schema. */
export interface ParamSpec {
  /** camelCase key in the params object. */
  key: string;
  /** `--kebab-case` flag. */
  flag: string;
  kind: "number" | "integer" | "string" | "boolean" | "enum" | "array" | "json";
  /** Element kind for arrays. */
  element?: ParamSpec["kind"];
  choices?: readonly string[];
  default?: unknown;
  required: boolean;
  description: string;
}

interface ZodInternals {
  _zod: { def: { type: string; innerType?: ZodInternals; element?: ZodInternals; entries?: Record<string, string>; defaultValue?: unknown; checks?: { _zod: { def: { check: string; format?: string } } }[]; in?: ZodInternals } };
  description?: string;
  format?: string | null;
  isInt?: boolean;
}

function baseKind(schema: ZodInternals): Pick<ParamSpec, "kind" | "element" | "choices"> {
  const def = schema._zod.def;
  switch (def.type) {
    case "number":
      return { kind: schema.isInt || schema.format === "safeint" ? "integer" : "number" };
    case "string":
      return { kind: "string" };
    case "boolean":
      return { kind: "boolean" };
    case "enum":
      return { kind: "enum", choices: Object.values(def.entries ?? {}) };
    case "array": {
      const el = def.element ? baseKind(unwrap(def.element).schema) : { kind: "string" as const };
      return { kind: "array", element: el.kind, ...(el.choices ? { choices: el.choices } : {}) };
    }
    case "pipe":
      return def.in ? baseKind(unwrap(def.in).schema) : { kind: "json" };
    default:
      return { kind: "json" };
  }
}

function unwrap(schema: ZodInternals): { schema: ZodInternals; required: boolean; default?: unknown; description?: string } {
  let current = schema;
  let required = true;
  let dflt: unknown;
  let description = current.description;
  for (;;) {
    const def = current._zod.def;
    if (def.type === "default" || def.type === "prefault") {
      required = false;
      dflt = def.defaultValue;
    } else if (def.type === "optional" || def.type === "nullable") {
      required = false;
    } else break;
    if (!def.innerType) break;
    current = def.innerType;
    description ??= current.description;
  }
  return { schema: current, required, ...(dflt !== undefined ? { default: dflt } : {}), ...(description ? { description } : {}) };
}

/** The params of a task's schema, in declaration order. */
export function paramSpecs(schema: z.ZodObject): ParamSpec[] {
  return Object.entries(schema.shape).map(([key, field]) => {
    const u = unwrap(field as unknown as ZodInternals);
    return {
      key,
      flag: toFlag(key),
      ...baseKind(u.schema),
      required: u.required,
      ...(u.default !== undefined ? { default: u.default } : {}),
      description: u.description ?? "",
    };
  });
}
