#!/usr/bin/env bash
# Coverage-guided fuzzing of every fuzz target (fuzz/) with libFuzzer under ASan + UBSan.
#
#   tools/run-fuzz.sh [SECONDS_PER_TARGET]        (default 60; env FUZZ_RUNS, FUZZ_TARGETS)
#
# Configures a separate clang build (build/fuzz, RESONANT_BUILD_FUZZ=ON: the libraries under
# test are instrumented with -fsanitize=fuzzer-no-link,address,undefined, the targets linked
# with -fsanitize=fuzzer,address,undefined), builds the targets, then runs each one for at most
# SECONDS_PER_TARGET seconds and at most FUZZ_RUNS inputs (default 10 000 000), on one core
# (FUZZ_PARALLEL targets at a time, default the number of cores), starting from a copy of its
# seed corpus (fuzz/corpus/<target>, never written to). Prints
# per target: executions, coverage (cov = edges, ft = features, from libFuzzer's final
# stats), corpus size and time. Exits non-zero if any target crashes, leaks, trips a sanitizer
# or runs fewer than FUZZ_MIN_RUNS inputs (default 100 000); crash inputs and logs are kept in
# build/fuzz/findings/.
#
# Needs (Debian 12): clang-14 and libclang-rt-14-dev (libFuzzer and the sanitizer runtimes),
# plus the project's own build dependencies (tools/install-deps.sh) and cmake, ninja-build.
set -euo pipefail

seconds=${1:-60}
runs=${FUZZ_RUNS:-10000000}
min_runs=${FUZZ_MIN_RUNS:-100000}
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/fuzz"
targets=${FUZZ_TARGETS:-"fuzz_serial_line fuzz_ble_hrm fuzz_polar_pmd fuzz_session_record fuzz_wfdb_annotations fuzz_recording_text fuzz_kubios_report fuzz_npy fuzz_edf fuzz_wfdb_signal"}

cxx=${CXX_FUZZ:-}
if [[ -z "$cxx" ]]; then
  for c in clang++-14 clang++; do
    if command -v "$c" >/dev/null 2>&1; then
      cxx=$c
      break
    fi
  done
fi
if [[ -z "$cxx" ]]; then
  echo "run-fuzz: clang++ not found (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi

start=$(date +%s)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$cxx" -DRESONANT_BUILD_FUZZ=ON -DRESONANT_BUILD_TESTS=OFF \
  -DRESONANT_BUILD_BENCH=OFF -DRESONANT_WERROR=OFF >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log" >&2; exit 2; }
# shellcheck disable=SC2086
cmake --build "$build" -j "${FUZZ_JOBS:-2}" --target $targets >"$build.build.log" 2>&1 ||
  { tail -50 "$build.build.log" >&2; exit 2; }
built=$(date +%s)
echo "run-fuzz: built ${targets// /, } with $cxx in $((built - start)) s"

findings="$build/findings"
mkdir -p "$findings"
parallel=${FUZZ_PARALLEL:-$(nproc)}

# One target: fuzz it, then write its result line to $findings/<target>.result (ending in "ok"
# or the failure).
fuzz_one() {
  local t=$1
  local work="$build/corpus/$t"
  rm -rf "$work"
  mkdir -p "$work"
  cp "$root/fuzz/corpus/$t/"* "$work/"
  local log="$findings/$t.log"
  local t0 t1 rc execs last cov ft corp result
  t0=$(date +%s)
  # The text door runs the whole decision (and beat detection on waveforms) per input, the WFDB
  # target writes two files and reads every channel: 1500-3000 inputs/s here, against 5 000-
  # 200 000 for the others. They get 4x the time (the text door inputs of at most 1 KiB), and
  # the same floor of executions.
  local budget=$seconds max_len=4096 floor=$min_runs
  if [[ $t == fuzz_recording_text || $t == fuzz_wfdb_signal ]]; then budget=$((seconds * 4)); fi
  if [[ $t == fuzz_recording_text ]]; then max_len=1024; fi
  set +e
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/fuzz/$t" -max_total_time="$budget" -runs="$runs" -timeout=10 -rss_limit_mb=2048 \
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$findings/$t-" "$work" >"$log" 2>&1
  rc=$?
  set -e
  t1=$(date +%s)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # The last status line ("#N DONE cov: X ft: Y corp: Z/...") carries the final coverage.
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  result=ok
  if [[ $rc -ne 0 ]]; then
    result="CRASH (exit $rc, see $log)"
  elif [[ -z "$execs" || "$execs" -lt "$floor" ]]; then
    result="TOO FEW RUNS (< $floor)"
  fi
  printf '%-24s %12s %8s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
    "${corp:-?}" "$((t1 - t0))" "$result" >"$findings/$t.result"
  if [[ $rc -ne 0 ]]; then
    grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -20 >>"$findings/$t.result" || true
  fi
  return 0
}

# The targets, `parallel` at a time (each libFuzzer process uses one core).
status=0
names=()
for t in $targets; do
  rm -f "$findings/$t.result"
  fuzz_one "$t" &
  names+=("$t")
  while (( $(jobs -rp | wc -l) >= parallel )); do wait -n || true; done
done
printf '%-24s %12s %8s %8s %8s %8s  %s\n' target executions cov ft corpus time_s result
wait
# Status from the result files (a job reaped by `wait -n` has no status left to wait for).
for t in "${names[@]}"; do
  if [[ ! -f "$findings/$t.result" ]]; then
    printf '%-24s %s\n' "$t" "NO RESULT (see $findings/$t.log)"
    status=1
    continue
  fi
  cat "$findings/$t.result"
  if ! head -1 "$findings/$t.result" | grep -q ' ok$'; then status=1; fi
done
echo "run-fuzz: total $(( $(date +%s) - start )) s ($parallel at a time)"
exit $status
