#!/usr/bin/env bash
# Runs a libFuzzer target for a given time, starting from its seed corpus in the repository.
#
#   Benchmarks/fuzz.sh TARGET SECONDS      one of: http-parser json merge-patch csv
#   Benchmarks/fuzz.sh all SECONDS         each target in turn, SECONDS each
#   Benchmarks/fuzz.sh TARGET --keep FILE  a finding becomes a regression input (Tests/Fuzz/regressions)
#
# Exits non-zero on a finding, naming the file libFuzzer wrote (under .build-fuzz/findings/).
# What the fuzzer learns (new inputs) stays under .build-fuzz/corpus/, outside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(http-parser json merge-patch csv)
target=${1:?usage: fuzz.sh TARGET|all SECONDS | TARGET --keep FILE}
shift

if [ "${1:-}" = "--keep" ]; then
  file=${2:?the finding to keep}
  mkdir -p "Tests/Fuzz/regressions/$target"
  cp "$file" "Tests/Fuzz/regressions/$target/$(sha1sum "$file" | cut -c1-40)"
  echo "kept $file as a regression input of $target; swift test now replays it"
  exit 0
fi
seconds=${1:?how many seconds}

if [ "$target" = all ]; then
  for each in "${targets[@]}"; do "$0" "$each" "$seconds"; done
  exit 0
fi

case "$target" in
  http-parser) dictionary=http-parser.dict ;;
  json|merge-patch) dictionary=json.dict ;;
  csv) dictionary=csv.dict ;;
  *) echo "unknown target $target (one of: ${targets[*]})" >&2; exit 2 ;;
esac

# -DFUZZING selects the libFuzzer entry point; without the instrumentation flags libFuzzer
# would have no coverage to follow.
mkdir -p .build-fuzz
if ! swift build --product fuzz --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
     --scratch-path .build-fuzz >.build-fuzz/build.log 2>&1; then
  grep -E "error" .build-fuzz/build.log | head -20 >&2
  echo "the fuzzer did not build (.build-fuzz/build.log)" >&2
  exit 1
fi
binary=.build-fuzz/debug/fuzz

work=.build-fuzz/corpus/$target
findings=.build-fuzz/findings/$target
mkdir -p "$work" "$findings"
log=.build-fuzz/fuzz-$target.log
echo "fuzzing $target for $seconds s (log: $log)"
status=0
FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=8192 -print_final_stats=1 \
  -dict="Tests/Fuzz/dictionaries/$dictionary" -artifact_prefix="$findings/" \
  "$work" "Tests/Fuzz/corpus/$target" >"$log" 2>&1 || status=$?
grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$log" | sed 's/^/  /' || true
if [ $status -ne 0 ]; then
  grep -A20 -E "^finding:|ERROR: (AddressSanitizer|libFuzzer)" "$log" | head -40 >&2 || true
  echo "FINDING in $target: $(ls -t "$findings" | head -1 | sed "s|^|$findings/|")" >&2
  echo "make it a regression test with: Benchmarks/fuzz.sh $target --keep FILE" >&2
  exit 1
fi
echo "  no finding in $seconds s"
