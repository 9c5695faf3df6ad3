#!/usr/bin/env bash
# A threshold change at portfolio scale (issue 10): N projects registered and published, the
# overview read continuously by a few clients, a new business-case threshold posted meanwhile
# (every project's obligations change, so the projection is rebuilt aside); then how long the
# overview requests took around it, from the server's request log, and the memory it cost.
# Usage: N=100000 Benchmarks/threshold-change.sh   (default N=10000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
PORT=18086
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
source Benchmarks/portfolio-fixture.sh
start_server
import_projects >/dev/null
publish_all
overview="http://127.0.0.1:$PORT/api/v1/portfolio/overview"
curl -fs "$overview" -H "Authorization: Bearer $CENTRE" >/dev/null # the first build, waited for
sleep 1
rss_before=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
lines_before=$(wc -l <"$workdir/server.log")

wrk -t1 -c4 -d12s --latency -H "Authorization: Bearer $CENTRE" "$overview" >"$workdir/wrk.txt" &
load=$!
sleep 3
posted=$(date +%s.%N)
[ -n "${NO_CHANGE:-}" ] || curl -fs -o /dev/null -X POST "http://127.0.0.1:$PORT/api/v1/thresholds" -H "Authorization: Bearer $CENTRE" \
  -H 'Content-Type: application/json' -d '{"kind":"business_case","amount":800000,"effective_from":"2020-01-01"}'
answered=$(date +%s.%N)
wait $load
sleep 0.3
echo "N = $N projects; threshold posted 3 s into 12 s of overview reads by 4 clients; the POST (which rebuilds) took $(python3 -c "print(f'{($answered - $posted):.2f}')") s"
grep -E 'Requests/sec|99%|Latency' "$workdir/wrk.txt"
tail -n +"$((lines_before + 1))" "$workdir/server.log" | grep 'GET /api/v1/portfolio/overview' | python3 -c '
import sys, re
durations = [float(m.group(1)) for line in sys.stdin for m in [re.search(r" ([0-9.]+)ms id=", line)] if m]
durations.sort()
print(f"overview requests: {len(durations)}; server time p50 {durations[len(durations)//2]:.1f} ms, p99 {durations[int(len(durations)*0.99)]:.1f} ms, max {durations[-1]:.1f} ms; over 50 ms: {sum(d > 50 for d in durations)}")'
echo "memory: ${rss_before} kB before, $(awk '/VmRSS/ {print $2}' /proc/$server/status) kB after, peak $(awk '/VmHWM/ {print $2}' /proc/$server/status) kB"
