import type { TaskDefinition } from "../lib/task/index.ts";
import { paramSpecs, type ParamSpec } from "./params.ts";

function valueHint(spec: ParamSpec): string {
  if (spec.kind === "boolean") return "";
  const kind = spec.kind === "array" ? spec.element ?? "string" : spec.kind;
  if (spec.choices) return ` <${spec.choices.join("|")}>`;
  return ` <${kind === "integer" ? "int" : kind === "json" ? "value" : kind}>`;
}

function defaultText(spec: ParamSpec): string {
  if (spec.required) return " (required)";
  if (spec.default === undefined) return "";
  if (Array.isArray(spec.default)) return spec.default.length ? ` (default: ${spec.default.join(" ")})` : "";
  if (spec.kind === "boolean") return spec.default ? ` (default: on; --no-${spec.flag.slice(2)} turns it off)` : " (default: off)";
  return ` (default: ${String(spec.default)})`;
}

/** `--help` of one task: every option with its default and meaning. */
export function taskHelp(task: TaskDefinition, invokedAs = task.name): string {
  const specs = paramSpecs(task.params);
  const rows = specs.map((s) => {
    const left = `  ${s.flag}${valueHint(s)}`;
    const repeat = s.kind === "array" ? " (repeatable)" : "";
    return [left, `${s.description}${repeat}${defaultText(s)}`] as const;
  });
  rows.push(["  --event <file.json>", "read params from a JSON file (flags override it)"]);
  rows.push(["  --debug", "print stack traces and debug lines"]);
  rows.push(["  --quiet", "print only warnings and errors"]);
  rows.push(["  --help", "show this help"]);
  const width = Math.min(40, Math.max(...rows.map(([l]) => l.length)) + 2);
  const lines = [
    `Usage: bun run task ${invokedAs}${task.positional ? ` <${task.positional}>` : ""} [options]`,
    "",
    task.description,
    ...(task.aliases?.length ? ["", `Aliases: ${task.aliases.join(", ")}`] : []),
    "",
    "Options:",
    ...rows.map(([l, r]) => (l.length + 2 > width ? `${l}\n${" ".repeat(width)}${r}` : `${l.padEnd(width)}${r}`)),
  ];
  if (task.examples?.length) lines.push("", "Examples:", ...task.examples.map((e) => `  ${e}`));
  return `${lines.join("\n")}\n`;
}

/** `bun run task --help`: the list of tasks. */
export function overviewHelp(tasks: readonly TaskDefinition[], aliases: Record<string, string>): string {
  const width = Math.max(...tasks.map((t) => t.name.length)) + 4;
  const lines = [
    "Usage: bun run task <name> [options]      (bun run task <name> --help for its options)",
    "",
    "Tasks:",
    ...tasks.map((t) => {
      const al = Object.entries(aliases).filter(([, target]) => target === t.name).map(([a]) => a);
      return `  ${t.name.padEnd(width)}${t.description}${al.length ? ` (alias: ${al.join(", ")})` : ""}`;
    }),
    "",
    "Every task also takes --event params.json, --debug and --quiet.",
  ];
  return `${lines.join("\n")}\n`;
}
