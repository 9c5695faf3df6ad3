#!/usr/bin/env bash
# Throughput and latency of our server against a SwiftNIO baseline (Hummingbird 2), with wrk.
# Not part of `swift test`. Usage: Benchmarks/run.sh   (DURATION=10s CONNECTIONS=50 IDLE=1000 to change)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-50}
IDLE=${IDLE:-1000}
THREADS=${THREADS:-2}
OURS_PORT=18080
BASELINE_PORT=18081
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
ulimit -n 16384

swift build -c release --product portfolio-registry >/dev/null
(cd Benchmarks/nio-baseline && swift build -c release >/dev/null)

workdir=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$workdir"; }
trap cleanup EXIT

.build/release/portfolio-registry serve --port $OURS_PORT --db "$workdir/bench.sqlite" \
  --max-connections 4096 >"$workdir/ours.log" 2>&1 &
ours=$!; pids+=($ours)
Benchmarks/nio-baseline/.build/release/NIOBaseline $BASELINE_PORT Public >"$workdir/baseline.log" 2>&1 &
baseline=$!; pids+=($baseline)
for port in $OURS_PORT $BASELINE_PORT; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done

# One wrk run: prints "rps p50 p99".
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

report() {
  local label=$1 port=$2 path=$3 idle=$4
  local holder=""
  if [ "$idle" -gt 0 ]; then
    python3 Benchmarks/idle_connections.py "$port" "$idle" 3600 >"$workdir/idle.log" 2>&1 &
    holder=$!
    # Wait until every idle connection has had its one response.
    for _ in $(seq 300); do grep -q "holding" "$workdir/idle.log" 2>/dev/null && break; sleep 0.1; done
  fi
  read -r rps p50 p99 errors < <(measure "http://127.0.0.1:$port$path")
  [ -n "$holder" ] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null || true
  printf "| %-26s | %-14s | %5s | %10s | %8s | %8s | %s\n" "$label" "$path" "$idle" "$rps" "$p50" "$p99" "$errors"
}

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores; idle = keep-alive connections held open meanwhile"
echo "| server                     | path           |  idle |      req/s |      p50 |      p99 |"
echo "|----------------------------|----------------|-------|------------|----------|----------|"
for idle in 0 "$IDLE"; do
  for path in /healthz /static/app.css; do
    report "portfolio-registry" $OURS_PORT $path "$idle"
    report "Hummingbird 2 (SwiftNIO)" $BASELINE_PORT $path "$idle"
  done
done
echo
echo "peak resident memory: portfolio-registry $(awk '/VmHWM/ {print $2, $3}' /proc/$ours/status), Hummingbird $(awk '/VmHWM/ {print $2, $3}' /proc/$baseline/status)"
