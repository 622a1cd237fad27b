#!/usr/bin/env bash
# CI smoke of every load scenario (a few seconds each, tiny load) so the load-test suite cannot rot.
#
# Contract:
#   - starts its own redis-server (--save '' on a free loopback port) and two server nodes on free
#     loopback ports sharing it (TARGET=reference: loadtests/reference/server.mjs; TARGET=cndr: the cndr host),
#   - runs fanout, inbound, polls, connect, churn, crossnode, a ramp, a find-saturation, a --compare run
#     and a --compare --floor run (the floor-sender process)
#     with cndr-load against them; each run fails on lost deliveries, errors or wrong poll counts,
#   - stops everything it started (trap, by PID), prints one line per run and "smoke: N passed, M failed",
#   - exits 0 only when every run passed. Only 127.0.0.1 is used. Takes well under 60 s after the build.
# Env: TARGET=reference|cndr (default reference), SMOKE_NO_BUILD=1 to skip the build, SMOKE_KEEP=DIR to keep reports there.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

TARGET=${TARGET:-reference}

case "$TARGET" in
  reference) server_cmd=(node "$root/loadtests/reference/server.mjs") ;;
  cndr) server_cmd=(dotnet "$root/src/Cndr.Host/bin/Release/net10.0/cndr.dll") ;;
  *) echo "loadtest-smoke: TARGET must be reference or cndr (got '$TARGET')"; exit 2 ;;
esac

pids=()
work=$(mktemp -d)
cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  [ -n "${SMOKE_KEEP:-}" ] && { mkdir -p "$SMOKE_KEEP"; cp -r "$work"/. "$SMOKE_KEEP"/; }
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 12000))  # below the ephemeral range (32768+)
    port_open "$p" || { echo "$p"; return 0; }
  done
  return 1
}
wait_port() { # port pid what
  for _ in $(seq 1 300); do
    port_open "$1" && return 0
    kill -0 "$2" 2>/dev/null || { echo "loadtest-smoke: $3 exited before listening on $1"; return 1; }
    sleep 0.1
  done
  echo "loadtest-smoke: $3 did not listen on $1 within 30 s"; return 1
}

command -v redis-server >/dev/null || { echo "loadtest-smoke: redis-server is not installed"; exit 1; }
if [ "$TARGET" = reference ] && [ ! -d loadtests/reference/node_modules ]; then
  (cd loadtests/reference && npm ci --no-audit --no-fund --loglevel=error) || { echo "loadtest-smoke: npm ci failed"; exit 1; }
fi
if [ -z "${SMOKE_NO_BUILD:-}" ]; then
  dotnet build loadtests/Cndr.LoadTests -c Release -nologo -v q >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; echo "loadtest-smoke: build failed"; exit 1; }
fi
load=(dotnet "$root/loadtests/Cndr.LoadTests/bin/Release/net10.0/cndr-load.dll")

redis_port=$(free_port) || { echo "loadtest-smoke: no free port"; exit 1; }
redis-server --save '' --appendonly no --port "$redis_port" --bind 127.0.0.1 >"$work/redis.log" 2>&1 &
pids+=($!)
wait_port "$redis_port" "$!" redis-server || exit 1

token=smoke-admin-token
urls=(); spids=()
for n in 0 1; do
  port=$(free_port) || { echo "loadtest-smoke: no free port"; exit 1; }
  PORT=$port NODE_ID="smoke-$n" REDIS_HOST=127.0.0.1 REDIS_PORT=$redis_port ADMIN_TOKEN=$token MAX_PENDING_SESSIONS_PER_IP=0 BIND_ADDRESS=127.0.0.1 \
    RATE_LIMIT_MESSAGES=100000000 LOG_LEVEL=warn \
    "${server_cmd[@]}" >"$work/server-$n.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_port "$port" "$pid" "$TARGET node $n" || { tail -20 "$work/server-$n.log"; exit 1; }
  urls+=("http://127.0.0.1:$port"); spids+=("$pid")
done
echo "loadtest-smoke: target $TARGET at ${urls[*]} (pids ${spids[*]}), redis 127.0.0.1:$redis_port"

passed=0; failed=0
run() { # name, cndr-load args...
  local name=$1; shift
  local start=$SECONDS
  if timeout 60 "${load[@]}" "$@" --admin-token "$token" --plain --report-dir "$work/$name" >"$work/$name.log" 2>&1; then
    passed=$((passed + 1)); echo "ok   $name ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1)); echo "FAIL $name ($((SECONDS - start)) s):"; tail -25 "$work/$name.log" | sed 's/^/    /'
  fi
}
one=(--url "${urls[0]}" --server-pid "${spids[0]}")
both=(--url "${urls[0]}" --url "${urls[1]}" --server-pid "${spids[0]}" --server-pid "${spids[1]}")
short=(--duration 1.5s --warmup 0.3s --drain 2s)

run fanout "${one[@]}" fanout --rooms 1 --players 3 --audience 5 --rate 20 --size 512 "${short[@]}"
run inbound "${one[@]}" inbound --rooms 1 --players 3 --audience 5 --rate 100 "${short[@]}"
run polls "${one[@]}" polls --rooms 2 --audience 25 --rate 200 "${short[@]}"
run connect "${one[@]}" connect --rooms 2 --connections 200 --rate 400 --hold 1s --duration 5s --warmup 0
run churn "${one[@]}" churn --rooms 1 --players 5 --rate 20 "${short[@]}"
run crossnode "${both[@]}" crossnode --rooms 2 --players 2 --audience 2 --rate 10 --inbound-rate 50 "${short[@]}"
run ramp "${one[@]}" fanout --load ramp --rate-from 5 --rate-to 20 --steps 2 --rooms 2 --players 2 --audience 2 --duration 1s --warmup 0
run saturate "${one[@]}" inbound --load saturate --rate-from 50 --rate-factor 2 --max-steps 2 --p99-max-ms 1000 --rooms 1 --players 2 --audience 2 --duration 1s --warmup 0
run floor "${one[@]}" fanout --compare --floor --rooms 1 --players 2 --audience 2 --rate 10 --duration 1s --warmup 0
run compare fanout --compare --target "node0=${urls[0]}@${spids[0]}" --target "node1=${urls[1]}@${spids[1]}" --rooms 1 --players 2 --audience 2 --rate 10 --duration 1s --warmup 0

echo "smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
