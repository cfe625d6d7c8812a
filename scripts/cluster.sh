#!/usr/bin/env bash
# Parley's split mode as real processes on one machine, behind real nginx.
#
#   scripts/cluster.sh up              start whatever is not running (idempotent); print the URL
#   scripts/cluster.sh down            stop every process of the cluster (data stays)
#   scripts/cluster.sh reset           down, then forget the data and the ports
#   scripts/cluster.sh status          one line per process: pid, port, state, log
#   scripts/cluster.sh env             the URLs tests use (KEY=value lines)
#   scripts/cluster.sh start|stop|restart NAME   one process (e.g. ws-2, message-1, mariadb, broker)
#
# Everything listens on 127.0.0.1 only, each process on its own port (free
# ports picked on the first `up` and kept in $state/ports.env), with its own
# log ($state/logs/NAME.log) and PID file ($state/pids/NAME.pid):
#
#   mariadb   MariaDB (Debian mariadb-server), its own data directory, one database per role
#   redis     Redis (Debian redis-server): refresh tokens, abuse limits, SFU registry
#   broker    the Kafka-protocol broker (cmd/parley-devbroker, franz-go kfake), persisted across restarts
#   s3        versitygw, an S3 server with real signatures
#   mail      cmd/parley-devmail, an SMTP sink with a JSON API (/messages)
#   coturn    TURN/STUN (Debian coturn) with use-auth-secret
#   nginx     the ingress (Debian nginx) with deploy/nginx/parley.conf, plus one
#             internal listener per RPC role that stands in for a Kubernetes Service
#   token email user group search web   one Parley process each
#   message-1 message-2 ws-1 ws-2       two each
#   webrtc-1 webrtc-2 webrtc-gateway-1 webrtc-gateway-2   when `parley roles` reports them ready
#
# PARLEY_CLUSTER_SFUS=N (default 2) runs N SFUs (webrtc-1 … webrtc-N) instead;
# the count given to `up` is kept in $state/sfus for later commands.
#
# State lives under $PARLEY_CLUSTER_DIR (default .cache/cluster, git-ignored).
# The binaries are bin/parley, bin/parley-devmail and bin/parley-devbroker
# (`make cluster` builds them; PARLEY_BIN etc. override). Servers missing on
# a Debian machine are installed with apt-get, versitygw with go install.
set -euo pipefail
[ -n "${CLUSTER_TRACE:-}" ] && { PS4='+ $EPOCHREALTIME '; set -x; }
cd "$(dirname "$0")/.."
root=$(pwd)
state=${PARLEY_CLUSTER_DIR:-$root/.cache/cluster}
case "$state" in /*) ;; *) state="$root/$state" ;; esac
bin=${PARLEY_BIN:-$root/bin/parley}
devmail_bin=${PARLEY_DEVMAIL_BIN:-$root/bin/parley-devmail}
devbroker_bin=${PARLEY_DEVBROKER_BIN:-$root/bin/parley-devbroker}
logs="$state/logs" pids="$state/pids" data="$state/data"
export PATH="$PATH:$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin:/usr/sbin:/sbin"

say() { printf '[cluster] %s\n' "$*"; }
die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- processes

infra=(mariadb redis broker s3 mail coturn)
core=(token email user group message-1 message-2 ws-1 ws-2 search web)
# sfu_count: PARLEY_CLUSTER_SFUS, else what the cluster was started with, else 2.
sfu_count() {
  local n=${PARLEY_CLUSTER_SFUS:-}
  if [ -z "$n" ] && [ -f "$state/sfus" ]; then n=$(cat "$state/sfus"); fi
  n=${n:-2}
  [[ "$n" =~ ^[1-9][0-9]?$ ]] || die "PARLEY_CLUSTER_SFUS=$n: want a number of SFUs from 1 to 99"
  echo "$n"
}
rtc=()
for ((i = 1; i <= $(sfu_count); i++)); do rtc+=("webrtc-$i"); done
rtc+=(webrtc-gateway-1 webrtc-gateway-2)

# role_of NAME prints the Parley role of a process name (ws-2 → ws).
role_of() { case "$1" in webrtc-gateway-*) echo webrtc-gateway ;; *-[0-9]*) echo "${1%-*}" ;; *) echo "$1" ;; esac; }
is_parley() { case " ${core[*]} ${rtc[*]} " in *" $1 "*) return 0 ;; esac; return 1; }
var() { local v=${1//-/_}; echo "${v//./_}"; }

# rtc_ready says whether this build runs the call roles.
rtc_cached=""
rtc_ready() {
  if [ -z "$rtc_cached" ]; then
    rtc_cached=no
    if "$bin" roles 2>/dev/null | awk '$1=="webrtc"||$1=="webrtc-gateway"{ if ($3=="ready") n++ } END { exit !(n==2) }'; then rtc_cached=yes; fi
  fi
  [ "$rtc_cached" = yes ]
}
parley_names() { printf '%s\n' "${core[@]}"; if rtc_ready; then printf '%s\n' "${rtc[@]}"; fi; }


# ---------------------------------------------------------------- ports

in_use() { # port: bound or connected on this machine (TCP or UDP, v4 or v6)?
  local hex; hex=$(printf ':%04X ' "$1")
  grep -qs "$hex" /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6
}
declare -A taken=()
pick_port() { # [count]: the first of count consecutive free ports in 20000–31999
  local n=${1:-1} p i ok
  for _ in $(seq 1 500); do
    p=$((20000 + RANDOM % (12000 - n)))
    ok=1
    for ((i = 0; i < n; i++)); do
      if [ -n "${taken[$((p + i))]:-}" ] || in_use $((p + i)); then ok=0; break; fi
    done
    if [ $ok = 1 ]; then
      for ((i = 0; i < n; i++)); do taken[$((p + i))]=1; done
      echo "$p"; return 0
    fi
  done
  die "no free port range of $n found"
}

# load_ports reads $state/ports.env, adding a port for every name that has
# none yet (new processes, e.g. the call roles once they exist).
load_ports() {
  mkdir -p "$state"
  rtc_ready || true # asks the binary once; subshells inherit the answer
  local f="$state/ports.env" name k
  touch "$f"
  # shellcheck disable=SC1090
  source "$f"
  while read -r k; do [ -n "$k" ] && taken[$k]=1; done < <(sed -n 's/^[A-Za-z0-9_]*=\([0-9]*\)$/\1/p' "$f")
  if [ -n "${PORT_turn_relay:-}" ]; then for ((k = 1; k < 50; k++)); do taken[$((PORT_turn_relay + k))]=1; done; fi
  # pick_port runs in a command substitution (a subshell): what it marks
  # taken is lost, so the range it picked is marked here, or the next pick
  # of this run could return it again.
  need() {
    k="PORT_$(var "$1")"
    if [ -z "${!k:-}" ]; then
      printf -v "$k" '%s' "$(pick_port "${2:-1}")"
      local i; for ((i = 0; i < ${2:-1}; i++)); do taken[$((${!k} + i))]=1; done
      echo "$k=${!k}" >>"$f"
    fi
  }
  for name in "${infra[@]}" nginx mail-http turn-relay rpc-user rpc-token rpc-email rpc-group rpc-message; do
    case "$name" in turn-relay) need "$name" 50 ;; *) need "$name" ;; esac
  done
  while read -r name; do
    need "$name"
    need "$name-admin"
    case "$name" in webrtc-[0-9]*) need "$name-udp" ;; esac
  done < <(parley_names)
}
port() { local k; k="PORT_$(var "$1")"; echo "${!k}"; }

# ---------------------------------------------------------------- helpers

pid_of() { [ -f "$pids/$1.pid" ] && cat "$pids/$1.pid"; }
alive() { # name
  local pid; pid=$(pid_of "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]
}
up_tcp() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_tcp() { # name port seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    up_tcp "$2" && return 0
    alive "$1" || { tail -n 30 "$logs/$1.log" >&2; die "$1 exited; log: $logs/$1.log"; }
    sleep 0.1
  done
  tail -n 30 "$logs/$1.log" >&2
  die "$1 did not listen on 127.0.0.1:$2 within $3 s; log: $logs/$1.log"
}
# http_ok URL: does a GET answer 2xx? (bash only: curl may be missing)
http_ok() (
  local rest=${1#http://} hostport path status
  hostport=${rest%%/*}
  path=/${rest#*/}
  [ "$rest" = "$hostport" ] && path=/
  exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}" || exit 1
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$hostport" >&3
  read -r -t 5 _ status _ <&3 || exit 1
  [[ "$status" == 2* ]]
) 2>/dev/null
wait_http() { # name url seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    http_ok "$2" && return 0
    alive "$1" || { tail -n 30 "$logs/$1.log" >&2; die "$1 exited; log: $logs/$1.log"; }
    sleep 0.1
  done
  tail -n 30 "$logs/$1.log" >&2
  die "$1 did not answer $2 within $3 s; log: $logs/$1.log"
}

