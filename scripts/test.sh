#!/usr/bin/env bash
# The kit's test command (the one in README.md, and what CI runs through .ci/run):
#
#   1. scripts/setup.sh            the build and test dependencies (apt-get, idempotent)
#   2. build/                      RelWithDebInfo build of everything
#   3. busybox rootfs              build/testdata/busybox-rootfs, for the ROOT_ tests
#   4. ctest on build/             unit tests + integration tests (ROOT_ ones need root)
#   5. build-asan/                 unit tests again under AddressSanitizer + UBSan
#   6. doxygen                     the annotated source, built while step 4 runs; fails
#                                  on warnings about minirun/*/ headers
#                                  (build/docs/warnings.log)
#
# Usage: sudo bash scripts/test.sh [--quick]
#   --quick   skip the sanitizer build and the docs (steps 5 and 6), for local iteration
#
# Every step runs even when an earlier independent one failed, so one run shows
# everything that is broken; the summary at the end lists each step, and the exit
# status is non-zero when any step failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
repo=$(pwd)

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h | --help)
      sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "test.sh: unknown argument '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

jobs=$(nproc 2>/dev/null || echo 2)
# A test that hangs (a container that never exits) fails after this many seconds
# instead of eating the CI job's time budget.
test_timeout=300
started=$SECONDS
summary=()
failed=0

banner() { printf '\n==> %s\n' "$*"; }

# record STATUS NAME SECONDS [NOTE]
record() {
  local line
  line=$(printf '%-4s  %-38s %5ss' "$1" "$2" "$3")
  [ -n "${4:-}" ] && line+="  ($4)"
  summary+=("$line")
  [ "$1" = FAIL ] && failed=1
  return 0
}

# step NAME COMMAND...: runs one step, records PASS or FAIL; returns the command's status.
step() {
  local name=$1
  shift
  banner "$name"
  local t0=$SECONDS
  if "$@"; then
    record PASS "$name" $((SECONDS - t0))
    return 0
  fi
  record FAIL "$name" $((SECONDS - t0))
  return 1
}

skip() { record SKIP "$1" 0 "$2"; }

# note_last TEXT: adds TEXT to the last summary line (when TEXT is not empty).
note_last() { [ -z "$1" ] || summary[-1]+="  ($1)"; }

# ctest_summary LOG: "N% tests passed, ..." from a ctest log, plus the skipped count.
ctest_summary() {
  local line skipped
  line=$(grep -Eo '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" 2>/dev/null | tail -n1)
  skipped=$(grep -c '(Skipped)$' "$1" 2>/dev/null || true)
  if [ -n "$line" ] && [ "${skipped:-0}" -gt 0 ]; then line+=", $skipped skipped"; fi
  printf '%s' "$line"
}

run_ctest() {  # run_ctest BUILD_DIR LOG
  ctest --test-dir "$1" --output-on-failure --no-tests=error \
    --parallel "$jobs" --timeout "$test_timeout" 2>&1 | tee "$2"
}

unit_and_integration_tests() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "note: not running as root, so the ROOT_ tests (real namespaces, cgroups, mounts)"
    echo "      will be reported as skipped. Run 'sudo bash scripts/test.sh' to run them."
  fi
  run_ctest build build/ctest.log
}

asan_tests() {
  # Each unit-test program runs once, whole, not once per test as ctest would: under the
  # sanitizers a process start costs a good part of a second, and there are a thousand
  # tests. halt_on_error: a sanitizer report fails the program instead of scrolling past.
  local status=0 program
  : >build-asan/unit-tests.log
  while read -r program; do
    [ -n "$program" ] || continue
    echo "--- $(basename "$program")" | tee -a build-asan/unit-tests.log
    if ! (cd build-asan && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1} \
            UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
            timeout "$test_timeout" "$program" --gtest_brief=1) 2>&1 | tee -a build-asan/unit-tests.log; then
      status=1
    fi
  done <build-asan/unit_test_programs.txt
  return $status
}

# gtest_summary LOG: "N tests passed, M failed, K skipped" over the programs in LOG.
gtest_summary() {
  awk '/^\[  PASSED  \] [0-9]+ test/ {p += $4} /^\[  FAILED  \] [0-9]+ test/ {f += $4}
       /^\[  SKIPPED \] [0-9]+ test/ {s += $4}
       END {printf "%d tests passed, %d failed, %d skipped", p, f, s}' "$1" 2>/dev/null
}

