import { toFlag } from "./flags.ts";

/** Quotes a shell word unless it is made only of characters the shell takes literally. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * The command line that runs `task` with `params` (as its artifact records them): one flag per
 * param in the given order, arrays as repeated flags, `false` booleans as `--no-x`; absent values
 * are left out. Built from params rather than from the typed command line, so the same run always
 * prints the same command.
 */
export function taskCommand(task: string, params: Record<string, unknown>): string {
  const words = ["bun", "run", "task", task];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    const flag = toFlag(key);
    if (Array.isArray(value)) for (const v of value) words.push(flag, shellWord(String(v)));
    else if (typeof value === "boolean") words.push(value ? flag : `--no-${flag.slice(2)}`);
    else if (typeof value === "object") words.push(flag, shellWord(JSON.stringify(value)));
    else words.push(flag, shellWord(String(value)));
  }
  return words.join(" ");
}