# spawn NAME CMD...: runs CMD in the background, detached from this shell,
# appending to the process's log and recording its PID.
spawn() {
  local name=$1; shift
  mkdir -p "$logs" "$pids"
  printf '\n=== %s start %s\n' "$(date -Is)" "$name" >>"$logs/$name.log"
  nohup "$@" </dev/null >>"$logs/$name.log" 2>&1 &
  echo $! >"$pids/$name.pid"
}

# stop_proc NAME [signal] [seconds]: signals the process and waits for it.
stop_proc() {
  local name=$1 sig=${2:-TERM} secs=${3:-20} pid i
  pid=$(pid_of "$name" 2>/dev/null) || return 0
  if alive "$name"; then
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do alive "$name" || break; sleep 0.1; done
    if alive "$name"; then
      say "$name did not stop within $secs s of SIG$sig: killing it"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do alive "$name" || break; sleep 0.1; done
    fi
  fi
  rm -f "$pids/$name.pid"
}

apt_updated=0
need_cmd() { # command debian-package
  command -v "$1" >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || die "$1 is missing: install the Debian package $2"
  if [ $apt_updated = 0 ]; then say "apt-get update"; apt-get -o DPkg::Lock::Timeout=600 update -qq; apt_updated=1; fi
  say "installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$2" >/dev/null
}

