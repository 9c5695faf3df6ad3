#!/usr/bin/env bash
# Schemathesis against a demo registry, every operation and every phase (examples, coverage,
# fuzzing, stateful), once with a centre token and once with an agency token; zero failures
# or it fails. Loopback only; the server is stopped at the end.
# Usage: Tests/Schemathesis/run.sh PORTFOLIO_REGISTRY_BINARY SCHEMATHESIS_BINARY
set -euo pipefail
cd "$(dirname "$0")/../.."
registry=$(realpath "$1")
schemathesis=$(realpath "$2")
work=$(mktemp -d)
port=18123
"$registry" serve --demo --port "$port" --db "$work/demo.sqlite" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
# Up when it accepts a connection (bash's /dev/tcp: no curl needed).
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
centre=$("$registry" token issue --role centre --db "$work/demo.sqlite")
agency=$("$registry" token issue --agency MINFIN --db "$work/demo.sqlite")
status=0
for who in centre agency; do
  token=$centre; [ "$who" = agency ] && token=$agency
  echo "schemathesis with the $who's token"
  "$schemathesis" --config-file Tests/Schemathesis/schemathesis.toml run "http://127.0.0.1:$port/openapi.json" \
    -H "Authorization: Bearer $token" --phases examples,coverage,fuzzing,stateful --seed 1 >"$work/$who.log" 2>&1 || status=1
  sed -n '/^=* *SUMMARY/,$p' "$work/$who.log"
  if grep -q "❌" "$work/$who.log"; then sed -n "/FAILURES/,/SUMMARY/p" "$work/$who.log" | head -200; fi
done
# A server that died under the fuzzing is a failure whatever schemathesis made of it: say how.
if ! kill -0 "$server" 2>/dev/null; then
  echo "the server died during the run; the end of its log:"
  tail -n 40 "$work/server.log"
  status=1
fi
exit $status
