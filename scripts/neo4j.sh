#!/usr/bin/env bash
# Runs a local Neo4j Community server for development and tests, fetched from Maven Central.
#
#   scripts/neo4j.sh fetch     resolve the pinned release's jars with mvn into the cache folder
#   scripts/neo4j.sh start     fetch if needed, write neo4j.conf, set the password, start, wait until online
#   scripts/neo4j.sh stop      stop the server started by start
#   scripts/neo4j.sh status    say whether it runs (exit 0) or not (exit 3)
#   scripts/neo4j.sh wait      wait until the database answers queries (not just the port)
#   scripts/neo4j.sh env       print NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD lines for `eval`
#
# Settings (environment): GRAPHCRM_NEO4J_HOME (default ~/.cache/graphcrm/neo4j-VERSION),
# GRAPHCRM_NEO4J_BOLT_PORT (7687), GRAPHCRM_NEO4J_HTTP_PORT (7474), GRAPHCRM_NEO4J_HEAP (2g),
# GRAPHCRM_NEO4J_PAGECACHE (2g), GRAPHCRM_NEO4J_WAIT (180 seconds).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pom="$here/neo4j/pom.xml"
version=$(sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$pom")
home=${GRAPHCRM_NEO4J_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/graphcrm/neo4j-$version}
bolt_port=${GRAPHCRM_NEO4J_BOLT_PORT:-7687}
http_port=${GRAPHCRM_NEO4J_HTTP_PORT:-7474}
heap=${GRAPHCRM_NEO4J_HEAP:-2g}
pagecache=${GRAPHCRM_NEO4J_PAGECACHE:-2g}
wait_seconds=${GRAPHCRM_NEO4J_WAIT:-180}
pidfile="$home/run/graphcrm-neo4j.pid"
log="$home/logs/console.log"

die() { echo "neo4j.sh: $*" >&2; exit 1; }
say() { echo "neo4j.sh: $*" >&2; }

password() {
    # One random password per installation, readable only by its owner; loopback-only server.
    if [ ! -s "$home/password" ]; then
        mkdir -p "$home"
        (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$home/password")
    fi
    cat "$home/password"
}

fetch() {
    if [ -f "$home/lib/.complete" ]; then return 0; fi
    command -v mvn >/dev/null || die "mvn (Maven) is needed to fetch Neo4j $version from Maven Central"
    command -v java >/dev/null || die "java 17 or 21 is needed to run Neo4j $version"
    say "fetching Neo4j Community $version from Maven Central into $home/lib"
    mkdir -p "$home/lib"
    mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$home/lib" -DincludeScope=runtime \
        || die "mvn could not resolve org.neo4j:neo4j:$version (see output above)"
    touch "$home/lib/.complete"
}

configure() {
    mkdir -p "$home"/{conf,data,logs,run,import,plugins}
    cat > "$home/conf/neo4j.conf" <<CONF
# Written by scripts/neo4j.sh: a small, loopback-only server for development and tests.
server.directories.data=data
server.directories.logs=logs
server.directories.run=run
server.directories.import=import
server.directories.plugins=plugins
initial.dbms.default_database=neo4j
server.default_listen_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:$bolt_port
server.bolt.advertised_address=localhost:$bolt_port
server.http.enabled=true
server.http.listen_address=127.0.0.1:$http_port
server.http.advertised_address=localhost:$http_port
server.https.enabled=false
dbms.security.auth_enabled=true
dbms.usage_report.enabled=false
server.memory.pagecache.size=$pagecache
db.tx_log.rotation.retention_policy=1 days 512M

# Recommended for every graphcrm server, production included (README, "Analyst queries"). They are a
# second line: the analyst guard (graphcrm/guard/) holds against a server with Neo4j's defaults and
# relies on none of them.
# No transaction outlives this, whoever opened it (the guard sets its own, shorter, per query).
db.transaction.timeout=120s
db.lock.acquisition.timeout=30s
# Memory one transaction, and all of them together, may take (tracked allocations: operators' state).
db.memory.transaction.max=1g
dbms.memory.transaction.total.max=1500m
# LOAD CSV may not read the server's own files (file URLs would anyway stay inside import/, set above).
dbms.security.allow_csv_import_from_file_urls=false
# Production also: no plugins (APOC, GDS) unless reviewed, and LOAD CSV kept off every network address.
# The second is an internal (unsupported) setting: a seat belt, not the lock. This development and test
# server leaves URLs open, as Neo4j does by default, so the tests prove the guard alone stops SSRF.
#dbms.security.procedures.allowlist=db.labels,db.relationshipTypes,db.propertyKeys,db.schema.*
#internal.dbms.cypher_ip_blocklist=0.0.0.0/0,::/0
CONF
    if [ ! -f "$home/data/dbms/auth.ini" ]; then
        NEO4J_HOME="$home" NEO4J_CONF="$home/conf" java -Xmx512m -cp "$home/lib/*" org.neo4j.cli.AdminTool \
            dbms set-initial-password "$(password)" >/dev/null 2>"$home/logs/set-password.log" \
            || die "could not set the initial password (see $home/logs/set-password.log)"
    fi
}

running_pid() {
    [ -f "$pidfile" ] || return 1
    local pid; pid=$(cat "$pidfile")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; return 0; fi
    return 1
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

query_ok() {
    curl -s -o /dev/null -w '%{http_code}' -m 5 -u "neo4j:$(password)" -H 'Content-Type: application/json' \
        -d '{"statement": "RETURN 1"}' "http://127.0.0.1:$http_port/db/neo4j/query/v2" 2>/dev/null | grep -q '^20[02]$'
}

wait_ready() {
    local pid deadline=$((SECONDS + wait_seconds))
    until query_ok; do
        if pid=$(running_pid); then :; else
            die "the server exited while starting; last lines of $log:
$(tail -n 20 "$log" 2>/dev/null)"
        fi
        [ $SECONDS -lt $deadline ] || die "not online after ${wait_seconds}s; see $log"
        sleep 1
    done
    say "Neo4j $version online at bolt://127.0.0.1:$bolt_port (database neo4j)"
}

start() {
    local pid
    if pid=$(running_pid); then
        say "already running (pid $pid) from $home"
        wait_ready
        return 0
    fi
    if [ -f "$pidfile" ]; then
        say "removing stale pid file $pidfile (process $(cat "$pidfile") is gone)"
        rm -f "$pidfile"
    fi
    for port in "$bolt_port" "$http_port"; do
        port_busy "$port" && die "port $port on 127.0.0.1 is already in use by another process; stop it or set GRAPHCRM_NEO4J_BOLT_PORT / GRAPHCRM_NEO4J_HTTP_PORT"
    done
    fetch
    configure
    # Started directly (not through the bootloader), so the JVM flags of the 5.26 default
    # configuration are given here.
    nohup java -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -Dfile.encoding=UTF-8 \
        -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
        --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
        --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
        --enable-native-access=ALL-UNNAMED \
        -Dio.netty.tryReflectionSetAccessible=true -Dlog4j2.disable.jmx=true \
        -cp "$home/lib/*" org.neo4j.server.CommunityEntryPoint \
        --home-dir="$home" --config-dir="$home/conf" --console-mode \
        > "$log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    say "started Neo4j $version (pid $!), waiting until the database is online"
    wait_ready
}

stop() {
    local pid
    if ! pid=$(running_pid); then
        [ -f "$pidfile" ] && rm -f "$pidfile"
        say "not running"
        return 0
    fi
    kill "$pid"
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; say "stopped (pid $pid)"; return 0; }
        sleep 1
    done
    say "pid $pid did not stop in 60s; killing it"
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

status() {
    local pid
    if pid=$(running_pid); then
        if query_ok; then echo "running (pid $pid), online at bolt://127.0.0.1:$bolt_port"; else echo "running (pid $pid), not yet online"; fi
        return 0
    fi
    echo "not running"
    return 3
}

case "${1:-}" in
    fetch) fetch ;;
    start) start ;;
    stop) stop ;;
    restart) stop; start ;;
    status) status ;;
    wait) running_pid >/dev/null || die "not running (start it with: scripts/neo4j.sh start)"; wait_ready ;;
    env) echo "NEO4J_URI=bolt://127.0.0.1:$bolt_port"; echo "NEO4J_USER=neo4j"; echo "NEO4J_PASSWORD=$(password)" ;;
    home) echo "$home" ;;
    *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
