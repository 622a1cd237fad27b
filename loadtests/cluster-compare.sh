#!/usr/bin/env bash
# Three cndr nodes on a three-master Redis Cluster (REDIS_CLUSTER=true, REDIS_PORT naming the first master) against three
# cndr nodes on one redis-server: cross-node fan-out and inbound at a fixed rate, the two targets alternating step by step
# (cndr-load --compare), then the Redis operations each mode spent (INFO commandstats summed over the masters) per relay
# command sent. Loopback only; every step is bounded by --duration and --max-count; everything started here is stopped.
#
# usage: bash loadtests/cluster-compare.sh [extra cndr-load args]
#   CNDR     the node command (default: dotnet <repo>/src/Cndr.Host/bin/Release/net10.0/cndr.dll; build it first)
#   ROOMS    rooms per step (default 30); FANOUT_RATE updates/s per room (10); INBOUND_RATE messages/s (1500)
#   OUT      report folder (default loadtests/reports/cluster-compare-<time>)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cndr=${CNDR:-"dotnet $root/src/Cndr.Host/bin/Release/net10.0/cndr.dll"}
load="$root/loadtests/Cndr.LoadTests/bin/Release/net10.0/cndr-load"
rooms=${ROOMS:-30}
fanout_rate=${FANOUT_RATE:-10}
inbound_rate=${INBOUND_RATE:-1500}
out=${OUT:-"$root/loadtests/reports/cluster-compare-$(date -u +%Y%m%d-%H%M%S)"}
[ -x "$load" ] || { echo "build cndr-load first: dotnet build -c Release loadtests/Cndr.LoadTests" >&2; exit 2; }
mkdir -p "$out"
dir=$(mktemp -d /tmp/cndr-cluster-compare-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

free_port() { # a loopback port whose cluster bus port (+10000) is free too
  while true; do
    local p=$((20000 + RANDOM % 2700))
    if ! (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null && ! (echo >/dev/tcp/127.0.0.1/$((p + 10000))) 2>/dev/null; then
      echo $p; return
    fi
  done
}

single=$(free_port)
redis-server --save '' --appendonly no --port "$single" --bind 127.0.0.1 --dir "$dir" >"$dir/single.log" 2>&1 &
pids+=($!)
masters=()
for i in 1 2 3; do
  p=$(free_port)
  while [[ " ${masters[*]} $single " == *" $p "* ]]; do p=$(free_port); done
  masters+=("$p")
  redis-server --save '' --appendonly no --port "$p" --bind 127.0.0.1 --dir "$dir" --cluster-enabled yes \
    --cluster-config-file "$dir/nodes-$p.conf" --cluster-node-timeout 3000 >"$dir/m$p.log" 2>&1 &
  pids+=($!)
done
for p in "$single" "${masters[@]}"; do
  for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
redis-cli --cluster create $(printf '127.0.0.1:%s ' "${masters[@]}") --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1
for _ in $(seq 100); do
  ok=1
  for p in "${masters[@]}"; do redis-cli -p "$p" cluster info | grep -q cluster_state:ok || ok=0; done
  [ $ok = 1 ] && break; sleep 0.2
done
[ $ok = 1 ] || { echo "the cluster did not reach cluster_state:ok" >&2; exit 1; }

for p in "$single" "${masters[@]}"; do redis-cli -p "$p" config resetstat >/dev/null; done
ulimit -n 20000 2>/dev/null || true
common=(--compare --nodes 3 --redis-port "$single" --admin-token perf --server-env ADMIN_TOKEN=perf
  --server-env MAX_PENDING_SESSIONS_PER_IP=0 --server-env RATE_LIMIT_MESSAGES=100000000 --server-env LOG_LEVEL=warn
  --plain --io-batch-us 1000
  --start "cluster=env REDIS_CLUSTER=true REDIS_PORT=${masters[0]} $cndr" --start "one-redis=$cndr")
shape=(--rooms "$rooms" --players 8 --audience 20 --size 1024 --load ramp --steps 3 --duration 8s --warmup 3s)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$load" crossnode-fanout "${shape[@]}" --rate-from "$fanout_rate" --rate-to "$fanout_rate" "${common[@]}" \
  --report-dir "$out/fanout" "$@" >"$out/fanout.log" 2>&1 || echo "crossnode-fanout: a step failed (see $out/fanout.log)"
tail -n 30 "$out/fanout.log"
"$load" crossnode-inbound "${shape[@]}" --rate-from "$inbound_rate" --rate-to "$inbound_rate" "${common[@]}" \
  --report-dir "$out/inbound" "$@" >"$out/inbound.log" 2>&1 || echo "crossnode-inbound: a step failed (see $out/inbound.log)"
tail -n 30 "$out/inbound.log"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Relay commands sent per target (recorded steps; setup and warm-up are not counted, their Redis calls are).
sent() { awk -F, -v t="$1" 'FNR > 1 && $1 == t { s += $10 } END { print s + 0 }' "$out/fanout/steps.csv" "$out/inbound/steps.csv"; }
stats() { # summed INFO commandstats of the given servers: "command calls" lines, most first
  for p in "$@"; do redis-cli -p "$p" info commandstats; done | tr -d '\r' |
    awk -F'[:=,]' '/^cmdstat_/ { c[substr($1, 9)] += $3 } END { for (k in c) print k, c[k] }' | sort -k2,2nr
}
cpu() { for p in "$@"; do redis-cli -p "$p" info cpu; done | tr -d '\r' |
    awk -F: '/^used_cpu_(sys|user):/ { s += $2 } END { printf "%.2f", s }'; }
{
  echo "## Redis operations per relay command (INFO commandstats summed over the masters)"
  for mode in cluster one-redis; do
    if [ $mode = cluster ]; then servers=("${masters[@]}"); else servers=("$single"); fi
    n=$(sent $mode)
    echo
    echo "### $mode: $n relay commands sent in the recorded steps; Redis CPU (user+sys, all servers) $(cpu "${servers[@]}") s"
    echo "| Redis command | calls | per relay command |"
    echo "|---|---:|---:|"
    stats "${servers[@]}" | awk -v n="$n" '$1 != "info" && $1 != "config|resetstat" && $1 != "cluster|info" {
      printf "| %s | %d | %.3f |\n", $1, $2, (n > 0 ? $2 / n : 0); t += $2 } END { printf "| total | %d | %.3f |\n", t, (n > 0 ? t / n : 0) }'
    if [ $mode = cluster ]; then
      echo
      echo "per master (calls): $(for p in "${masters[@]}"; do stats "$p" | awk '{ t += $2 } END { printf "%d ", t }'; done)"
    fi
  done
} | tee "$out/redis-ops.md"
echo "reports: $out"
