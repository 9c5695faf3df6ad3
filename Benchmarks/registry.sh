#!/usr/bin/env bash
# Registry benchmarks: a project read by id against /healthz, and durable project creations.
# Usage: Benchmarks/registry.sh   (DURATION=10s CONNECTIONS=50)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-50}
PORT=18082
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
swift build -c release --product portfolio-registry >/dev/null
BIN=.build/release/portfolio-registry
workdir=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$workdir"' EXIT
DB="$workdir/bench.sqlite"

$BIN agency create --code BENCH --name "Benchmark Agency" --db "$DB" >/dev/null
TOKEN=$($BIN token issue --agency BENCH --db "$DB")
export TOKEN
$BIN serve --port $PORT --db "$DB" >"$workdir/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

# One published project to read (below the thresholds, so it can be submitted without a business case).
id=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/projects" -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
  -d '{"external_id":"READ-1","title":"Read benchmark","whole_life_cost":500000,"planned_end_date":"2028-12-31","owner":{"name":"A"}}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/projects/$id/transitions" -H "Authorization: Bearer $TOKEN" \
  -H "Content-Type: application/json" -d '{"to":"submitted"}' >/dev/null

measure() {
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$@")
  printf "%10s req/s  p50 %8s  p99 %8s  %s\n" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")" "$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ')"
}

echo "wrk -t2 -c$CONNECTIONS -d$DURATION on $(nproc) cores"
echo "GET /healthz:                 $(measure "http://127.0.0.1:$PORT/healthz")"
echo "GET /api/v1/projects/$id:      $(measure "http://127.0.0.1:$PORT/api/v1/projects/$id")"
before=$(sqlite3 "$DB" "SELECT count(*) FROM projects" 2>/dev/null || echo 0)
echo "POST /api/v1/projects:        $(measure -s Benchmarks/create_project.lua "http://127.0.0.1:$PORT")"
kill -TERM $server; wait $server || true
echo "projects stored after the run (all acknowledged creations, synchronous=FULL): $(sqlite3 "$DB" "SELECT count(*) FROM projects")"
