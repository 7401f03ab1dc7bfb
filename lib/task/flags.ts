/** `valFrac` → `--val-frac`; a digit run starts a word too: `includeClass5` → `--include-class-5` (upstream's spelling). */
export function toFlag(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/([a-z])(\d)/g, "$1-$2")}`;
}

/** `val-frac`, `val_frac`, `include-class-5` and `valFrac` all become camelCase keys. */
export function toKey(name: string): string {
  return name.replace(/^-+/, "").replace(/[-_]([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
