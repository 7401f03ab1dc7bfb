import cliProgress from "cli-progress";

/** One running progress display. `payload` is shown next to the bar (loss, images/s, …). */
export interface ProgressBar {
  /** Set the number of finished units. */
  update(done: number, payload?: Record<string, string | number>): void;
  /** Add `n` finished units (default 1). */
  increment(n?: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

/** Starts progress displays; `total` in units (files, steps, folds). */
export type Progress = (label: string, total: number) => ProgressBar;

export const quietProgress: Progress = () => ({ update() {}, increment() {}, stop() {} });

function formatPayload(payload: Record<string, string | number> | undefined): string {
  if (!payload) return "";
  return Object.entries(payload)
    .map(([k, v]) => `${k} ${typeof v === "number" ? (Number.isInteger(v) ? v : v.toPrecision(4)) : v}`)
    .join(" | ");
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** Plain-line interval: `MAMMO_PROGRESS_INTERVAL_MS` (set by the pipeline for its child tasks), else 10 s. */
function defaultInterval(): number {
  const v = Number(process.env.MAMMO_PROGRESS_INTERVAL_MS);
  return Number.isFinite(v) && v > 0 ? v : 10_000;
}

/**
 * A live bar with rate and ETA when `stream` is a TTY; otherwise a plain line at most every
 * `intervalMs` (and at the end), which reads well in cron mail and CI logs.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr, intervalMs = defaultInterval(), now: () => number = () => performance.now()): Progress {
  if (stream.isTTY) {
    return (label, total) => {
      const bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${label} [{bar}] {value}/{total} {percentage}% | {rate}/s | ETA {eta_formatted} {extra}`,
          barsize: 24,
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      const start = now();
      let value = 0;
      bar.start(total, 0, { rate: "0", extra: "" });
      const show = (payload?: Record<string, string | number>) => {
        const elapsed = (now() - start) / 1000;
        bar.update(value, { rate: elapsed > 0 ? (value / elapsed).toFixed(1) : "0", extra: formatPayload(payload) });
      };
      return {
        update(done, payload) {
          value = done;
          show(payload);
        },
        increment(n = 1, payload) {
          value += n;
          show(payload);
        },
        stop: () => bar.stop(),
      };
    };
  }
  return (label, total) => {
    const start = now();
    let last = start;
    let value = 0;
    let lastPayload: Record<string, string | number> | undefined;
    const line = () => {
      const elapsed = (now() - start) / 1000;
      const rate = elapsed > 0 ? value / elapsed : 0;
      const eta = rate > 0 ? (total - value) / rate : Number.POSITIVE_INFINITY;
      const extra = formatPayload(lastPayload);
      stream.write(`${label}: ${value}/${total} (${total ? Math.round((100 * value) / total) : 100}%) ${rate.toFixed(1)}/s, elapsed ${formatSeconds(elapsed)}, ETA ${formatSeconds(eta)}${extra ? ` | ${extra}` : ""}\n`);
    };
    const maybe = () => {
      const t = now();
      if (t - last >= intervalMs) {
        last = t;
        line();
      }
    };
    return {
      update(done, payload) {
        value = done;
        lastPayload = payload ?? lastPayload;
        maybe();
      },
      increment(n = 1, payload) {
        value += n;
        lastPayload = payload ?? lastPayload;
        maybe();
      },
      stop() {
        line();
      },
    };
  };
}
