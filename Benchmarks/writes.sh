#!/usr/bin/env bash
# Durable writes side by side (issue 10): `POST /api/v1/projects` on this server, with N
# projects already registered, against a plain insert on Hummingbird 2 (Benchmarks/nio-baseline:
# JSON decoded, one row inserted, synchronous=FULL, WAL) with N rows, in one run; then every
# acknowledged creation is checked on disk. Each round starts from the same N. Not part of `swift test`.
# Usage: Benchmarks/writes.sh   (N=10000 DURATION=10s CONNECTIONS=50 ROUNDS=1 WORKERS= AGENCIES=0)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-50}
ROUNDS=${ROUNDS:-1}
PORT=18083
BASELINE_PORT=18084
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
(cd Benchmarks/nio-baseline && swift build -c release >/dev/null)
SERVE_FLAGS="${WORKERS:+--workers $WORKERS} ${SERVE_FLAGS:-}"
source Benchmarks/portfolio-fixture.sh
start_server
import_projects >/dev/null

BASELINE_DB="$workdir/baseline.sqlite"
start_baseline() {
  Benchmarks/nio-baseline/.build/release/NIOBaseline $BASELINE_PORT Public "$BASELINE_DB" >>"$workdir/baseline.log" 2>&1 &
  baseline=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$BASELINE_PORT/healthz" >/dev/null && break; sleep 0.1; done
}
stop_both() {
  stop_server
  kill "$baseline"; wait "$baseline" 2>/dev/null || true
  sqlite3 "$BASELINE_DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
}
start_baseline
trap 'kill $server $baseline 2>/dev/null || true; rm -rf "$workdir"' EXIT
python3 - "$BASELINE_DB" "$N" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executemany("INSERT INTO projects (external_id, title, whole_life_cost, planned_end_date, created_at) VALUES (?, ?, ?, ?, ?)",
               ((f"B-{i}", f"Project {i}", 1000.5, "2028-12-31", "2026-01-01T00:00:00Z") for i in range(int(sys.argv[2]))))
db.commit()
PY

export TOKEN
count() { sqlite3 "$1" "SELECT count(*) FROM projects"; }

# One wrk run: "rps p50 p99 2xx-responses errors".
measure() {
  local out
  out=$(${WRK_PREFIX:-} wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s Benchmarks/create_project.lua "$1")
  local total non2xx
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '$1=="50%" {print $2}' <<<"$out") $(awk '$1=="99%" {print $2}' <<<"$out") $((total - ${non2xx:-0})) $(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ')"
}

# Every round starts from the same N projects and N rows: both files are kept as they are now,
# and put back, with both servers started afresh, before each round (a round creates tens of
# thousands of projects, and the next would otherwise measure a larger registry).
stop_both
cp "$DB" "$workdir/registry-start.sqlite"
cp "$BASELINE_DB" "$workdir/baseline-start.sqlite"
fresh_start() {
  stop_both
  for file in "$DB" "$BASELINE_DB"; do rm -f "$file-wal" "$file-shm"; done
  cp "$workdir/registry-start.sqlite" "$DB"
  cp "$workdir/baseline-start.sqlite" "$BASELINE_DB"
  start_server
  start_baseline
  # Warm-up: the first write after a start builds the similarity index and the portfolio
  # projection over every project (start-up work, not the write's); then 2 s of load on each.
  for url in "http://127.0.0.1:$PORT" "http://127.0.0.1:$BASELINE_PORT"; do
    wrk -t2 -c"$CONNECTIONS" -d2s -s Benchmarks/create_project.lua "$url" >/dev/null
  done
}
start_server
start_baseline

echo "wrk -t2 -c$CONNECTIONS -d$DURATION -s create_project.lua on $(nproc) cores, $N projects registered beforehand, after a warm-up, each round from the same start"
printf "| %-34s | %10s | %8s | %8s | %s\n" "server" "req/s" "p50" "p99" "acknowledged → on disk"
for round in $(seq "$ROUNDS"); do
  fresh_start
  before=$(count "$DB")
  read -r rps p50 p99 acknowledged errors < <(measure "http://127.0.0.1:$PORT")
  stored=$(( $(count "$DB") - before ))
  printf "| %-34s | %10s | %8s | %8s | %s → %s %s\n" "portfolio-registry (all rules)" "$rps" "$p50" "$p99" "$acknowledged" "$stored" "$errors"
  before=$(count "$BASELINE_DB")
  read -r rps p50 p99 acknowledged errors < <(measure "http://127.0.0.1:$BASELINE_PORT")
  stored=$(( $(count "$BASELINE_DB") - before ))
  printf "| %-34s | %10s | %8s | %8s | %s → %s %s\n" "Hummingbird 2, plain SQLite insert" "$rps" "$p50" "$p99" "$acknowledged" "$stored" "$errors"
done
curl -fs "http://127.0.0.1:$PORT/metrics" | grep -E '^registry_write' || true
