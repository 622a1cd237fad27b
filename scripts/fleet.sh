#!/usr/bin/env bash
# A local fleet behind a real load balancer: one redis-server, FLEET_NODES cndr nodes (the Release build) and
# nginx (deploy/nginx/cndr.conf, ports rewritten) on http://127.0.0.1:FLEET_LB_PORT, all run as the current user
# with their pid files, logs and temp dirs in FLEET_STATE. "down" stops exactly what "up" started (pid files).
#
#   bash scripts/fleet.sh up | down | status | kill N | drain N | start N
#
# Settings (environment): FLEET_NODES (3), FLEET_LB_PORT (8080), FLEET_BASE_PORT (3100: nodes on 3101, 3102, ...),
# FLEET_REDIS_PORT (6390), FLEET_STATE (/tmp/cndr-fleet), FLEET_ADMIN_TOKEN (random), FLEET_NO_BUILD=1 (use the
# existing build). Nodes get fast cluster timings (heartbeat 1 s, dead after 4 s) so a killed node is noticed quickly.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

NODES=${FLEET_NODES:-3}
LB_PORT=${FLEET_LB_PORT:-8080}
BASE_PORT=${FLEET_BASE_PORT:-3100}
REDIS_PORT=${FLEET_REDIS_PORT:-6390}
STATE=${FLEET_STATE:-/tmp/cndr-fleet}
BIN="$root/src/Cndr.Host/bin/Release/net10.0/cndr"

say() { echo "fleet: $*" >&2; }

