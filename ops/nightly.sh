#!/bin/sh
# The nightly reproducibility check, for cron and systemd. Needs nothing on the PATH but /bin and
# /usr/bin: it runs the Bun that `npm ci` put in node_modules (no npx, no nvm), from the project
# directory this script lives in.
#
#   ops/nightly.sh [repro flags…]        e.g. ops/nightly.sh --backend native
#
# Environment: MAMMO_REPRO_OUTDIR (default outputs/repro) — reports and logs go there: the latest
# report in repro_report.{json,md}, each night's under history/<date>/, each night's log in
# logs/repro-<date>.log (logs older than MAMMO_LOG_DAYS, default 60, are removed);
# MAMMO_NOTIFY — a command run with the Markdown report on its standard input when the check fails
# (e.g. 'mail -s "nightly repro FAILED" you@lab.org'). Exit status: repro's (0 pass, 1 drift, 2 setup).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
OUTDIR=${MAMMO_REPRO_OUTDIR:-outputs/repro}
BUN="$ROOT/node_modules/.bin/bun"
if [ ! -x "$BUN" ]; then
  echo "nightly.sh: $BUN not found: run 'npm ci' in $ROOT first" >&2
  exit 2
fi
mkdir -p "$OUTDIR/logs" || exit 2
LOG="$OUTDIR/logs/repro-$(date -u +%Y-%m-%d).log"
find "$OUTDIR/logs" -name 'repro-*.log' -mtime +"${MAMMO_LOG_DAYS:-60}" -exec rm -f {} + 2>/dev/null
# Last night's report stays under history/; the top-level one is tonight's or none.
rm -f "$OUTDIR/repro_report.md" "$OUTDIR/repro_report.json"
echo "=== $(date -u '+%Y-%m-%d %H:%M:%S') ops/nightly.sh $*" >>"$LOG"
"$BUN" cli/main.ts repro --outdir "$OUTDIR" "$@" >>"$LOG" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
  # cron mails what a job prints; the report when there is one, else the end of the log.
  summary() {
    echo "nightly reproducibility check FAILED (exit $status) on $(uname -n); log: $ROOT/$LOG"
    if [ -f "$OUTDIR/repro_report.md" ]; then cat "$OUTDIR/repro_report.md"; else tail -n 20 "$LOG"; fi
  }
  summary
  if [ -n "${MAMMO_NOTIFY:-}" ]; then summary | sh -c "$MAMMO_NOTIFY"; fi
fi
exit "$status"
