#!/usr/bin/env bash
# A/B of two cndr commands (two builds, or one build with and without a setting) under the same load, alternating step
# by step in one run (cndr-load --compare), on a fresh redis-server: the way the A/B figures of docs/PERFORMANCE.md
# were taken. Three steps of 8 s (3 s warm-up) at a fixed rate; read the `OK:` lines (server CPU per unit) and compare
# only a and b of the same run.
#
#   bash loadtests/ab-compare.sh SCENARIO "A_COMMAND" "B_COMMAND" [extra cndr-load args]
#   SCENARIO: fanout (14 000 deliveries/s) | inbound (2 000 messages/s) | connect (3 000 at 400/s) |
#             xfanout | xinbound (two nodes per target, every host on node 1, everyone else on node 2)
#   e.g. bash loadtests/ab-compare.sh fanout "dotnet src/Cndr.Host/bin/Release/net10.0/cndr.dll" \
#          "env REDIS_FAST_PATH=false dotnet src/Cndr.Host/bin/Release/net10.0/cndr.dll"
# Build first: dotnet build -c Release src/Cndr.Host && dotnet build -c Release loadtests/Cndr.LoadTests
# Loopback only; every step is bounded; the redis-server started here is stopped at the end.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 3 ] || { sed -n 2,13p "$0"; exit 2; }
scenario=$1; a=$2; b=$3; shift 3
load="$root/loadtests/Cndr.LoadTests/bin/Release/net10.0/cndr-load"
[ -x "$load" ] || { echo "build cndr-load first: dotnet build -c Release loadtests/Cndr.LoadTests" >&2; exit 2; }
port=$((20000 + RANDOM % 12000))
redis-server --save '' --appendonly no --port "$port" --bind 127.0.0.1 >/dev/null 2>&1 &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null' EXIT
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
ulimit -n 20000 2>/dev/null || true
rooms=(--rooms 50 --players 8 --audience 20 --size 1024)
steady=(--duration 8s --warmup 3s --load ramp --steps 3)
case $scenario in
  fanout) args=(fanout "${rooms[@]}" "${steady[@]}" --rate-from 10 --rate-to 10) ;;
  inbound) args=(inbound "${rooms[@]}" "${steady[@]}" --rate-from 2000 --rate-to 2000) ;;
  connect) args=(connect --rooms 20 --connections 3000 --rate 400 --hold 3s --duration 60s --warmup 3s) ;;
  xfanout) args=(crossnode-fanout --nodes 2 --hosts-on-first-node "${rooms[@]}" "${steady[@]}" --rate-from 10 --rate-to 10) ;;
  xinbound) args=(crossnode-inbound --nodes 2 --hosts-on-first-node "${rooms[@]}" "${steady[@]}" --rate-from 2000 --rate-to 2000) ;;
  *) echo "ab-compare: unknown scenario '$scenario'" >&2; exit 2 ;;
esac
"$load" "${args[@]}" --compare --redis-port "$port" --admin-token perf --server-env ADMIN_TOKEN=perf \
  --server-env MAX_PENDING_SESSIONS_PER_IP=0 --server-env RATE_LIMIT_MESSAGES=100000000 --server-env LOG_LEVEL=warn \
  --plain --no-report --io-batch-us 1000 --start "a=$a" --start "b=$b" "$@"
