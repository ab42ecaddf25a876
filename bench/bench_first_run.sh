#!/bin/bash
# A newcomer's first run, timed: clone the repository into an empty folder (nothing beside it), run
# `make demo`, poll until the storefront page answers, then until the background trainings have
# published the recommender and the assistant's model. Prints each time and the disk used.
#   bash bench/bench_first_run.sh [PORT] [REPO]
# PIP_NO_CACHE_DIR=1 in the environment measures a machine whose pip cache is empty.
set -euo pipefail
PORT=${1:-8931}
REPO=${2:-$(cd "$(dirname "$0")/.." && pwd)}
WORK=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
git clone -q "$REPO" "$WORK/shopmind"
cd "$WORK/shopmind"
t0=$(date +%s.%N)
SHOPMIND_PORT=$PORT make demo >"$WORK/demo.log" 2>&1 &
PID=$!
stamp() { echo "$(date +%s.%N) - $t0" | bc; }
until [ -f .venv/.installed-demo ]; do
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/demo.log"; exit 1; }
  sleep 0.5
done
installed=$(stamp)
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/web/"; do
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/demo.log"; exit 1; }
  sleep 0.5
done
page=$(stamp)
KEY=$(grep -o 'sm_ad_[A-Za-z0-9_-]*' "$WORK/demo.log" | head -1)
serving() { curl -sf -H "X-API-Key: $KEY" "http://127.0.0.1:$PORT/health" \
  | python3 -c "import json,sys; print(json.load(sys.stdin)['models']['$1']['serving'])"; }
until [ "$(serving recommendations)" = model ]; do sleep 2; done
rec=$(stamp)
until [ "$(serving assistant)" = model ]; do sleep 2; done
nlu=$(stamp)
printf 'install %.0f s · first storefront page %.0f s · recommender published %.0f s · assistant model published %.0f s\n' \
  "$installed" "$page" "$rec" "$nlu"
printf 'disk: .venv %s · var %s · artifacts %s\n' "$(du -sh .venv | cut -f1)" "$(du -sh var | cut -f1)" \
  "$(du -sh artifacts 2>/dev/null | cut -f1 || echo 0)"
