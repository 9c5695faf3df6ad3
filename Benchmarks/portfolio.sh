#!/usr/bin/env bash
# Portfolio-scale timings (issue 4's targets): import N projects from CSV, the overview of all
# of them, and the CSV export. Usage: N=100000 Benchmarks/portfolio.sh   (default N=10000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
PORT=18083
source Benchmarks/portfolio-fixture.sh
start_server

# Wall time as the client sees it (including starting curl), then the server's own time for the
# request from its log line.
time_it() {
  local start end
  start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N)
  sleep 0.25  # request log lines are written in batches every 100 ms
  python3 -c "print(f'{($end - $start) * 1000:.0f} ms (server: ' + '$(tail -n 1 "$workdir/server.log" | grep -o '[0-9.]*ms' | tail -n 1)' + ')')"
}
echo "N = $N projects"
echo "import (one request, one transaction): $(time_it import_projects)"
publish_all
echo "overview, first after start:        $(time_it curl -fs "http://127.0.0.1:$PORT/api/v1/portfolio/overview" -H "Authorization: Bearer $CENTRE")   (waits for the projection's first build)"
echo "the server's first build: $(grep -o 'portfolio built.*' "$workdir/server.log" | tail -n 1)"
echo "overview, again (cached body):       $(time_it curl -fs "http://127.0.0.1:$PORT/api/v1/portfolio/overview" -H "Authorization: Bearer $CENTRE")"
for i in 1 2 3; do
  echo "a write (POST one project):          $(time_it write_project "$i")"
  echo "overview, fresh after that write:    $(time_it curl -fs "http://127.0.0.1:$PORT/api/v1/portfolio/overview" -H "Authorization: Bearer $CENTRE")"
  echo "overview, filtered, fresh:           $(time_it curl -fs "http://127.0.0.1:$PORT/api/v1/portfolio/overview?min_cost=1000000&risk_rating=$i&category=cat$i" -H "Authorization: Bearer $CENTRE")"
done
rss() { awk '/VmRSS/ {print $2}' /proc/$server/status; }
before=$(rss)
echo "CSV export, streamed:                $(time_it curl -fs "http://127.0.0.1:$PORT/api/v1/export/projects.csv" -o "$workdir/export.csv")"
echo "server memory before and after the export: ${before} kB, $(rss) kB (flat: the export is written a page at a time)"
echo "export rows: $(($(python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open('$workdir/export.csv', newline=''))))") - 1)); server peak memory: $(awk '/VmHWM/ {print $2, $3}' /proc/$server/status)"