secret() { # name: a random secret kept in $state/secrets.env
  local f="$state/secrets.env" k v
  k="SECRET_$(var "$1")"
  touch "$f"
  v=$(sed -n "s/^$k=//p" "$f")
  if [ -z "$v" ]; then v=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'); echo "$k=$v" >>"$f"; fi
  echo "$v"
}

# ---------------------------------------------------------------- infrastructure

mysql_sock() { echo "$data/mariadb/mysqld.sock"; }

start_mariadb() {
  need_cmd mariadbd mariadb-server
  local dir="$data/mariadb" user=()
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then user=(--user=mysql); chown mysql:mysql "$dir"; fi
  if [ ! -d "$dir/db/mysql" ]; then
    say "initialising MariaDB in $dir/db"
    mkdir -p "$dir/db"
    if [ "$(id -u)" = 0 ]; then chown mysql:mysql "$dir/db"; fi
    mariadb-install-db --no-defaults "${user[@]}" --datadir="$dir/db" --auth-root-authentication-method=normal \
      --skip-test-db >"$logs/mariadb-init.log" 2>&1 || { cat "$logs/mariadb-init.log" >&2; die "mariadb-install-db failed"; }
  fi
  spawn mariadb mariadbd --no-defaults "${user[@]}" --datadir="$dir/db" --bind-address=127.0.0.1 \
    --port="$(port mariadb)" --socket="$(mysql_sock)" --pid-file="$dir/mariadbd.pid" --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=64M --max-connections=500
  wait_tcp mariadb "$(port mariadb)" 60
  local pw sql="" db
  pw=$(secret mariadb)
  for db in user group message; do
    sql+="CREATE DATABASE IF NOT EXISTS parley_$db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
    sql+="GRANT ALL ON parley_$db.* TO 'parley'@'127.0.0.1';"
  done
  mariadb --no-defaults -uroot --socket="$(mysql_sock)" \
    -e "CREATE USER IF NOT EXISTS 'parley'@'127.0.0.1' IDENTIFIED BY '$pw'; $sql"
}

start_redis() {
  need_cmd redis-server redis-server
  mkdir -p "$data/redis"
  spawn redis redis-server --bind 127.0.0.1 --port "$(port redis)" --save '' --appendonly no --dir "$data/redis"
  wait_tcp redis "$(port redis)" 20
}

start_broker() {
  [ -x "$devbroker_bin" ] || die "no $devbroker_bin: run make devtools (or make cluster)"
  mkdir -p "$data/broker"
  spawn broker "$devbroker_bin" -addr "127.0.0.1:$(port broker)" -data "$data/broker"
  wait_tcp broker "$(port broker)" 30
}

start_s3() {
  if ! command -v versitygw >/dev/null 2>&1; then
    say "installing versitygw (go install, about 90 s the first time)"
    go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
  fi
  mkdir -p "$data/s3"
  spawn s3 versitygw --port "127.0.0.1:$(port s3)" --access parley --secret "$(secret s3)" posix "$data/s3"
  wait_tcp s3 "$(port s3)" 30
}