docs() {
  mkdir -p build/docs
  rm -f build/docs/warnings.log
  if ! cmake --build build --target doxygen; then
    echo "doxygen failed (is the 'doxygen' target missing? it needs doxygen installed at configure time)"
    return 1
  fi
  local log=build/docs/warnings.log
  if [ ! -f "$log" ]; then
    echo "doxygen ran but wrote no $log: check WARN_LOGFILE in docs/Doxyfile"
    return 1
  fi
  local total header_warnings
  total=$(grep -c 'warning:' "$log" || true)
  # Only the headers under minirun/<layer>/ must be warning-free: they are the API the
  # labs point learners to. Other warnings are shown as a count, not a failure.
  header_warnings=$(grep -E "(^|/)minirun/[^/:]+/[^/:]+\.hpp:" "$log" || true)
  if [ -n "$header_warnings" ]; then
    echo "doxygen warnings in minirun/*/ headers (from $log):"
    printf '%s\n' "$header_warnings"
    return 1
  fi
  echo "html: $repo/build/docs/html/index.html ($total warnings elsewhere, see $log)"
}

banner "minirun kit tests ($([ $quick = 1 ] && echo quick || echo full), $jobs jobs, $(id -un 2>/dev/null || id -u))"

if ! step "setup (scripts/setup.sh)" bash scripts/setup.sh; then
  echo "test.sh: dependencies are missing, nothing else can run" >&2
else
  # A unity build (a few .cpp files compiled as one; see MINIRUN_NO_UNITY_SOURCES in
  # CMakeLists.txt): on 2 cores the build was the longest step, 1556 s one object per
  # file against about 720 s this way. A plain `cmake -B build` still builds file by file.
  if step "configure build/" cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_UNITY_BUILD=ON; then
    configured=1
  else
    configured=0
  fi

  if [ $configured = 0 ]; then
    skip "build build/" "configure failed"
    skip "busybox rootfs" "configure failed"
    skip "unit + integration tests (build/)" "configure failed"
  elif step "build build/" cmake --build build --parallel "$jobs"; then
    if step "busybox rootfs" sh scripts/make-busybox-rootfs.sh build/testdata/busybox-rootfs; then
      # The docs build beside the tests: doxygen keeps one core busy, the tests (one
      # root test at a time) mostly wait on the kernel; together they take the time of
      # the longer one instead of the sum.
      if [ $quick = 0 ]; then
        (docs >build/docs-step.log 2>&1; echo $? >build/docs-step.status) &
        docs_pid=$!
      fi
      step "unit + integration tests (build/)" unit_and_integration_tests
      note_last "$(ctest_summary build/ctest.log)"
    else
      skip "unit + integration tests (build/)" "no rootfs"
    fi
  else
    skip "busybox rootfs" "build failed"
    skip "unit + integration tests (build/)" "build failed"
  fi

  if [ $quick = 1 ]; then
    skip "ASan+UBSan unit tests (build-asan/)" "--quick"
    skip "doxygen (build/docs/html)" "--quick"
  else
    # Debug (-O0 -g): compiles faster than -O2 on two cores, and the optimiser cannot
    # fold away the undefined behaviour UBSan is there to catch. A unity build (a few
    # .cpp files compiled as one, see MINIRUN_NO_UNITY_SOURCES in CMakeLists.txt): at -O0
    # most of the compile is parsing the same headers again, and this step was the
    # longest of CI. Without precompiled headers: with batches, making one per target
    # costs more than it saves (all_unit_tests from scratch on 2 cores: 737 s with them,
    # 595 s without).
    if step "configure build-asan/" cmake -S . -B build-asan -DMINIRUN_SANITIZE=ON \
         -DCMAKE_BUILD_TYPE=Debug -DCMAKE_UNITY_BUILD=ON -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON &&
       step "build build-asan/ (all_unit_tests)" cmake --build build-asan --parallel "$jobs" --target all_unit_tests; then
      step "ASan+UBSan unit tests (build-asan/)" asan_tests
      note_last "$(gtest_summary build-asan/unit-tests.log)"
    else
      skip "ASan+UBSan unit tests (build-asan/)" "build failed"
    fi
    if [ -n "${docs_pid:-}" ]; then
      banner "doxygen (build/docs/html), built beside the tests"
      wait "$docs_pid"
      cat build/docs-step.log
      if [ "$(cat build/docs-step.status 2>/dev/null)" = 0 ]; then record PASS "doxygen (build/docs/html)" 0 "beside the tests"
      else record FAIL "doxygen (build/docs/html)" 0 "beside the tests"; fi
    elif [ $configured = 1 ]; then
      step "doxygen (build/docs/html)" docs
    else
      skip "doxygen (build/docs/html)" "configure failed"
    fi
  fi
fi

banner "summary ($((SECONDS - started))s)"
printf '%s\n' "${summary[@]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "(not root: ROOT_ tests were skipped)"
fi
if [ $failed -ne 0 ]; then
  echo "RESULT: FAILED"
  exit 1
fi
echo "RESULT: all steps passed"
