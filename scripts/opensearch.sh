#!/usr/bin/env bash
# An OpenSearch node (or a small cluster) on loopback, assembled from Maven Central jars.
#
#   scripts/opensearch.sh assemble                     build the cached home (lib/, modules/) once
#   scripts/opensearch.sh start  [--cluster C] [--nodes N] [--port P] [--node I] [--heap 512m]
#   scripts/opensearch.sh stop   [--cluster C] [--node I]
#   scripts/opensearch.sh status [--cluster C]         exit 0 when every node answers, 3 otherwise
#   scripts/opensearch.sh url    [--cluster C] [--node I]
#   scripts/opensearch.sh wipe   [--cluster C]         stop, then delete the cluster's data
#
# OPENSEARCH_HEAP (default 512m) and OPENSEARCH_JAVA_OPTS (extra JVM options) shape the JVM.
# `start` prints one URL a node (http://127.0.0.1:PORT) once every started node answers.
# The official tarball is unreachable here; its jars are on Maven Central (scripts/opensearch/pom.xml
# pins them). The assembled home lives in $OPENSEARCH_DIR (default .opensearch/, git-ignored) and is
# rebuilt only when the pom or the assembly recipe changes. OpenSearch refuses to run as root, so as
# root the node runs as the system user `opensearch` (created when missing) through setpriv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$ROOT/scripts/opensearch/pom.xml"
BASE="${OPENSEARCH_DIR:-$ROOT/.opensearch}"
RECIPE=4   # bump when the assembly below changes, so cached homes are rebuilt
VERSION="$(sed -n 's:.*<opensearch.version>\(.*\)</opensearch.version>.*:\1:p' "$POM")"
STAMP="$( (cat "$POM"; echo "$RECIPE") | sha1sum | cut -c1-12)"
HOME_DIR="$BASE/dist-$VERSION-$STAMP"
RUN_USER="opensearch"

die() { echo "opensearch.sh: $*" >&2; exit 1; }