start_mail() {
  [ -x "$devmail_bin" ] || die "no $devmail_bin: run make devtools (or make cluster)"
  spawn mail "$devmail_bin" -smtp "127.0.0.1:$(port mail)" -http "127.0.0.1:$(port mail-http)" -keep 20000
  wait_tcp mail "$(port mail-http)" 15
}

start_coturn() {
  need_cmd turnserver coturn
  local relay; relay=$(port turn-relay)
  mkdir -p "$data/coturn"
  spawn coturn turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$(port coturn)" \
    --min-port="$relay" --max-port=$((relay + 49)) --use-auth-secret --static-auth-secret="$(secret turn)" \
    --realm=parley --allow-loopback-peers --no-cli --no-tls --no-dtls --db="$data/coturn/turndb" \
    --log-file=stdout --simple-log
  wait_tcp coturn "$(port coturn)" 20
}

# ---------------------------------------------------------------- nginx

# render_nginx writes $state/nginx: nginx.conf (paths, logs, the internal
# RPC listeners) and parley.conf, which is deploy/nginx/parley.conf with
# the upstreams and the listen address of this cluster.
render_nginx() {
  local dir="$state/nginx" up="" role names n
  mkdir -p "$dir/tmp"
  chmod 1777 "$dir/tmp"
  for role in user group message search ws webrtc-gateway web token email; do
    names=$(parley_names | while read -r n; do if [ "$(role_of "$n")" = "$role" ]; then echo "$n"; fi; done)
    [ -n "$names" ] || continue
    local servers="" upname=$role lb=""
    case "$role" in webrtc-gateway) upname=calls; lb="least_conn; " ;; ws) lb="least_conn; " ;; esac
    for n in $names; do servers+="server 127.0.0.1:$(port "$n") max_fails=1 fail_timeout=5s; "; done
    up+="upstream parley_$upname { zone parley_$upname 64k; ${lb}${servers}keepalive 16; }"$'\n'
  done
  # Without the call roles their route answers 502, like an ingress whose
  # backend has no endpoints.
  rtc_ready || up+="upstream parley_calls { server 127.0.0.1:$(port nginx) down; }"$'\n'
  awk -v ups="$up" -v listen="    listen 127.0.0.1:$(port nginx);" '
    /^# upstreams:begin/ { print; printf "%s", ups; skip = 1; next }
    /^# upstreams:end/   { skip = 0 }
    skip { next }
    /^    listen / { print listen; next }
    { print }' "$root/deploy/nginx/parley.conf" >"$dir/parley.conf"
  grep -q "listen 127.0.0.1:$(port nginx);" "$dir/parley.conf" || die "deploy/nginx/parley.conf has no listen line to replace"
  local user_line="" rpc=""
  if [ "$(id -u)" = 0 ]; then user_line="user nobody nogroup;"; fi
  for role in user token email group message; do
    rpc+="    server { listen 127.0.0.1:$(port "rpc-$role"); location / { proxy_pass http://parley_$role; proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_read_timeout 60s; } }"$'\n'
  done
  cat >"$dir/nginx.conf" <<EOF
# Generated by scripts/cluster.sh: do not edit.
$user_line
worker_processes 2;
pid $dir/nginx.pid;
error_log $logs/nginx.log warn;
events { worker_connections 8192; }
http {
    access_log $logs/nginx-access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    default_type application/octet-stream;

    # The public ingress: deploy/nginx/parley.conf with this cluster's upstreams.
    include $dir/parley.conf;

    # Internal RPC, one listener per role that others call: what a
    # Kubernetes Service does (spreads calls over the instances, skips a
    # dead one). Never reachable through the public listener.
$rpc}
EOF
}

start_nginx() {
  need_cmd nginx nginx
  render_nginx
  local dir="$state/nginx"
  nginx -t -p "$dir" -c "$dir/nginx.conf" >"$logs/nginx-check.log" 2>&1 || { cat "$logs/nginx-check.log" >&2; die "nginx rejected $dir/nginx.conf"; }
  if alive nginx; then
    kill -HUP "$(pid_of nginx)"
    return
  fi
  spawn nginx nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;'
  wait_tcp nginx "$(port nginx)" 20
}

# ---------------------------------------------------------------- Parley

