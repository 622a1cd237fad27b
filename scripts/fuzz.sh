#!/usr/bin/env bash
# Fuzzes the network parsers with afl++ and SharpFuzz (fuzz/Cndr.Fuzz, fuzz/README.md).
#   bash scripts/fuzz.sh [-V seconds] [-E executions] [target ...]     (default: every target, 15 s each)
# Builds the harness, instruments Cndr.Transport.dll (the SharpFuzz tool from .config/dotnet-tools.json),
# runs afl-fuzz in persistent mode on each target's seed corpus (fuzz/corpus/<target>) and prints, per target,
# the executions, executions per second, crashes and hangs. A target passes with 0 crashes and 0 hangs.
# Ends with "fuzz: N passed, M failed". Findings stay in $FUZZ_OUT (default: a new temporary directory).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=15; execs=""
while getopts "V:E:" opt; do
  case $opt in
    V) seconds=$OPTARG ;;
    E) execs=$OPTARG ;;
    *) echo "usage: $0 [-V seconds] [-E executions] [target ...]"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(http websocket engineio socketio)

if ! command -v afl-fuzz >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq afl++ >/dev/null \
    || { echo "could not install afl++"; echo "fuzz: 0 passed, ${#targets[@]} failed"; exit 1; }
fi

out=${FUZZ_OUT:-$(mktemp -d /tmp/cndr-fuzz.XXXXXX)}
bin="$out/bin"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! { dotnet tool restore >/dev/null \
    && dotnet publish fuzz/Cndr.Fuzz -c Release -o "$bin" -nologo -v q >/dev/null \
    && dotnet sharpfuzz "$bin/Cndr.Transport.dll"; }; then
  echo "fuzz harness build or instrumentation failed"; echo "fuzz: 0 passed, ${#targets[@]} failed"; exit 1
fi

# dotnet itself is not instrumented (only Cndr.Transport.dll is); crashes are .NET exceptions, not core dumps.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1

passed=0; failed=0
for t in "${targets[@]}"; do
  limits=(-V "$seconds"); [ -n "$execs" ] && limits+=(-E "$execs")
  rm -rf "$out/$t"
  # -t: a single input taking 5 s is a hang (an endless loop), with room for a loaded machine.
  nice -n 10 afl-fuzz -i "fuzz/corpus/$t" -o "$out/$t" -t 5000 -m none "${limits[@]}" \
    -- dotnet "$bin/Cndr.Fuzz.dll" "$t" >"$out/$t.log" 2>&1
  rc=$?
  stats="$out/$t/default/fuzzer_stats"
  if [ $rc -ne 0 ] || [ ! -f "$stats" ]; then
    echo "fuzz $t: afl-fuzz failed (rc=$rc), see $out/$t.log"; tail -5 "$out/$t.log"
    failed=$((failed + 1)); continue
  fi
  get() { sed -nE "s/^$1 *: *([0-9.]+).*/\1/p" "$stats"; }
  crashes=$(get saved_crashes); hangs=$(get saved_hangs)
  echo "fuzz $t: $(get execs_done) execs, $(get execs_per_sec) execs/s, $(get run_time) s, corpus $(get corpus_count), crashes $crashes, hangs $hangs"
  if [ "${crashes:-1}" -eq 0 ] && [ "${hangs:-1}" -eq 0 ]; then
    passed=$((passed + 1))
  else
    echo "  findings: $out/$t/default/crashes $out/$t/default/hangs (replay: dotnet run -c Release --project fuzz/Cndr.Fuzz -- $t FILE)"
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
# A temporary output directory is kept only when there is something to look at.
[ -z "${FUZZ_OUT:-}" ] && [ "$failed" -eq 0 ] && rm -rf "$out"
[ "$failed" -eq 0 ]
