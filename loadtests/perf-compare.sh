#!/usr/bin/env bash
# The side-by-side performance runs of docs/PERFORMANCE.md: cndr vs the Node.js baseline (loadtests/reference),
# both started by cndr-load --compare on one Redis, single node each, alternating step by step; the fan-out runs
# add the floor (cndr-load floor-sender: the same sockets and bursts, one plain send() per delivery) as a third
# target in the same alternation. The summary prints cndr / node and cndr / floor.
#
#   bash loadtests/perf-compare.sh            # all runs, reports in loadtests/reports/perf-<time>/
#   RUNS="fanout connect" bash loadtests/perf-compare.sh    # a subset
#   PERF_NO_BUILD=1 ...                        # skip the Release build
#   CNDR_CMD="env DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 dotnet src/Cndr.Host/bin/Release/net10.0/cndr.dll" ...
#                                              # start cndr differently (e.g. a runtime knob); default: the Release build
#
# Runs (each bounded in time; everything on 127.0.0.1):
#   fanout          50 rooms x (1 host + 8 players + 20 audience), 1 KiB states, 10 updates/s per room (14 000 deliveries/s);
#                   cndr, node and the floor, and cndr-embedded (cndr on its embedded store, the design's one-node
#                   deployment: no Redis round trip before a delivery); 3 steps each, alternating (as inbound, cross-fanout
#                   and cross-inbound): the summary takes each target's median step, so one noisy step decides nothing
#   fanout-sat      the same, find saturation: x2 per step from 5/s per room until p99 > 100 ms or anything is lost,
#                   then 5 bisection steps between the last good and the first failing rate (cndr, node, floor: the
#                   figure is within 2^(1/32), about 2 %, of the rate that would fail); when
#                   the first step already fails (a loaded machine), /2 per step down until one passes, then bisect
#   fanout-p99      the same at the baseline's saturation rate (from fanout-sat): p99 side by side, the floor's too (what
#                   the machine and the generator add to any server's p99 at that load); 3 steps each, the median p99
#   inbound         the same rooms, 2 000 message_to_host/s in total
#   inbound-sat     find saturation from 1 000/s, x2 per step, then bisect
#   connect         ramp to 5 000 idle audience connections at 400/s, hold 5 s: CPU per handshake, RSS per connection;
#                   3 steps per target, alternating (each from zero), the summary takes the median step
#   connect-19k     cndr alone: 19 000 idle joined connections at 1 000/s, held 25 s with a 10 s ping interval
#                   (every connection answers 2 pings; a connection the server drops is an error)
#   connect-sat     handshakes/s: 3 000 connections per step from 200/s, x2 per step, then bisect
#   cross-fanout    two nodes per server on the same Redis, cross placement: every host on node 1, every player and
#                   audience member on node 2 (each delivery crosses Redis); the fanout run's rooms and rate; CPU summed
#                   over both nodes; the summary sets it against the single-node fanout of the same run
#   cross-inbound   the same placement, 2 000 message_to_host/s in total (each message crosses Redis to its host)
#   cross-fanout-sat, cross-inbound-sat   their saturation (as fanout-sat / inbound-sat)
# Presets: RUNS=twonode       fanout inbound cross-fanout cross-inbound (the two-node figures and the single-node
#                             ones they are compared with, ~5 min)
#          RUNS=twonode-all   twonode plus cross-fanout-sat cross-inbound-sat
# Stops only what it started (Redis by PID; the servers are started and stopped by cndr-load).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
RUNS=${RUNS:-"fanout fanout-sat fanout-p99 inbound inbound-sat connect connect-19k connect-sat cross-fanout cross-inbound cross-fanout-sat cross-inbound-sat"}
case $RUNS in
  twonode) RUNS="fanout inbound cross-fanout cross-inbound" ;;
  twonode-all) RUNS="fanout inbound cross-fanout cross-inbound cross-fanout-sat cross-inbound-sat" ;;
esac
out=${PERF_OUT:-"$root/loadtests/reports/perf-$(date +%Y%m%d-%H%M%S)"}
mkdir -p "$out"

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge 19200 ] || echo "perf-compare: warning: ulimit -n is $(ulimit -n); connect-19k needs ~19 100 descriptors per process"

if [ -z "${PERF_NO_BUILD:-}" ]; then
  dotnet build -c Release src/Cndr.Host -nologo -v q >"$out/build.log" 2>&1 &&
  dotnet build -c Release loadtests/Cndr.LoadTests -nologo -v q >>"$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
fi
[ -d loadtests/reference/node_modules ] || (cd loadtests/reference && npm ci --no-audit --no-fund --loglevel=error) || exit 1

redis_pid=
cleanup() { [ -n "$redis_pid" ] && kill -TERM "$redis_pid" 2>/dev/null; }
trap cleanup EXIT
trap 'exit 130' INT TERM
redis_port=${REDIS_PORT:-}
if [ -z "$redis_port" ]; then
  redis_port=$((20000 + RANDOM % 12000))
  redis-server --save '' --appendonly no --port "$redis_port" --bind 127.0.0.1 >"$out/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break; sleep 0.1; done
fi

load=("$root/loadtests/Cndr.LoadTests/bin/Release/net10.0/cndr-load")
env_common=(--redis-port "$redis_port" --admin-token perf
  --server-env ADMIN_TOKEN=perf --server-env MAX_PENDING_SESSIONS_PER_IP=0 --server-env RATE_LIMIT_MESSAGES=100000000 --server-env LOG_LEVEL=warn --plain)