public_url() { echo "http://127.0.0.1:$(port nginx)"; }

# parley_env NAME prints the environment of one Parley process, one
# KEY=value per line. Every process shares the distributed adapters; RPC
# goes through the internal listeners.
parley_env() {
  local name=$1 role pw
  role=$(role_of "$name")
  pw=$(secret mariadb)
  local db="mysql://parley:$pw@127.0.0.1:$(port mariadb)"
  local redis="redis://127.0.0.1:$(port redis)/0"
  cat <<EOF
PARLEY_ROLES=$role
PARLEY_ADDR=127.0.0.1:$(port "$name")
PARLEY_METRICS_ADDR=127.0.0.1:$(port "$name-admin")
PARLEY_PUBLIC_URL=$(public_url)
PARLEY_DATA_DIR=$data/$name
PARLEY_INTERNAL_SECRET=$(secret internal)
PARLEY_USER_DATABASE_URL=$db/parley_user
PARLEY_GROUP_DATABASE_URL=$db/parley_group
PARLEY_MESSAGE_DATABASE_URL=$db/parley_message
PARLEY_EVENTS_URL=kafka://127.0.0.1:$(port broker)
PARLEY_BLOB_URL=s3://parley:$(secret s3)@parley?endpoint=http://127.0.0.1:$(port s3)&region=us-east-1&create=true
PARLEY_TOKEN_STORE_URL=$redis?prefix=parley:token:
PARLEY_RATELIMIT_URL=$redis?prefix=parley:ratelimit:
PARLEY_REGISTRY_URL=$redis?prefix=parley:registry:
PARLEY_SEARCH_URL=bleve://$data/$name/search
PARLEY_MAIL_URL=smtp://127.0.0.1:$(port mail)?tls=none
PARLEY_USER_URL=http://127.0.0.1:$(port rpc-user)
PARLEY_TOKEN_URL=http://127.0.0.1:$(port rpc-token)
PARLEY_EMAIL_URL=http://127.0.0.1:$(port rpc-email)
PARLEY_GROUP_URL=http://127.0.0.1:$(port rpc-group)
PARLEY_MESSAGE_URL=http://127.0.0.1:$(port rpc-message)
PARLEY_SHUTDOWN_TIMEOUT=10s
EOF
  case "$name" in
    webrtc-[0-9]*)
      # Each SFU: its own UDP port for media, the address gateways reach
      # its internal endpoint at, and coturn's secret to mint TURN
      # credentials with (TURN REST scheme).
      echo "PARLEY_RTC_UDP_ADDR=127.0.0.1:$(port "$name-udp")"
      echo "PARLEY_WEBRTC_INTERNAL_URL=http://127.0.0.1:$(port "$name")"
      echo "PARLEY_TURN_URLS=turn:127.0.0.1:$(port coturn)?transport=udp"
      echo "PARLEY_TURN_SECRET=$(secret turn)"
      ;;
  esac
}

start_parley() { # name
  local name=$1 envs=()
  [ -x "$bin" ] || die "no $bin: run make build (or make cluster)"
  mkdir -p "$data/$name"
  chmod 700 "$data/$name" # its databases and keys are the process's own
  mapfile -t envs < <(parley_env "$name")
  # A clean environment: Parley refuses PARLEY_* keys it does not know,
  # and nothing of the caller's (PARLEY_BIN, PARLEY_CLUSTER_DIR…) is its.
  spawn "$name" env -i PATH="$PATH" HOME="${HOME:-/tmp}" TZ=UTC "${envs[@]}" "$bin" serve
  wait_http "$name" "http://127.0.0.1:$(port "$name")/healthz" 60
}

# ---------------------------------------------------------------- commands

start_one() { # name
  local name=$1
  alive "$name" && return 0
  case "$name" in
    mariadb | redis | broker | s3 | mail | coturn | nginx) "start_$name" ;;
    *) is_parley "$name" || die "unknown process $name (see: $0 status)"; start_parley "$name" ;;
  esac
}

