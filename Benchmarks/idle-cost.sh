#!/usr/bin/env bash
# What IDLE keep-alive connections held open cost `/healthz` throughput (issue 9's "under 5 %"),
# measured so that this shared machine's swings do not decide it: ROUNDS rounds, each a wrk run
# without the idle connections and one with them, interleaved, and the medians compared. Our
# server only; loopback; stops by itself. Not part of `swift test`.
# Usage: Benchmarks/idle-cost.sh   (ROUNDS=7 DURATION=8s CONNECTIONS=50 IDLE=10000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-7}
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-50}
IDLE=${IDLE:-10000}
PORT=18085
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n 16384
swift build -c release --product portfolio-registry >/dev/null
BIN=.build/release/portfolio-registry
workdir=$(mktemp -d)
server=; holder=
trap 'kill $holder $server 2>/dev/null || true; rm -rf "$workdir"' EXIT
$BIN serve --port $PORT --db "$workdir/bench.sqlite" --max-connections $((IDLE + 1024)) >"$workdir/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

rps() { wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$PORT/healthz" | awk '/Requests\/sec/ {print $2}'; }
without=(); with=()
for round in $(seq "$ROUNDS"); do
  without+=("$(rps)")
  python3 Benchmarks/idle_connections.py "$PORT" "$IDLE" 3600 >"$workdir/idle.log" 2>&1 &
  holder=$!
  for _ in $(seq 600); do grep -q "holding" "$workdir/idle.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "holding" "$workdir/idle.log" || { echo "idle connections not established: $(cat "$workdir/idle.log")" >&2; exit 1; }
  with+=("$(rps)")
  kill "$holder"; wait "$holder" 2>/dev/null || true; holder=
  sleep 1
  echo "round $round: without ${without[-1]} req/s, with $IDLE idle ${with[-1]} req/s"
done
python3 - "${without[*]}" "${with[*]}" "$IDLE" <<'PY'
import statistics, sys
without = [float(x) for x in sys.argv[1].split()]
with_idle = [float(x) for x in sys.argv[2].split()]
a, b = statistics.median(without), statistics.median(with_idle)
pairs = [(1 - w / o) * 100 for o, w in zip(without, with_idle)]
print(f"median without: {a:,.0f} req/s; median with {sys.argv[3]} idle: {b:,.0f} req/s; cost of the idle connections: {(1 - b / a) * 100:.1f} %")
print(f"round by round: {', '.join(f'{p:+.1f} %' for p in pairs)}; median of the rounds' costs: {statistics.median(pairs):.1f} %")
PY
