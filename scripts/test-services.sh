#!/usr/bin/env bash
# Installs (when missing) and starts (when not running) everything the test
# suites talk to, on loopback only. Idempotent: run it as often as you like.
#
#   MariaDB   127.0.0.1:3306  root, no password   (Debian mariadb-server)
#   Redis     127.0.0.1:6379                      (Debian redis-server)
#   S3        127.0.0.1:7070  parley/parleysecret (versitygw, go install)
#   Kafka     127.0.0.1:19092                     (cmd/parley-devbroker: franz-go kfake)
#   Chromium  /usr/bin/chromium                   (Debian chromium, for browser tests)
#   Emoji     Noto Color Emoji                    (fonts-noto-color-emoji: emoji in screenshots)
#   coturn    /usr/bin/turnserver                 (Debian coturn; TURN tests run their own)
#
# State lives under .cache/test-services (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
state="$root/.cache/test-services"
mkdir -p "$state"
export PATH="$PATH:$(go env GOPATH)/bin"

say() { printf '[test-services] %s\n' "$*"; }
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_up() { # port name seconds
  for _ in $(seq 1 $(( $3 * 10 ))); do up "$1" && return 0; sleep 0.1; done
  say "$2 did not come up on 127.0.0.1:$1; see its log in $state"; return 1
}

apt_updated=0
install_pkg() { # package
  if [ "$apt_updated" = 0 ]; then say "apt-get update"; apt-get -o DPkg::Lock::Timeout=600 update -qq; apt_updated=1; fi
  say "installing $1"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$1" >/dev/null
}
need_pkg() { # command package
  command -v "$1" >/dev/null 2>&1 || install_pkg "$2"
}

# --- MariaDB -----------------------------------------------------------------
if ! up 3306; then
  need_pkg mariadbd mariadb-server
  datadir="$state/mariadb"
  if [ ! -d "$datadir/mysql" ]; then
    say "initialising MariaDB in $datadir"
    mkdir -p "$datadir"; chown -R mysql:mysql "$datadir" 2>/dev/null || true
    mariadb-install-db --no-defaults --user=mysql --datadir="$datadir" --auth-root-authentication-method=normal >"$state/mariadb-init.log" 2>&1
  fi
  say "starting MariaDB"
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  nohup mariadbd --no-defaults --user=mysql --datadir="$datadir" --bind-address=127.0.0.1 --port=3306 \
    --socket=/run/mysqld/mysqld.sock --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    >"$state/mariadb.log" 2>&1 &
  wait_up 3306 MariaDB 60
fi

# --- Redis -------------------------------------------------------------------
if ! up 6379; then
  need_pkg redis-server redis-server
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no \
    --dir "$state" --logfile "$state/redis.log"
  wait_up 6379 Redis 20
fi

# --- S3 (versitygw) ----------------------------------------------------------
if ! up 7070; then
  if ! command -v versitygw >/dev/null 2>&1; then
    say "installing versitygw (go install, about 90 s the first time)"
    go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
  fi
  say "starting versitygw"
  mkdir -p "$state/s3"
  nohup versitygw --port 127.0.0.1:7070 --access parley --secret parleysecret posix "$state/s3" \
    >"$state/versitygw.log" 2>&1 &
  wait_up 7070 versitygw 30
fi

# --- Kafka-protocol broker (kfake) -------------------------------------------
if ! up 19092; then
  say "building and starting the dev Kafka broker"
  go build -o "$state/parley-devbroker" ./cmd/parley-devbroker
  nohup "$state/parley-devbroker" -addr 127.0.0.1:19092 >"$state/devbroker.log" 2>&1 &
  wait_up 19092 parley-devbroker 30
fi

# --- Chromium ----------------------------------------------------------------
need_pkg chromium chromium
fc-list 2>/dev/null | grep -qi 'Noto Color Emoji' || install_pkg fonts-noto-color-emoji

# --- coturn (TURN tests start their own turnserver on a free port) ----------
need_pkg turnserver coturn

say "ready: MariaDB :3306, Redis :6379, S3 :7070, Kafka :19092, $(chromium --version 2>/dev/null | head -1)"