write_env() {
  local name f="$state/cluster.env"
  {
    echo "PARLEY_CLUSTER_URL=$(public_url)"
    echo "PARLEY_CLUSTER_DEVMAIL_URL=http://127.0.0.1:$(port mail-http)"
    echo "PARLEY_CLUSTER_STATE=$state"
    echo "PARLEY_CLUSTER_SCRIPT=$root/scripts/cluster.sh"
    echo "PARLEY_CLUSTER_MYSQL=127.0.0.1:$(port mariadb)"
    echo "PARLEY_CLUSTER_TURN=127.0.0.1:$(port coturn)"
    echo "PARLEY_CLUSTER_REGISTRY_URL=redis://127.0.0.1:$(port redis)/0?prefix=parley:registry:"
    while read -r name; do
      echo "PARLEY_CLUSTER_NODE_$(var "$name")=http://127.0.0.1:$(port "$name")"
      echo "PARLEY_CLUSTER_ADMIN_$(var "$name")=http://127.0.0.1:$(port "$name-admin")"
    done < <(parley_names)
  } >"$f.tmp"
  mv "$f.tmp" "$f"
}

cmd_up() {
  mkdir -p "$logs" "$pids" "$data"
  sfu_count >"$state/sfus"
  load_ports
  local name
  for name in "${infra[@]}"; do start_one "$name"; done
  # nginx before Parley: the internal RPC listeners must exist when the
  # roles call each other; a reload picks up call roles that appeared.
  start_nginx
  while read -r name; do start_one "$name"; done < <(parley_names)
  write_env
  # Readiness: every role reaches its adapters.
  while read -r name; do wait_http "$name" "http://127.0.0.1:$(port "$name")/readyz" 60; done < <(parley_names)
  wait_http nginx "$(public_url)/" 20
  rtc_ready || say "the call roles are not implemented by this build: webrtc and webrtc-gateway not started"
  say "Parley is up at $(public_url)  (mail: http://127.0.0.1:$(port mail-http)/messages, logs: $logs)"
}

cmd_down() {
  [ -d "$pids" ] || { say "nothing to stop"; return 0; }
  local name f
  stop_proc nginx TERM 10
  # Parley first (they drain), then what they use.
  for f in "$pids"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    is_parley "$name" && stop_proc "$name" TERM 20 &
  done
  wait
  for name in coturn mail s3 broker redis; do stop_proc "$name" TERM 20; done
  stop_proc mariadb TERM 60
  # Anything else this cluster started (a PID file lost by hand).
  for f in "$pids"/*.pid; do [ -e "$f" ] && stop_proc "$(basename "$f" .pid)" TERM 10; done
  local left
  left=$(leftovers)
  [ -z "$left" ] || die "still running after down: $left"
  say "stopped"
}

# leftovers lists processes of this cluster that are still running: those
# whose command line names the state directory, and Parley processes whose
# data directory lies in it.
leftovers() {
  local p out=""
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = $$ ] && continue
    if tr '\0' ' ' <"$p/cmdline" | grep -q -- "$state/"; then out+=" ${p#/proc/}"; continue; fi
    if tr '\0' '\n' <"$p/environ" | grep -qx "PARLEY_DATA_DIR=$data/.*"; then out+=" ${p#/proc/}"; fi
  done 2>/dev/null
  echo "${out# }"
}

cmd_status() {
  [ -f "$state/ports.env" ] || { say "no cluster in $state"; return 0; }
  load_ports
  local name pid st
  printf '%-18s %-8s %-7s %-6s %s\n' NAME PID PORT STATE LOG
  for name in "${infra[@]}" nginx $(parley_names); do
    pid=$(pid_of "$name" 2>/dev/null || true)
    st=down
    alive "$name" && st=up
    printf '%-18s %-8s %-7s %-6s %s\n' "$name" "${pid:--}" "$(port "$name")" "$st" "$logs/$name.log"
  done
  if [ -f "$state/cluster.env" ]; then say "public URL: $(sed -n 's/^PARLEY_CLUSTER_URL=//p' "$state/cluster.env")"; fi
}

cmd="${1:-up}"
case "$cmd" in
  up) cmd_up ;;
  down) cmd_down ;;
  reset) cmd_down; rm -rf "$state"; say "removed $state" ;;
  status) cmd_status ;;
  env) [ -f "$state/cluster.env" ] || die "no cluster in $state: run $0 up"; cat "$state/cluster.env" ;;
  start | stop | restart)
    [ $# -eq 2 ] || die "usage: $0 $cmd NAME"
    load_ports
    case "$cmd" in
      start) start_one "$2" ;;
      stop) stop_proc "$2" TERM 60 ;;
      restart) stop_proc "$2" TERM 60; start_one "$2" ;;
    esac
    ;;
  *) die "unknown command $cmd (up, down, reset, status, env, start, stop, restart)" ;;
esac
