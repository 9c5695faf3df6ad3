#!/usr/bin/env bash
# The dashboard's pages over N projects (issue 5's target: each under 50 ms at 100,000).
# Imports N projects of one agency from CSV, publishes them, and times each page three times.
# Usage: N=100000 Benchmarks/dashboard.sh   (default N=10000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
PORT=18085
source Benchmarks/portfolio-fixture.sh
$BIN agency create --code OTHER --name "Other Agency" --db "$DB" >/dev/null
start_server
import_projects >/dev/null
publish_all
t() { curl -fs -o /dev/null -w "%{time_total}" "http://127.0.0.1:$PORT$1"; }
echo "N = $N projects; seconds as curl saw them: the first right after a write (nothing cached), then twice more"
t / >/dev/null  # waits for the portfolio projection's first build
n=0
for path in "/projects/1" "/projects/$((N / 2))" "/projects" "/projects?sort=-whole_life_cost" "/projects?sort=title&limit=200" \
            "/projects?q=project" "/projects?rule=P8-ACCOUNTABLE" "/projects?above_threshold=central_review" \
            "/agencies/BENCH" "/reviews" "/"; do
  n=$((n + 1)); write_project $n
  printf '%-45s %s %s %s\n' "$path" "$(t "$path")" "$(t "$path")" "$(t "$path")"
done