cndr_cmd=${CNDR_CMD:-dotnet $root/src/Cndr.Host/bin/Release/net10.0/cndr.dll}
cndr_start=(--start "cndr=$cndr_cmd")
# The same cndr without Redis (an empty REDIS_HOST selects the embedded in-process store).
embedded_start=(--start "cndr-embedded=env REDIS_HOST= $cndr_cmd")
common=(--compare "${env_common[@]}" "${cndr_start[@]}" --start "node=node $root/loadtests/reference/server.mjs")
# A fixed-rate run repeats its step 3 times per target, alternating; the summary takes each target's median step.
fixed=(--load ramp --steps 3 --duration 10s --warmup 3s)
sat=(--load saturate --rate-factor 2 --bisect-steps 5 --p99-max-ms 100)
rooms=(--rooms 50 --players 8 --audience 20 --size 1024)
# The receive loop pauses 1 ms after a sparse wake-up: fewer wake-ups for the generator and fewer
# cross-process wake-ups charged to the server's send path; at most 1 ms added to every latency.
gen=(--io-batch-us 1000)
# Two nodes per server, hosts on the first, everyone else on the second.
cross=(--nodes 2 --hosts-on-first-node)

run() { # name, args... (compare: cndr vs node; RUN_ALONE=1: cndr alone; RUN_EMBEDDED=1: also cndr on its embedded store)
  local name=$1; shift
  echo "== $name: $(cut -d' ' -f1-3 /proc/loadavg) (load average before)"
  if [ -n "${RUN_ALONE:-}" ]; then set -- "$@" "${env_common[@]}" "${cndr_start[@]}"; else set -- "$@" "${common[@]}"; fi
  if [ -n "${RUN_EMBEDDED:-}" ]; then set -- "$@" "${embedded_start[@]}"; fi
  timeout 900 "${load[@]}" "$@" --report-dir "$out/$name" >"$out/$name.log" 2>&1
  local rc=$?
  grep -E "OK:|FAIL:|saturation =" "$out/$name.log" | sed 's/^/   /'
  echo "   exit $rc; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

for r in $RUNS; do
  case $r in
    fanout) RUN_EMBEDDED=1 run fanout fanout --floor "${rooms[@]}" "${gen[@]}" "${fixed[@]}" --rate-from 10 --rate-to 10 ;;
    fanout-sat) run fanout-sat fanout --floor "${rooms[@]}" "${gen[@]}" "${sat[@]}" --rate-from 5 --max-steps 6 --duration 8s --warmup 3s ;;
    fanout-p99)
      rate=$(awk -F, '$1=="node" && $NF ~ /last good/ {print $4}' "$out/fanout-sat/steps.csv" 2>/dev/null | tail -1)
      # fanout-sat steps down until a step passes, so Node normally has a rate; if even its lowest step failed (or
      # fanout-sat was not run), measure at fanout's rate rather than leave the row out.
      if [ -z "$rate" ]; then rate=10; echo "== fanout-p99: no baseline saturation rate in fanout-sat; using $rate updates/s per room"; fi
      run fanout-p99 fanout --floor "${rooms[@]}" "${gen[@]}" "${fixed[@]}" --rate-from "$rate" --rate-to "$rate" --max-lost 1000000000 ;;
    inbound) run inbound inbound "${rooms[@]}" "${gen[@]}" "${fixed[@]}" --rate-from 2000 --rate-to 2000 ;;
    inbound-sat) run inbound-sat inbound "${rooms[@]}" "${gen[@]}" "${sat[@]}" --rate-from 1000 --max-steps 7 --duration 8s --warmup 3s ;;
    connect) run connect connect --rooms 20 --connections 5000 --load ramp --steps 3 --rate-from 400 --rate-to 400 --hold 5s --duration 60s --warmup 3s ;;
    connect-19k) RUN_ALONE=1 run connect-19k connect --rooms 20 --connections 19000 --rate 1000 --hold 25s --duration 60s --warmup 3s \
      --server-env PING_INTERVAL_MS=10000 --server-env PING_TIMEOUT_MS=10000 ;;
    connect-sat) run connect-sat connect --rooms 20 --connections 3000 "${sat[@]}" --rate-from 200 --max-steps 5 --duration 30s --warmup 3s ;;
    cross-fanout) run cross-fanout crossnode-fanout "${cross[@]}" "${rooms[@]}" "${gen[@]}" "${fixed[@]}" --rate-from 10 --rate-to 10 ;;
    cross-inbound) run cross-inbound crossnode-inbound "${cross[@]}" "${rooms[@]}" "${gen[@]}" "${fixed[@]}" --rate-from 2000 --rate-to 2000 ;;
    cross-fanout-sat) run cross-fanout-sat crossnode-fanout "${cross[@]}" "${rooms[@]}" "${gen[@]}" "${sat[@]}" --rate-from 5 --max-steps 6 --duration 8s --warmup 3s ;;
    cross-inbound-sat) run cross-inbound-sat crossnode-inbound "${cross[@]}" "${rooms[@]}" "${gen[@]}" "${sat[@]}" --rate-from 1000 --max-steps 7 --duration 8s --warmup 3s ;;
    *) echo "perf-compare: unknown run '$r'"; exit 2 ;;
  esac
done

echo "reports: $out"
python3 "$root/loadtests/perf-summary.py" "$out" | tee "$out/summary.md"
