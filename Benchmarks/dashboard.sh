#!/usr/bin/env bash
# The dashboard's pages over N projects (issue 5's target: each under 50 ms at 100,000).
# Imports N projects of one agency from CSV, publishes them, and times each page three times.
# Usage: N=100000 Benchmarks/dashboard.sh   (default N=10000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
PORT=18085
swift build -c release --product portfolio-registry >/dev/null 2>&1
BIN=.build/release/portfolio-registry
workdir=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$workdir"' EXIT
DB="$workdir/portfolio.sqlite"
$BIN agency create --code BENCH --name "Benchmark Agency" --db "$DB" >/dev/null
$BIN agency create --code OTHER --name "Other Agency" --db "$DB" >/dev/null
TOKEN=$($BIN token issue --agency BENCH --db "$DB")
start_server() {
  $BIN serve --port $PORT --db "$DB" --log-level warning --max-body-size 200000000 >"$workdir/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
}
start_server
python3 - "$N" >"$workdir/import.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("external_id,title,description,category,whole_life_cost,planned_end_date,risk_rating,systems,datasets", end="\r\n")
for i in range(n):
    print(f'B-{i},Project {i},"Description of project {i}, with a comma",cat{i % 7},{(i * 7919) % 9000000 + 1000}.50,2028-12-31,{i % 5 + 1},System {i % 4000},Data {i % 3000}', end="\r\n")
PY
curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/import/projects" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' \
  --data-binary @"$workdir/import.csv" >/dev/null
# Publish them all (benchmark set-up only: straight in the database, bypassing the rules).
kill -TERM $server; wait $server || true
sqlite3 "$DB" "UPDATE projects SET status = 'submitted'"
start_server
t() { curl -fs -o /dev/null -w "%{time_total}" "http://127.0.0.1:$PORT$1"; }
write() {
  curl -fs -o /dev/null -X POST "http://127.0.0.1:$PORT/api/v1/projects" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"external_id\":\"NEW-$1\",\"title\":\"New project $1\",\"whole_life_cost\":250000,\"planned_end_date\":\"2029-06-30\",\"systems\":[\"System $1\"]}"
}
echo "N = $N projects; seconds as curl saw them: the first right after a write (nothing cached), then twice more"
t / >/dev/null  # waits for the portfolio projection's first build
n=0
for path in "/projects/1" "/projects/$((N / 2))" "/projects" "/projects?sort=-whole_life_cost" "/projects?sort=title&limit=200" \
            "/projects?q=project" "/projects?rule=P8-ACCOUNTABLE" "/projects?above_threshold=central_review" \
            "/agencies/BENCH" "/reviews" "/"; do
  n=$((n + 1)); write $n
  printf '%-45s %s %s %s\n' "$path" "$(t "$path")" "$(t "$path")" "$(t "$path")"
done
