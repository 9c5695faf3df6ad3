# Shared by portfolio.sh, dashboard.sh and hostile.sh (source it; set N and PORT first, SERVE_FLAGS if wanted): a release build,
# a temporary registry with one agency (BENCH) and its tokens, a server, and the CSV of N
# deliberately alike projects (one agency; every 4,000th shares a system, every 3,000th a dataset).
swift build -c release --product portfolio-registry >/dev/null 2>&1
BIN=.build/release/portfolio-registry
workdir=$(mktemp -d)
server=
trap 'kill $server 2>/dev/null || true; rm -rf "$workdir"' EXIT
DB="$workdir/portfolio.sqlite"
$BIN agency create --code BENCH --name "Benchmark Agency" --db "$DB" >/dev/null
# AGENCIES=n registers n other agencies besides (a government has hundreds): what a write
# reads must not grow with them.
if [ "${AGENCIES:-0}" -gt 0 ]; then
  sqlite3 "$DB" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $AGENCIES)
                 INSERT INTO agencies (code, name, level, created_at)
                 SELECT 'AG' || i, 'Agency ' || i, 'national', '2026-01-01T00:00:00Z' FROM n"
fi
TOKEN=$($BIN token issue --agency BENCH --db "$DB")
CENTRE=$($BIN token issue --role centre --db "$DB")

start_server() {
  $BIN serve --port "$PORT" --db "$DB" --log-level info --max-body-size 200000000 ${SERVE_FLAGS:-} >"$workdir/server.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
}

stop_server() { kill -TERM "$server"; wait "$server" || true; }

python3 - "$N" >"$workdir/import.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("external_id,title,description,category,whole_life_cost,planned_end_date,risk_rating,systems,datasets", end="\r\n")
for i in range(n):
    print(f'B-{i},Project {i},"Description of project {i}, with a comma",cat{i % 7},{(i * 7919) % 9000000 + 1000}.50,2028-12-31,{i % 5 + 1},System {i % 4000},Data {i % 3000}', end="\r\n")
PY

import_projects() {
  curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/import/projects" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' \
    --data-binary @"$workdir/import.csv"
}

# Publishes every project (benchmark set-up only: straight in the database, bypassing the rules),
# with the server stopped, and starts it again.
publish_all() {
  stop_server
  sqlite3 "$DB" "UPDATE projects SET status = 'submitted'"
  start_server
}

# One new project of the agency, alike to some of the others: a write that touches the portfolio.
write_project() {
  curl -fs -o /dev/null -X POST "http://127.0.0.1:$PORT/api/v1/projects" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"external_id\":\"NEW-$1\",\"title\":\"New project $1\",\"whole_life_cost\":250000,\"planned_end_date\":\"2029-06-30\",\"systems\":[\"System $1\"]}"
}
