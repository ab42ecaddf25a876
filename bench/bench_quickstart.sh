#!/bin/bash
# The README quickstart, timed: from an empty SHOPMIND_VAR_DIR, ingest the 20-row Shopify sample
# export, create a storefront key, start `shopmind serve`, poll /search until a sample product is
# found. Prints the seconds of each step; run it a few times and quote the median.
#   bash bench/bench_quickstart.sh [RUNS] [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
PORT=${2:-8917}
BIN=${SHOPMIND_BIN:-.venv/bin/shopmind}
for run in $(seq "$RUNS"); do
  VAR=$(mktemp -d)
  export SHOPMIND_VAR_DIR=$VAR SHOPMIND_ARTIFACTS_DIR=$VAR/artifacts SHOPMIND_PORT=$PORT
  unset SHOPMIND_DATABASE_URL
  t0=$(date +%s.%N)
  "$BIN" ingest products docs/examples/shopify_products.csv >"$VAR/ingest.log" 2>&1
  t1=$(date +%s.%N)
  KEY=$("$BIN" keys create --scope storefront --name quickstart 2>/dev/null)
  "$BIN" serve >"$VAR/serve.log" 2>&1 &
  PID=$!
  until curl -sf -H "X-API-Key: $KEY" "http://127.0.0.1:$PORT/search?q=scented+candle" 2>/dev/null \
      | grep -q ember-scented-candle; do
    kill -0 "$PID" 2>/dev/null || { echo "the server stopped: $VAR/serve.log"; exit 1; }
    sleep 0.2
  done
  t2=$(date +%s.%N)
  kill "$PID"; wait "$PID" 2>/dev/null || true
  printf 'run %d: ingest %.1f s, key + serve + first search hit %.1f s, total %.1f s\n' \
    "$run" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$t2 - $t0" | bc)"
  rm -rf "$VAR"
done