need() {
  local missing=()
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

nginx_bin() { command -v nginx 2>/dev/null || echo /usr/sbin/nginx; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_http() { # url, seconds
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.2
  done
}

start_node() { # i
  local i=$1 port=$((BASE_PORT + $1))
  if alive "$STATE/node$i.pid"; then say "node $i already runs"; return; fi
  NODE_ID="node-$i" SID_PREFIX="n$i" PORT=$port BIND_ADDRESS=127.0.0.1 \
  REDIS_HOST=127.0.0.1 REDIS_PORT=$REDIS_PORT ADMIN_TOKEN="$(cat "$STATE/admin-token")" \
  HEARTBEAT_INTERVAL_MS=1000 NODE_TIMEOUT_MS=4000 NODE_STATUS_INTERVAL_MS=1000 \
  DRAIN_TIMEOUT_MS=5000 DRAIN_RECONNECT_JITTER_MS=300 DEMO_ROOM=false LOG_LEVEL=${FLEET_LOG_LEVEL:-info} \
    nohup "$BIN" >"$STATE/node$i.log" 2>&1 &
  echo $! >"$STATE/node$i.pid"
  wait_http "http://127.0.0.1:$port/ready" 30 || { say "node $i did not become ready (see $STATE/node$i.log)"; return 1; }
}

write_nginx_conf() {
  mkdir -p "$STATE/nginx/temp" "$STATE/nginx/logs"
  {
    echo "upstream cndr_any {"
    echo "    least_conn;"
    for i in $(seq 1 "$NODES"); do echo "    server 127.0.0.1:$((BASE_PORT + i)) max_fails=1 fail_timeout=5s;"; done
    echo "    keepalive 32;"
    echo "}"
    for i in $(seq 1 "$NODES"); do echo "upstream cndr_n$i { server 127.0.0.1:$((BASE_PORT + i)); keepalive 8; }"; done
    echo 'map $arg_sid $cndr_backend {'
    echo "    default    cndr_any;"
    for i in $(seq 1 "$NODES"); do echo "    \"~^n$i\\.\"   cndr_n$i;"; done
    echo "}"
  } >"$STATE/nginx/nodes.conf"
  # deploy/nginx/cndr.conf with its node section replaced and the fleet's listen port.
  awk -v nodes="$STATE/nginx/nodes.conf" '
    /^# --- nodes: begin/ { while ((getline line < nodes) > 0) print line; skip = 1; next }
    /^# --- nodes: end/ { skip = 0; next }
    !skip { print }' deploy/nginx/cndr.conf | sed "s/^    listen 8080;/    listen 127.0.0.1:$LB_PORT;/" >"$STATE/nginx/cndr.conf"
  local user_line=""
  [ "$(id -u)" -eq 0 ] && user_line="user root;"
  cat >"$STATE/nginx/nginx.conf" <<CONF
$user_line
worker_processes 1;
daemon on;
pid $STATE/nginx/nginx.pid;
error_log $STATE/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log $STATE/nginx/logs/access.log;
    client_body_temp_path $STATE/nginx/temp/body;
    proxy_temp_path $STATE/nginx/temp/proxy;
    fastcgi_temp_path $STATE/nginx/temp/fastcgi;
    uwsgi_temp_path $STATE/nginx/temp/uwsgi;
    scgi_temp_path $STATE/nginx/temp/scgi;
    include $STATE/nginx/cndr.conf;
}
CONF
}

up() {
  need
  mkdir -p "$STATE"
  if [ "${FLEET_NO_BUILD:-}" != "1" ] || [ ! -x "$BIN" ]; then
    say "building the Release binary"
    dotnet build src/Cndr.Host -c Release -nologo -v q >"$STATE/build.log" 2>&1 || { cat "$STATE/build.log" >&2; exit 1; }
  fi
  [ -f "$STATE/admin-token" ] || { [ -n "${FLEET_ADMIN_TOKEN:-}" ] && echo "$FLEET_ADMIN_TOKEN" || head -c 18 /dev/urandom | base64 | tr -d '/+='; } >"$STATE/admin-token"

  if ! alive "$STATE/redis.pid"; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
      --pidfile "$STATE/redis.pid" --dir "$STATE" --logfile "$STATE/redis.log"
    for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  for i in $(seq 1 "$NODES"); do start_node "$i"; done

  write_nginx_conf
  if alive "$STATE/nginx/nginx.pid"; then
    "$(nginx_bin)" -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -s reload
  else
    "$(nginx_bin)" -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" 2>"$STATE/nginx/logs/start.log" || { cat "$STATE/nginx/logs/start.log" >&2; exit 1; }
  fi
  wait_http "http://127.0.0.1:$LB_PORT/ready" 15 || { say "the balancer does not answer"; exit 1; }

  local token room
  token=$(cat "$STATE/admin-token")
  room=$(curl -fsS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$LB_PORT/admin/rooms")
  echo "$room" >"$STATE/demo-room.json"
  echo "balancer   http://127.0.0.1:$LB_PORT"
  for i in $(seq 1 "$NODES"); do echo "node $i     http://127.0.0.1:$((BASE_PORT + i))   (node-$i, pid $(cat "$STATE/node$i.pid"), SID_PREFIX n$i)"; done
  echo "redis      redis://127.0.0.1:$REDIS_PORT"
  echo "admin      token $token"
  echo "monitor    http://127.0.0.1:$LB_PORT/monitor#token=$token"
  echo "demo room  $room"
  echo "state      $STATE (logs, pid files); stop with: bash scripts/fleet.sh down"
}

stop_pid() { # pidfile, signal
  local f=$1
  if alive "$f"; then
    local pid; pid=$(cat "$f")
    kill "-${2:-TERM}" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

down() {
  [ -d "$STATE" ] || { say "nothing to stop ($STATE does not exist)"; return 0; }
  if alive "$STATE/nginx/nginx.pid"; then
    "$(nginx_bin)" -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -s quit 2>/dev/null || true
    local pid; pid=$(cat "$STATE/nginx/nginx.pid" 2>/dev/null || echo "")
    for _ in $(seq 1 50); do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$STATE/nginx/nginx.pid"
  for f in "$STATE"/node*.pid; do [ -e "$f" ] && stop_pid "$f" TERM; done
  [ -f "$STATE/redis.pid" ] && stop_pid "$STATE/redis.pid" TERM
  say "stopped"
}

status() {
  for f in "$STATE"/node*.pid "$STATE/redis.pid" "$STATE/nginx/nginx.pid"; do
    [ -e "$f" ] || continue
    if alive "$f"; then echo "$(basename "$f" .pid) running (pid $(cat "$f"))"; else echo "$(basename "$f" .pid) stopped"; fi
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  kill) stop_pid "$STATE/node${2:?node number}.pid" KILL ;;
  drain) stop_pid "$STATE/node${2:?node number}.pid" TERM ;;
  start) start_node "${2:?node number}" ;;
  *) echo "usage: bash scripts/fleet.sh up | down | status | kill N | drain N | start N" >&2; exit 2 ;;
esac
