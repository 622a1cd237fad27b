#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need on a fresh Debian machine,
# builds, runs every test suite and ends with one line "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)   # also the Sentinel of SentinelFailoverRedisTests (redis-server <conf> --sentinel)
command -v redis-cli >/dev/null 2>&1 || need_apt+=(redis-tools)   # the Redis Cluster fixture (redis-cli --cluster create)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)   # FleetTests (scripts/fleet.sh)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v chromium >/dev/null 2>&1 || [ -x "${CHROMIUM:-}" ] || need_apt+=(chromium)
/usr/bin/python3 -c "import socketio, requests" >/dev/null 2>&1 || need_apt+=(python3-socketio python3-requests)
command -v afl-fuzz >/dev/null 2>&1 || need_apt+=(afl++)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null \
    || { echo "could not install ${need_apt[*]}"; echo "0 passed, 1 failed"; exit 1; }
fi

for dir in tests/interop examples loadtests/reference clients/js tests/browser; do
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) \
    || { echo "npm ci failed in $dir"; echo "0 passed, 1 failed"; exit 1; }
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build Cndr.sln -c Release -nologo -v q || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0; failed=0; status=0
log=$(mktemp)
for proj in tests/Cndr.Transport.Tests tests/Cndr.Core.Tests tests/Cndr.Integration.Tests; do
  echo "== $proj"
  dotnet test "$proj" -c Release --no-build -nologo 2>&1 | tee "$log" \
    | grep -vE "^\s*$" | tail -150
  rc=${PIPESTATUS[0]}
  line=$(grep -E "(Passed|Failed)!\s+-" "$log" | tail -1)
  p=$(sed -nE 's/.*Passed:\s*([0-9]+).*/\1/p' <<<"$line"); f=$(sed -nE 's/.*Failed:\s*([0-9]+).*/\1/p' <<<"$line")
  if [ -z "$line" ]; then echo "no test summary from $proj (rc=$rc)"; f=1; p=0; fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  [ "$rc" -ne 0 ] && status=1
done

for target in cndr reference; do
  echo "== load-test smoke against $target"
  TARGET=$target SMOKE_NO_BUILD=1 bash scripts/loadtest-smoke.sh 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  line=$(grep -E "^smoke: [0-9]+ passed, [0-9]+ failed" "$log" | tail -1)
  p=$(sed -nE 's/^smoke: ([0-9]+) passed.*/\1/p' <<<"$line"); f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
  if [ -z "$line" ]; then f=1; p=0; fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  [ "$rc" -ne 0 ] && { status=1; [ "${f:-0}" -eq 0 ] && failed=$((failed + 1)); }
done

# Fuzz harnesses (fuzz/README.md): a short afl++ run of each; one with 0 crashes and 0 hangs passes.
echo "== fuzz (short runs)"
bash scripts/fuzz.sh -V "${FUZZ_SECONDS:-15}" 2>&1 | tee "$log"
line=$(grep -E "^fuzz: [0-9]+ passed, [0-9]+ failed" "$log" | tail -1)
p=$(sed -nE 's/^fuzz: ([0-9]+) passed.*/\1/p' <<<"$line"); f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
if [ -z "$line" ]; then f=1; p=0; fi
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))

rm -f "$log"
[ "$failed" -gt 0 ] && status=1
echo "$passed passed, $failed failed"
exit $status
