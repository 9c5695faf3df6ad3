#!/usr/bin/env bash
# Throughput and latency of our server against a SwiftNIO baseline (Hummingbird 2), with wrk,
# with and without IDLE keep-alive connections held open meanwhile, and the server's memory
# for those idle connections. Not part of `swift test`.
# Usage: Benchmarks/run.sh   (DURATION=10s CONNECTIONS=50 IDLE=10000 to change)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-50}
IDLE=${IDLE:-10000}
THREADS=${THREADS:-2}
OURS_PORT=18080
BASELINE_PORT=18081
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n 16384

swift build -c release --product portfolio-registry >/dev/null
(cd Benchmarks/nio-baseline && swift build -c release >/dev/null)
BIN=.build/release/portfolio-registry

workdir=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$workdir"; }
trap cleanup EXIT

DB="$workdir/bench.sqlite"
$BIN agency create --code BENCH --name "Benchmark Agency" --db "$DB" >/dev/null
TOKEN=$($BIN token issue --agency BENCH --db "$DB")
$BIN serve --port $OURS_PORT --db "$DB" --max-connections $((IDLE + 1024)) >"$workdir/ours.log" 2>&1 &
ours=$!; pids+=($ours)
Benchmarks/nio-baseline/.build/release/NIOBaseline $BASELINE_PORT Public >"$workdir/baseline.log" 2>&1 &
baseline=$!; pids+=($baseline)
for port in $OURS_PORT $BASELINE_PORT; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done

# One published project to read (below the thresholds, so it can be submitted without a business case).
id=$(curl -fs -X POST "http://127.0.0.1:$OURS_PORT/api/v1/projects" -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
  -d '{"external_id":"READ-1","title":"Read benchmark","whole_life_cost":500000,"planned_end_date":"2028-12-31","owner":{"name":"A"}}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -fs -X POST "http://127.0.0.1:$OURS_PORT/api/v1/projects/$id/transitions" -H "Authorization: Bearer $TOKEN" \
  -H "Content-Type: application/json" -d '{"to":"submitted"}' >/dev/null

rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# One wrk run: prints "rps p50 p99 errors".
measure() {
  local url=$1 out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(grep -E "Non-2xx|Socket errors" <<<"$out" | tr '\n' ' ' || true)
  echo "$rps $p50 $p99 ${errors:-}"
}

declare -A results
report() {
  local label=$1 pid=$2 port=$3 path=$4 idle=$5
  local holder="" memory=""
  if [ "$idle" -gt 0 ]; then
    local before; before=$(rss "$pid")
    python3 Benchmarks/idle_connections.py "$port" "$idle" 3600 >"$workdir/idle.log" 2>&1 &
    holder=$!
    # Wait until every idle connection has had its one response.
    for _ in $(seq 600); do grep -q "holding" "$workdir/idle.log" 2>/dev/null && break; sleep 0.1; done
    grep -q "holding" "$workdir/idle.log" || { echo "idle connections not established: $(cat "$workdir/idle.log")" >&2; }
    memory="+$(( ($(rss "$pid") - before) / 1024 )) MB for $idle idle"
  fi
  read -r rps p50 p99 errors < <(measure "http://127.0.0.1:$port$path")
  [ -n "$holder" ] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null || true
  results["$label $path $idle"]=$rps
  printf "| %-26s | %-24s | %5s | %10s | %8s | %8s | %s %s\n" "$label" "$path" "$idle" "$rps" "$p50" "$p99" "$memory" "$errors"
  sleep 1 # let closed connections leave both servers
}

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores; idle = keep-alive connections held open meanwhile"
echo "| server                     | path                     |  idle |      req/s |      p50 |      p99 |"
echo "|----------------------------|--------------------------|-------|------------|----------|----------|"
for idle in 0 "$IDLE"; do
  for path in /healthz /static/app.css; do
    report "portfolio-registry" $ours $OURS_PORT $path "$idle"
    report "Hummingbird 2 (SwiftNIO)" $baseline $BASELINE_PORT $path "$idle"
  done
  report "portfolio-registry" $ours $OURS_PORT "/api/v1/projects/$id" "$idle"
done
echo
ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}')" "$1" "$2"; }
echo "/healthz: $(ratio "${results["portfolio-registry /healthz 0"]}" "${results["Hummingbird 2 (SwiftNIO) /healthz 0"]}")× Hummingbird's /healthz"
echo "project read: $(ratio "${results["portfolio-registry /api/v1/projects/$id 0"]}" "${results["Hummingbird 2 (SwiftNIO) /healthz 0"]}")× Hummingbird's /healthz"
echo "cost of $IDLE idle connections on /healthz: $(python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{(1 - b / a) * 100:.1f} %')" "${results["portfolio-registry /healthz 0"]}" "${results["portfolio-registry /healthz $IDLE"]}")"
echo "peak resident memory: portfolio-registry $(awk '/VmHWM/ {print $2, $3}' /proc/$ours/status), Hummingbird $(awk '/VmHWM/ {print $2, $3}' /proc/$baseline/status)"
