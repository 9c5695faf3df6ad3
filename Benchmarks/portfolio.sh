#!/usr/bin/env bash
# Portfolio-scale timings (issue 4's targets): import N projects from CSV, the overview of all
# of them, and the CSV export. Usage: N=100000 Benchmarks/portfolio.sh   (default N=10000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
PORT=18083
swift build -c release --product portfolio-registry >/dev/null 2>&1
BIN=.build/release/portfolio-registry
workdir=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$workdir"' EXIT
DB="$workdir/portfolio.sqlite"
$BIN agency create --code BENCH --name "Benchmark Agency" --db "$DB" >/dev/null
TOKEN=$($BIN token issue --agency BENCH --db "$DB")
CENTRE=$($BIN token issue --role centre --db "$DB")
$BIN serve --port $PORT --db "$DB" --log-level info --max-body-size 200000000 >"$workdir/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

python3 - "$N" >"$workdir/import.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("external_id,title,description,category,whole_life_cost,planned_end_date,risk_rating,systems,datasets", end="\r\n")
for i in range(n):
    print(f'B-{i},Project {i},"Description of project {i}, with a comma",cat{i % 7},{(i * 7919) % 9000000 + 1000}.50,2028-12-31,{i % 5 + 1},System {i % 4000},Data {i % 3000}', end="\r\n")
PY

# Wall time as the client sees it (including starting curl), then the server's own time for the
# request from its log line.
time_it() {
  local start end
  start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N)
  sleep 0.25  # request log lines are written in batches every 100 ms
  python3 -c "print(f'{($end - $start) * 1000:.0f} ms (server: ' + '$(tail -n 1 "$workdir/server.log" | grep -o '[0-9.]*ms' | tail -n 1)' + ')')"
}
echo "N = $N projects"
echo "import (one request, one transaction): $(time_it curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/import/projects" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' --data-binary @"$workdir/import.csv")"
# Publish them all for the export (benchmark set-up only: straight in the database, bypassing the rules).
kill -TERM $server; wait $server || true
sqlite3 "$DB" "UPDATE projects SET status = 'submitted'"
$BIN serve --port $PORT --db "$DB" --log-level info --max-body-size 200000000 >"$workdir/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
echo "overview, first after start:        $(time_it curl -fs "http://127.0.0.1:$PORT/api/v1/portfolio/overview" -H "Authorization: Bearer $CENTRE")   (waits for the projection's first build)"
echo "overview, again (cached body):       $(time_it curl -fs "http://127.0.0.1:$PORT/api/v1/portfolio/overview" -H "Authorization: Bearer $CENTRE")"
for i in 1 2 3; do
  echo "a write (POST one project):          $(time_it curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/projects" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"external_id\":\"NEW-$i\",\"title\":\"New project $i\",\"whole_life_cost\":250000,\"planned_end_date\":\"2029-06-30\",\"systems\":[\"System $i\"]}")"
  echo "overview, fresh after that write:    $(time_it curl -fs "http://127.0.0.1:$PORT/api/v1/portfolio/overview" -H "Authorization: Bearer $CENTRE")"
  echo "overview, filtered, fresh:           $(time_it curl -fs "http://127.0.0.1:$PORT/api/v1/portfolio/overview?min_cost=1000000&risk_rating=$i&category=cat$i" -H "Authorization: Bearer $CENTRE")"
done
rss() { awk '/VmRSS/ {print $2}' /proc/$server/status; }
before=$(rss)
echo "CSV export, streamed:                $(time_it curl -fs "http://127.0.0.1:$PORT/api/v1/export/projects.csv" -o "$workdir/export.csv")"
echo "server memory before and after the export: ${before} kB, $(rss) kB (flat: the export is written a page at a time)"
echo "export rows: $(($(python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open('$workdir/export.csv', newline=''))))") - 1)); server peak memory: $(awk '/VmHWM/ {print $2, $3}' /proc/$server/status)"
