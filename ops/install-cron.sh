#!/bin/sh
# Adds the nightly check to the current user's crontab, keeping every other entry; running it
# again replaces only its own line. Usage: ops/install-cron.sh ["30 2 * * *"]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WHEN=${1:-"30 2 * * *"}
MARK="# mammo-density nightly repro"
LINE="$WHEN $ROOT/ops/nightly.sh $MARK"
current=$(crontab -l 2>/dev/null || true)
{ printf '%s\n' "$current" | grep -vF "$MARK" | sed '/^$/d'; printf '%s\n' "$LINE"; } | crontab -
echo "crontab: $LINE"