need_java() {
  command -v java >/dev/null || die "java not found (Java 17 is needed: apt-get install openjdk-17-jre-headless)"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---------------------------------------------------------------------------------------------
# assembly

write_descriptor() {  # folder name classname description
  cat > "$1/plugin-descriptor.properties" <<EOF
description=$4
version=$VERSION
name=$2
classname=$3
java.version=11
opensearch.version=$VERSION
EOF
}

assemble() {
  [ -f "$HOME_DIR/.complete" ] && return 0
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  need_java
  mkdir -p "$BASE"
  local tmp
  tmp="$(mktemp -d "$BASE/.assembling.XXXXXX")"
  echo "opensearch.sh: assembling OpenSearch $VERSION from Maven Central into $HOME_DIR" >&2
  local profile dest
  for profile in server transport-netty4 analysis-common; do
    case "$profile" in
      server) dest="$tmp/lib" ;;
      *) dest="$tmp/modules/$profile" ;;
    esac
    mvn -q -B -f "$POM" -P"$profile" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$dest" >&2 \
      || die "maven could not fetch the $profile jars (see the output above)"
  done
  # The jar-hell check stops the node when a module holds a jar that lib/ holds in any version.
  local jar artifact
  for jar in "$tmp"/modules/*/*.jar; do
    artifact="$(basename "$jar" | sed -E 's/-[0-9][^-]*(-[A-Za-z0-9.]+)?\.jar$//')"
    if compgen -G "$tmp/lib/$artifact-[0-9]*.jar" >/dev/null; then rm -f "$jar"; fi
  done
  write_descriptor "$tmp/modules/transport-netty4" transport-netty4 \
    org.opensearch.transport.Netty4Plugin "Netty 4 based transport implementation"
  write_descriptor "$tmp/modules/analysis-common" analysis-common \
    org.opensearch.analysis.common.CommonAnalysisPlugin 'Adds "built in" analyzers to OpenSearch.'
  # Upstream's policy for the netty module (the security manager is on in 2.x).
  cat > "$tmp/modules/transport-netty4/plugin-security.policy" <<'EOF'
grant {
  permission java.io.FilePermission "/proc/sys/net/core/somaxconn", "read";
  permission java.net.SocketPermission "*", "accept,connect";
  permission java.lang.RuntimePermission "*", "setContextClassLoader";
  permission java.lang.RuntimePermission "getClassLoader";
  permission java.util.PropertyPermission "sun.nio.ch.bugLevel", "write";
};
EOF
  # the security setup insists that these exist, even empty
  mkdir -p "$tmp/bin" "$tmp/plugins"
  chmod -R a+rX "$tmp"
  touch "$tmp/.complete"
  rm -rf "$HOME_DIR"
  mv "$tmp" "$HOME_DIR"
}

# ---------------------------------------------------------------------------------------------
# nodes

CLUSTER="default"; NODES=""; PORT=""; ONLY=""; HEAP="${OPENSEARCH_HEAP:-512m}"

cluster_dir() { echo "$BASE/clusters/$CLUSTER"; }
node_dir() { echo "$(cluster_dir)/node-$1"; }
node_count() { cat "$(cluster_dir)/nodes" 2>/dev/null || echo 0; }
node_pid() { cat "$(node_dir "$1")/pid" 2>/dev/null || true; }
http_port() { cat "$(node_dir "$1")/http.port"; }

node_alive() {
  local pid; pid="$(node_pid "$1")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "org.opensearch.bootstrap.OpenSearch"
}

node_answers() {
  curl -fsS -m 2 "http://127.0.0.1:$(http_port "$1")/" >/dev/null 2>&1
}

ensure_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  id "$RUN_USER" >/dev/null 2>&1 && return 0
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RUN_USER" 2>/dev/null \
    || id "$RUN_USER" >/dev/null 2>&1 || die "could not create the unprivileged user $RUN_USER"
}

# Ports and names are chosen once, when the cluster is first configured, so a restarted node
# rejoins the same cluster on the same ports.
configure() {
  local n="$1" dir i
  dir="$(cluster_dir)"
  mkdir -p "$dir"
  local seeds="" managers=""
  for i in $(seq 1 "$n"); do
    mkdir -p "$(node_dir "$i")"/{config,data,logs,tmp}
    if [ -n "$PORT" ]; then echo $((PORT + i - 1)) > "$(node_dir "$i")/http.port"
    elif [ ! -s "$(node_dir "$i")/http.port" ]; then free_port > "$(node_dir "$i")/http.port"; fi
    [ -s "$(node_dir "$i")/transport.port" ] || free_port > "$(node_dir "$i")/transport.port"
    seeds="$seeds\"127.0.0.1:$(cat "$(node_dir "$i")/transport.port")\","
    managers="${managers}node-$i,"
  done
  echo "$n" > "$dir/nodes"
  for i in $(seq 1 "$n"); do
    local nd; nd="$(node_dir "$i")"
    {
      echo "cluster.name: govsearch-$CLUSTER"
      echo "node.name: node-$i"
      echo "network.host: 127.0.0.1"
      echo "http.port: $(cat "$nd/http.port")"
      echo "transport.port: $(cat "$nd/transport.port")"
      echo "path.data: $nd/data"
      echo "path.logs: $nd/logs"
      if [ "$n" -eq 1 ]; then
        echo "discovery.type: single-node"
      else
        echo "discovery.seed_hosts: [${seeds%,}]"
        echo "cluster.initial_cluster_manager_nodes: [${managers%,}]"
      fi
      # a nearly full shared disk must not turn the test cluster read-only
      echo "cluster.routing.allocation.disk.threshold_enabled: false"
    } > "$nd/config/opensearch.yml"
    cat > "$nd/config/log4j2.properties" <<'EOF'
status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
EOF
    if [ "$(id -u)" -eq 0 ]; then chown -R "$RUN_USER:" "$nd"; fi
  done
}

launch() {
  local i="$1" nd; nd="$(node_dir "$i")"
  if node_alive "$i"; then return 0; fi
  local java_bin; java_bin="$(command -v java)"
  local -a cmd=(
    "$java_bin" "-Xms$HEAP" "-Xmx$HEAP"
    -XX:+UseG1GC -XX:G1ReservePercent=25 -XX:InitiatingHeapOccupancyPercent=30
    -Xss1m -Djava.awt.headless=true -Dfile.encoding=UTF-8 -Djna.nosys=true
    -XX:-OmitStackTraceInFastThrow -XX:+ShowCodeDetailsInExceptionMessages
    -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true
    -Dio.netty.recycler.maxCapacityPerThread=0 -Dio.netty.allocator.numDirectArenas=0
    -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true -Dlog4j2.formatMsgNoLookups=true
    -Djava.locale.providers=SPI,COMPAT -Djava.security.manager=allow
    "-Djava.io.tmpdir=$nd/tmp"
    "-Dopensearch.path.home=$HOME_DIR" "-Dopensearch.path.conf=$nd/config"
    -Dopensearch.distribution.type=tar -Dopensearch.bundled_jdk=false
  )
  # extra JVM options, e.g. OPENSEARCH_JAVA_OPTS=-XX:TieredStopAtLevel=1 for a quicker start in tests
  if [ -n "${OPENSEARCH_JAVA_OPTS:-}" ]; then read -r -a extra <<< "$OPENSEARCH_JAVA_OPTS"; cmd+=("${extra[@]}"); fi
  cmd+=(-cp "$HOME_DIR/lib/*" org.opensearch.bootstrap.OpenSearch)
  if [ "$(id -u)" -eq 0 ]; then
    cmd=(setpriv "--reuid=$RUN_USER" "--regid=$(id -g "$RUN_USER")" --clear-groups "${cmd[@]}")
  fi
  # setsid: the node outlives this script and the terminal that ran it
  (cd "$nd" && exec setsid "${cmd[@]}" > "$nd/logs/console.log" 2>&1 < /dev/null) &
  local pid=$!
  echo "$pid" > "$nd/pid"
  # Until the subshell has exec'd the JVM its command line is this script's, and node_alive would
  # call a node that is starting "exited" (seen under load): wait for the exec, or for its end.
  local t=0
  while [ -r "/proc/$pid/cmdline" ] && ! node_alive "$i" && [ "$t" -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
}

wait_until_answers() {
  local i="$1" deadline=$((SECONDS + ${OPENSEARCH_START_TIMEOUT:-180}))
  while ! node_answers "$i"; do
    if ! node_alive "$i"; then
      echo "opensearch.sh: node-$i of cluster $CLUSTER exited; the end of its log:" >&2
      tail -n 25 "$(node_dir "$i")/logs/console.log" >&2 || true
      exit 1
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "node-$i did not answer on port $(http_port "$i") in time (log: $(node_dir "$i")/logs/console.log)"
    sleep 1
  done
}

start() {
  need_java
  assemble
  ensure_user
  local n
  if [ -n "$ONLY" ]; then
    [ "$(node_count)" -ge "$ONLY" ] || die "cluster $CLUSTER has no node-$ONLY (start it with --nodes first)"
    n="$(node_count)"
  else
    n="${NODES:-$(node_count)}"; [ "$n" -ge 1 ] || n=1
  fi
  if [ -z "$ONLY" ] && { [ "$n" != "$(node_count)" ] || [ -n "$PORT" ]; }; then
    for i in $(seq 1 "$(node_count)"); do node_alive "$i" && die "cluster $CLUSTER is running; stop it before changing --nodes or --port"; done
    configure "$n"
  fi
  local targets; if [ -n "$ONLY" ]; then targets="$ONLY"; else targets="$(seq 1 "$n")"; fi
  for i in $targets; do launch "$i"; done
  for i in $targets; do wait_until_answers "$i"; echo "http://127.0.0.1:$(http_port "$i")"; done
}

stop_node() {
  local i="$1" pid; pid="$(node_pid "$i")"
  if node_alive "$i"; then
    kill -TERM "$pid"
    local t=0
    while node_alive "$i" && [ "$t" -lt 60 ]; do sleep 0.5; t=$((t + 1)); done
    if node_alive "$i"; then kill -KILL "$pid"; fi
  fi
  rm -f "$(node_dir "$i")/pid"
}

stop() {
  local i
  if [ -n "$ONLY" ]; then stop_node "$ONLY"; return; fi
  for i in $(seq 1 "$(node_count)"); do stop_node "$i"; done
}

status() {
  local n i ok=0; n="$(node_count)"
  [ "$n" -ge 1 ] || { echo "cluster $CLUSTER: not configured"; exit 3; }
  for i in $(seq 1 "$n"); do
    if node_alive "$i" && node_answers "$i"; then
      local health
      health="$(curl -fsS -m 2 "http://127.0.0.1:$(http_port "$i")/_cluster/health" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')"
      echo "node-$i running pid $(node_pid "$i") http://127.0.0.1:$(http_port "$i") cluster $health"
    elif node_alive "$i"; then
      echo "node-$i starting pid $(node_pid "$i") http://127.0.0.1:$(http_port "$i")"; ok=3
    else
      echo "node-$i stopped"; ok=3
    fi
  done
  exit "$ok"
}

cmd="${1:-}"; shift || true
while [ $# -gt 0 ]; do
  case "$1" in
    --cluster) CLUSTER="$2"; shift 2 ;;
    --nodes) NODES="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --node) ONLY="$2"; shift 2 ;;
    --heap) HEAP="$2"; shift 2 ;;
    *) die "unknown option $1 (see the top of $0)" ;;
  esac
done
[[ "$CLUSTER" =~ ^[A-Za-z0-9_-]+$ ]] || die "--cluster takes letters, digits, - and _"

case "$cmd" in
  assemble) assemble; echo "$HOME_DIR" ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) echo "http://127.0.0.1:$(http_port "${ONLY:-1}")" ;;
  wipe) stop; rm -rf "$(cluster_dir)" ;;
  *) die "usage: $0 assemble|start|stop|status|url|wipe [--cluster C] [--nodes N] [--port P] [--node I] [--heap 512m]" ;;
esac
