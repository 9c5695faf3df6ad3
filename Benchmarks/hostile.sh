#!/usr/bin/env bash
# Hostile clients, each for a bounded time on loopback, against a registry of N projects,
# while a normal client (wrk, 10 connections) measures /healthz and a project read, and the
# server's memory and open descriptors are sampled every second.
# Usage: Benchmarks/hostile.sh   (N=10000 EACH=40 to change; EACH is seconds per attack;
#        ONLY="slowloris pipeline" runs just those, with the baseline)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
EACH=${EACH:-40}
PORT=18090
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
ulimit -n 20000
SERVE_FLAGS="--max-connections 4096"
source Benchmarks/portfolio-fixture.sh
start_server
import_projects >/dev/null
publish_all
project=/api/v1/projects/$((N / 2))
curl -fs -o /dev/null "http://127.0.0.1:$PORT$project"
curl -fs -o /dev/null "http://127.0.0.1:$PORT/api/v1/export/projects.json"  # warms the export once

rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$server/status"; }
fds() { ls "/proc/$server/fd" | wc -l; }
p99() { wrk -t1 -c10 -d"$1" --latency "http://127.0.0.1:$PORT$2" | awk '$1=="99%" {p=$2} /Requests\/sec/ {r=$2} /Non-2xx|Socket errors/ {e=e" "$0} END {printf "%s (%s req/s)%s", p, r, e}'; }

echo "N = $N projects, $(nproc) cores; each attack runs ${EACH} s; wrk -t1 -c10 measures meanwhile"
echo "| attack | p99 /healthz | p99 project | peak RSS MB | peak fds | fds 35 s after | what the attackers saw |"
echo "|---|---|---|---|---|---|---|"
run() {
  local label=$1 mode=$2 count=$3
  if [ -n "${ONLY:-}" ] && [ "$mode" != none ] && [[ " $ONLY " != *" $mode "* ]]; then return; fi
  local sampler attacker measure_for=$(( (EACH - 8) / 2 ))s
  ( while true; do echo "$(rss) $(fds)"; sleep 1; done ) >"$workdir/samples" 2>/dev/null &
  sampler=$!
  if [ "$mode" != none ]; then
    python3 Benchmarks/hostile_clients.py "$mode" "$PORT" "$count" "$EACH" "$TOKEN" >"$workdir/attack.json" &
    attacker=$!
    sleep 5
  fi
  local health project_read
  health=$(p99 "$measure_for" /healthz)
  project_read=$(p99 "$measure_for" "$project")
  local seen="-"
  if [ "$mode" != none ]; then
    wait "$attacker" || true
    seen=$(python3 -c 'import json,sys; print("%(opened)d opened, %(closed_by_server)d closed by the server, %(refused)d refused, %(responses)d responses" % json.load(open(sys.argv[1])))' "$workdir/attack.json")
    sleep 35  # past the write timeout (30 s): whatever the attackers held must be gone
  fi
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  local peak_rss peak_fds
  peak_rss=$(awk '{ if ($1 > m) m = $1 } END { print m }' "$workdir/samples")
  peak_fds=$(awk '{ if ($2 > m) m = $2 } END { print m }' "$workdir/samples")
  echo "| $label | $health | $project_read | $peak_rss | $peak_fds | $(fds) | $seen |"
}
run "none (baseline)" none 0
run "1,000 slowloris sockets" slowloris 1000
run "200 slow-body uploads" slowbody 200
run "50 clients vanishing mid-export" vanish 50
run "50 export clients that never read" noread 50
run "20 pipelined floods (500 requests a write)" pipeline 20
echo "server RSS at the end: $(rss) MB, $(fds) descriptors open"
