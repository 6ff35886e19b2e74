#!/usr/bin/env bash
# Runs talkline-bench's scenarios against TalkLine and the Node.js socket.io peer
# (bench/peers/socketio-node), then renders bench/RESULTS.md from the JSON results.
# Builds nothing: `make bench` builds talkline and talkline-bench first.
#
#   scripts/bench.sh [--quick | --smoke] [--build-dir DIR] [--out DIR] [--report FILE] [--no-render]
#                    [--only SERVER,...] [scenario ...]
#
# Scenarios: connections direct group persist daily-model cross-node attachments (default:
# all of them, and the results directory is emptied first). Every run gets its own server,
# started on a fresh data directory (or database) and a free loopback port and stopped
# afterwards; with two or more cores the server is pinned to one core and the generator to
# another. A failed run does not stop the others: the script goes on and exits 1 at the end.
#
# --only runs just the named servers of each scenario (talkline, peer-memory, peer-sqlite,
# talkline-1node, …): for comparing two builds of TalkLine without running the peer twice.
#
# cross-node is the `direct` traffic against a server of one node and of two nodes:
# TalkLine on PostgreSQL (a throwaway cluster, a fresh database per run) with, for two
# nodes, a throwaway Redis as the bus; the peer on its Redis store with, for two processes,
# socket.io's Redis adapter. Each user of a pair is connected to a different node.
#
# attachments uploads files over HTTP (POST /api/v1/uploads) and runs against TalkLine
# only: the peer has no uploads.
#
# For each run it writes <out>/<scenario>-<server>.json (talkline-bench --json) and
# <out>/<scenario>-<server>.run.json (the exact commands, exit codes and times), where
# <server> is talkline, peer-memory or peer-sqlite, and for cross-node talkline-1node,
# talkline-2nodes, peer-1node or peer-2nodes; then <out>/machine.json, and the report
# (default out bench/results, report bench/RESULTS.md).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

profile=full
build_dir=$root/build
out_dir=$root/bench/results
report=$root/bench/RESULTS.md
render=1
only=""
scenarios=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) profile=quick ;;
    --smoke) profile=smoke ;;
    --build-dir) build_dir=$2; shift ;;
    --out) out_dir=$2; shift ;;
    --report) report=$2; shift ;;
    --no-render) render=0 ;;
    --only) only=",$2,"; shift ;;
    connections | direct | group | persist | daily-model | cross-node | attachments) scenarios+=("$1") ;;
    -h | --help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
# Paths given on the command line are relative to the caller's directory.
build_dir=$(realpath -m "$build_dir")
out_dir=$(realpath -m "$out_dir")
report=$(realpath -m "$report")
cd "$root" || exit 2

all_scenarios=(connections direct group persist daily-model cross-node attachments)
if [[ ${#scenarios[@]} -eq 0 ]]; then
  scenarios=("${all_scenarios[@]}")
  clear_out=1
else
  clear_out=0
fi

talkline=$build_dir/src/talkline
bench=$build_dir/tools/bench/talkline-bench
peer_dir=$root/bench/peers/socketio-node
for bin in "$talkline" "$bench"; do
  if [[ ! -x $bin ]]; then
    echo "bench: $build_dir has no talkline or talkline-bench; build them first (make bench does)" >&2
    exit 2
  fi
done

# ---- sizes ---------------------------------------------------------------------------
# Which servers each scenario runs against, and the generator's options per profile.
# `full` is sized to finish within 15 minutes on 2 cores; open files are capped at
# 20,000 per process on the reference machine, which bounds `connections`. Stepped rates
# grow by at most 2.5× a step, so the backlog of the first step a server cannot keep up
# with drains within the generator's final wait (a send never answered fails the run).

servers_for() {
  case $1 in
    direct) if [[ $profile == full ]]; then echo talkline peer-memory peer-sqlite; else echo talkline peer-memory; fi ;;
    persist) echo talkline peer-sqlite ;;
    attachments) echo talkline ;;
    # The smoke run checks only what is new here: delivery between two nodes.
    cross-node) if [[ $profile == smoke ]]; then echo talkline-2nodes peer-2nodes; else
      echo talkline-1node talkline-2nodes peer-1node peer-2nodes; fi ;;
    *) echo talkline peer-memory ;;
  esac
}

# The talkline-bench scenario a script scenario runs.
bench_scenario() {
  case $1 in
    cross-node) echo direct ;;
    *) echo "$1" ;;
  esac
}

scenario_args() {
  local scenario=$1
  case $profile:$scenario in
    full:connections) echo --connections 15000 --connections-per-user 10 --duration 10 --source-addresses 4 ;;
    full:direct) echo --pairs 500 --rates 1000,2000,5000,7000,10000,20000,40000,70000,100000,140000 --duration 4 --p99-bound-ms 50 --settle 2 ;;
    full:group) echo --groups 10 --members 100 --rates 200,500,1000,1500,2000,3500,5000,7000 --duration 4 --p99-bound-ms 200 --settle 2 ;;
    full:persist) echo --senders 200 --rates 500,1000,2000,5000,7000,10000,20000,35000,50000,70000 --duration 4 --p99-bound-ms 20 --settle 2 ;;
    full:daily-model) echo --active 2000 --speedup 500 --duration 20 ;;
    full:cross-node) echo --pairs 500 --rates 500,1000,2000,3500,5000,7000,10000,14000,20000 --duration 4 --p99-bound-ms 50 --settle 2 ;;
    # 4 MiB files, each kept in the run's data directory until the run ends: about 9 GiB
    # if every step keeps up.
    full:attachments) echo --uploaders 16 --file-bytes 4194304 --rates 5,10,20,40,80,150,250 --duration 4 --p99-bound-ms 1000 --large-file-bytes 67108864 --large-files 4 --download-seconds 4 ;;

    quick:connections) echo --connections 1000 --connections-per-user 10 --duration 2 ;;
    quick:direct) echo --pairs 20 --rates 1000,2500 --duration 2 --p99-bound-ms 50 ;;
    quick:group) echo --groups 2 --members 100 --rates 100,250 --duration 2 --p99-bound-ms 200 ;;
    quick:persist) echo --senders 20 --rates 500,1000 --duration 2 --p99-bound-ms 10 ;;
    quick:daily-model) echo --active 200 --speedup 2000 --duration 3 ;;
    quick:cross-node) echo --pairs 20 --rates 500,1000 --duration 2 --p99-bound-ms 50 ;;
    quick:attachments) echo --uploaders 8 --file-bytes 4194304 --rates 5,10 --duration 2 --p99-bound-ms 1000 --large-file-bytes 33554432 --large-files 2 --download-seconds 2 ;;

    smoke:connections) echo --connections 50 --connections-per-user 5 --duration 1 ;;
    smoke:direct) echo --pairs 5 --rate 200 --duration 2 ;;
    smoke:group) echo --groups 2 --members 5 --rate 50 --duration 2 ;;
    smoke:persist) echo --senders 5 --rate 100 --duration 2 ;;
    smoke:daily-model) echo --active 20 --speedup 8640 --duration 2 --readers 2 ;;
    smoke:cross-node) echo --pairs 5 --rate 100 --duration 2 ;;
    smoke:attachments) echo --uploaders 2 --file-bytes 262144 --rate 5 --duration 1 --large-file-bytes 1048576 --large-files 2 --download-seconds 1 ;;
  esac
}

# The peer's packages are needed only when a run starts the peer (not for --only talkline,
# nor for attachments).
needs_peer=0
for scenario in "${scenarios[@]}"; do
  for kind in $(servers_for "$scenario"); do
    [[ -n $only && $only != *",$kind,"* ]] && continue
    [[ $kind == peer* ]] && needs_peer=1
  done
done
if [[ $needs_peer -eq 1 && ! -d $peer_dir/node_modules ]]; then
  echo "bench: the peer's node_modules is missing; run scripts/install-js-deps.sh" >&2
  exit 2
fi

mkdir -p "$out_dir"
if [[ $clear_out -eq 1 ]]; then
  rm -f "$out_dir"/*.json
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/talkline-bench.XXXXXX")

# ---- cores ---------------------------------------------------------------------------
# The first two CPUs this script may use: the generator gets the first, the server the
# second, and each runs one I/O thread. With one CPU nothing is pinned and both use
# their defaults.

allowed_cpus() {
  local list item
  list=$(taskset -cp $$ 2>/dev/null | sed 's/.*: *//')
  for item in ${list//,/ }; do
    if [[ $item == *-* ]]; then seq "${item%-*}" "${item#*-}"; else echo "$item"; fi
  done
}
mapfile -t cpus < <(command -v taskset >/dev/null && allowed_cpus)
if [[ ${#cpus[@]} -ge 2 ]]; then
  bench_pin=(taskset -c "${cpus[0]}")
  server_pin=(taskset -c "${cpus[1]}")
  thread_args=(--threads 1)
  pinning="generator on CPU ${cpus[0]}, server on CPU ${cpus[1]}, one I/O thread each"
else
  bench_pin=()
  server_pin=()
  thread_args=()
  pinning="not pinned (fewer than 2 CPUs available)"
  echo "bench: fewer than 2 CPUs available; server and generator share them" >&2
fi

# Cross-node runs start several server processes. With four or more CPUs each node gets a
# core of its own and PostgreSQL and Redis share another, so two nodes have twice one
# node's CPU; with fewer, every server-side process shares the server's one core, so the
# comparison shows what spreading users over nodes costs, not what it gains.
spare_cpus=("${cpus[@]:1}")
node_pin() {
  if [[ ${#spare_cpus[@]} -ge 3 ]]; then
    echo taskset -c "${spare_cpus[$((($1 - 1) % (${#spare_cpus[@]} - 1)))]}"
  elif [[ ${#server_pin[@]} -gt 0 ]]; then
    echo "${server_pin[@]}"
  fi
}
if [[ ${#spare_cpus[@]} -ge 3 ]]; then
  infra_pin=(taskset -c "${spare_cpus[-1]}")
  node1_pin=$(node_pin 1)
  node2_pin=$(node_pin 2)
  cluster_pinning="generator on CPU ${cpus[0]}; node 1 on CPU ${node1_pin##* }, node 2 on CPU ${node2_pin##* }; PostgreSQL and Redis on CPU ${spare_cpus[-1]}; one I/O thread per TalkLine node"
elif [[ ${#server_pin[@]} -gt 0 ]]; then
  infra_pin=("${server_pin[@]}")
  cluster_pinning="generator on CPU ${cpus[0]}; every node, PostgreSQL and Redis together on CPU ${cpus[1]} (only ${#cpus[@]} CPUs: two nodes get no more CPU than one); one I/O thread per TalkLine node"
else
  infra_pin=()
  cluster_pinning=$pinning
fi

# ---- servers -------------------------------------------------------------------------

# What the current run started: the server's nodes (sampled by the generator, one URL
# each), the infrastructure it needs (a Redis), and every command line, for the record.
server_pids=()
server_urls=()
server_cmds=()
infra_pids=()
server_log=""

# The TCP port a process listens on, from its socket inodes and /proc/net/tcp (state 0A
# is LISTEN), so TalkLine can bind port 0 and need not log at info level to say which.
listening_port() {
  local pid=$1 inodes hex
  inodes=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null |
    sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
  [[ -n $inodes ]] || return 1
  hex=$(awk -v inodes="$inodes" 'BEGIN { n = split(inodes, list, " "); for (i = 1; i <= n; i++) want[list[i]] = 1 }
    $4 == "0A" && ($10 in want) { split($2, address, ":"); print address[2]; exit }' /proc/net/tcp)
  [[ -n $hex ]] || return 1
  echo $((16#$hex))
}

# A loopback port nothing listens on now, for the servers that cannot bind port 0 and
# report it (redis-server, PostgreSQL).
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    if ! awk -v hex="$(printf '%04X' "$port")" '$4 == "0A" { split($2, a, ":"); if (a[2] == hex) found = 1 }
      END { exit !found }' /proc/net/tcp; then
      echo "$port"
      return
    fi
  done
}

# Environment for the servers: the caller's minus every TALKLINE_* and PEER_* setting,
# so a run does not depend on whoever's shell started it.
clean_env=(env)
while IFS= read -r name; do clean_env+=(-u "$name"); done < <(compgen -e | grep -E '^(TALKLINE|PEER)_')

# TalkLine's settings for every run: fast password hashing and no per-address limits (one
# generator on one machine would hit them), the per-user message limits raised, and the
# upload limits raised past the attachments scenario's files (1 GiB each, no daily quota),
# and room for every uploader of the scenario to download at once.
talkline_args=(--host 127.0.0.1 --port 0 "${thread_args[@]}" --log-level warn
  --argon2-memory-kib 8192 --argon2-iterations 1
  --registrations-per-ip-per-hour 1000000 --requests-per-minute-per-ip 0
  --max-connections 1000000 --max-connections-per-ip 1000000
  --messages-per-second-per-user 100000 --message-burst-per-user 1000000
  --upload-max-bytes 1073741824 --upload-bytes-per-user-per-day 0 --downloads-max-concurrent 64)

# launch_node CWD LOG COMMAND...: starts one node of the server in CWD and appends it to
# server_pids and server_logs; await_nodes then waits for every node launched.
server_logs=()
launch_node() {
  local cwd=$1 log=$2
  shift 2
  server_cmds+=("$(shell_words "$@")")
  # In its own directory, so a ./.env in the repository cannot change TalkLine's settings.
  (cd "$cwd" && exec "${clean_env[@]}" "$@") >"$log" 2>&1 &
  server_pids+=($!)
  server_logs+=("$log")
}

# await_nodes KIND: waits until every launched node (KIND talkline or peer) answers and
# sets server_urls, in launch order.
await_nodes() {
  local kind=$1 i
  for i in "${!server_pids[@]}"; do
    await_node "$kind" "${server_pids[$i]}" "${server_logs[$i]}" || return 1
  done
}

await_node() {
  local kind=$1 pid=$2 port="" deadline
  server_log=$3
  # Loading socket.io takes seconds on a busy machine.
  deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"
      echo "bench: $kind exited with $? before it was ready:" >&2
      tail -20 "$server_log" >&2
      return 1
    fi
    if [[ $kind == talkline ]]; then
      port=$(listening_port "$pid") || port=""
      if [[ -n $port ]] && curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz"; then break; fi
    else
      port=$(sed -n 's/^socketio-node listening on .*:\([0-9]*\)$/\1/p' "$server_log" | head -1)
      [[ -n $port ]] && break
    fi
    port=""
    sleep 0.1
  done
  if [[ -z $port ]]; then
    echo "bench: $kind did not become ready within 30 s:" >&2
    tail -20 "$server_log" >&2
    return 1
  fi
  server_urls+=("http://127.0.0.1:$port")
}

# start_redis DIR: a throwaway redis-server without persistence, pinned with the server's
# infrastructure; sets redis_url.
redis_url=""
start_redis() {
  local dir=$1 port cmd deadline
  port=$(free_port)
  mkdir -p "$dir/redis"
  cmd=("${infra_pin[@]}" redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir/redis")
  server_cmds+=("$(shell_words "${cmd[@]}")")
  "${cmd[@]}" >"$dir/redis.log" 2>&1 &
  infra_pids+=($!)
  deadline=$((SECONDS + 10))
  until [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]]; do
    if ((SECONDS >= deadline)) || ! kill -0 "${infra_pids[-1]}" 2>/dev/null; then
      echo "bench: redis-server did not start:" >&2
      tail -5 "$dir/redis.log" >&2
      return 1
    fi
    sleep 0.1
  done
  redis_url=redis://127.0.0.1:$port
}

# One throwaway PostgreSQL cluster for every TalkLine cross-node run of this script, each
# run on a fresh database: initdb on a temporary directory, a free port, the socket in that
# directory, run as the postgres user when this script runs as root (PostgreSQL refuses
# root). Default durability (fsync on): TalkLine acks a message after its commit.
pg_bin=${TALKLINE_PG_BIN:-/usr/lib/postgresql/15/bin}
pg_dir=""
pg_port=""
pg_cmd=""
pg_databases=0
as_postgres=()
ensure_postgres() {
  local port
  [[ -n $pg_port ]] && return 0
  if [[ ! -x $pg_bin/initdb || ! -x $pg_bin/pg_ctl ]]; then
    echo "bench: no PostgreSQL in $pg_bin (scripts/install-deps.sh --test installs it; or set TALKLINE_PG_BIN)" >&2
    return 1
  fi
  # Beside $work, not in it: the postgres user cannot enter a directory private to root.
  pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/talkline-bench-pg.XXXXXX")
  if [[ $EUID -eq 0 ]]; then
    chown postgres: "$pg_dir"
    as_postgres=(runuser -u postgres --)
  fi
  # --no-sync: a cluster made for one script run need not survive a power cut while it is
  # being created; the server itself runs with fsync on.
  if ! "${as_postgres[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$pg_dir/initdb.log" 2>&1; then
    echo "bench: initdb failed:" >&2
    tail -5 "$pg_dir/initdb.log" >&2
    return 1
  fi
  port=$(free_port)
  # pg_ctl under taskset: the postmaster and every backend it forks keep the pinning.
  # min_wal_size: WAL files are kept for reuse at checkpoints (see pg_wal_warm_up).
  local cmd=("${as_postgres[@]}" "${infra_pin[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c min_wal_size=2GB -c max_wal_size=4GB"
    start)
  if ! "${cmd[@]}" >/dev/null; then
    echo "bench: PostgreSQL did not start:" >&2
    tail -5 "$pg_dir/server.log" >&2
    return 1
  fi
  pg_wal_warm_up "$port" || return 1
  pg_port=$port
  pg_cmd=$(shell_words "${cmd[@]}")
}

# A new cluster has no WAL files to reuse, so every 16 MiB of WAL it creates and zero-fills
# the next file inside some commit: measured, a 50–200 ms stall in one send batch every
# few seconds at 5,000 msg/s, enough to put a 4 s step over a 50 ms p99 on its own. A
# PostgreSQL that has run a while renames old WAL files for reuse at each checkpoint
# instead. About 1 GiB of throwaway WAL and a checkpoint give the new cluster that state.
pg_wal_warm_up() {
  local port=$1
  if ! psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qX -v ON_ERROR_STOP=1 \
    -c "CREATE TABLE bench_wal_warm_up AS SELECT g, repeat('x', 1000) AS pad FROM generate_series(1, 1000000) g" \
    -c "DROP TABLE bench_wal_warm_up" -c "CHECKPOINT" >/dev/null; then
    echo "bench: PostgreSQL WAL warm-up failed" >&2
    return 1
  fi
}

stop_postgres() {
  [[ -n $pg_dir ]] || return 0
  [[ -n $pg_port ]] && "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1
  rm -rf "$pg_dir"
  pg_port=""
  pg_dir=""
}

# start_talkline_cluster DIR NODES: TalkLine nodes sharing a fresh PostgreSQL database and
# one JWT key, each with its own node id and data directory; with two or more nodes, a
# fresh Redis as the bus, else the in-process bus.
start_talkline_cluster() {
  local dir=$1 nodes=$2 n db bus=local secret
  ensure_postgres || return 1
  db=bench_$((++pg_databases))
  server_cmds+=("$pg_cmd" "$(shell_words "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "$db")")
  if ! "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "$db"; then
    echo "bench: createdb $db failed" >&2
    return 1
  fi
  if ((nodes > 1)); then
    start_redis "$dir" || return 1
    bus=$redis_url
  fi
  secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  for ((n = 1; n <= nodes; n++)); do
    mkdir -p "$dir/node$n"
    # shellcheck disable=SC2046 # node_pin prints a taskset command, or nothing
    launch_node "$dir/node$n" "$dir/node$n.log" $(node_pin "$n") "$talkline" "${talkline_args[@]}" \
      --data-dir "$dir/node$n" --store "postgres://postgres@127.0.0.1:$pg_port/$db" --bus "$bus" --node-id "$n" \
      --jwt-secret "$secret"
  done
  await_nodes talkline
}

# start_peer_cluster DIR NODES: peer processes on one fresh Redis (their shared store) and
# one token key; with two or more, joined by socket.io's Redis adapter.
start_peer_cluster() {
  local dir=$1 nodes=$2 n secret adapter=()
  start_redis "$dir" || return 1
  ((nodes > 1)) && adapter=(--adapter redis)
  secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  for ((n = 1; n <= nodes; n++)); do
    # shellcheck disable=SC2046
    launch_node "$peer_dir" "$dir/node$n.log" $(node_pin "$n") node "$peer_dir/server.mjs" --host 127.0.0.1 \
      --port 0 --mode redis --redis "$redis_url" "${adapter[@]}" --secret "$secret"
  done
  await_nodes peer
}

# start_server KIND DIR: starts the server KIND (talkline, peer-memory, peer-sqlite, or a
# cross-node one: talkline-1node, talkline-2nodes, peer-1node, peer-2nodes) with its data
# in DIR; sets server_pids, server_urls and server_cmds, and run_pinning.
start_server() {
  local kind=$1 dir=$2
  server_pids=()
  server_logs=()
  server_urls=()
  server_cmds=()
  infra_pids=()
  run_pinning=$pinning
  case $kind in
    talkline)
      mkdir -p "$dir/data"
      launch_node "$dir/data" "$dir/server.log" "${server_pin[@]}" "$talkline" "${talkline_args[@]}" --data-dir "$dir/data"
      await_nodes talkline
      ;;
    peer-memory | peer-sqlite)
      local peer_args=(--host 127.0.0.1 --port 0 --mode "${kind#peer-}")
      [[ $kind == peer-sqlite ]] && peer_args+=(--db "$dir/peer.db")
      launch_node "$peer_dir" "$dir/server.log" "${server_pin[@]}" node "$peer_dir/server.mjs" "${peer_args[@]}"
      await_nodes peer
      ;;
    talkline-*node*)
      run_pinning=$cluster_pinning
      start_talkline_cluster "$dir" "${kind//[!0-9]/}"
      ;;
    peer-*node*)
      run_pinning=$cluster_pinning
      start_peer_cluster "$dir" "${kind//[!0-9]/}"
      ;;
  esac || {
    stop_server
    return 1
  }
}

# Stops the nodes (SIGTERM, up to 30 s, then SIGKILL), then their Redis; sets server_exit
# to the first non-zero exit code of a node, or 0.
server_exit=""
stop_server() {
  local pid code
  server_exit=""
  [[ ${#server_pids[@]} -gt 0 || ${#infra_pids[@]} -gt 0 ]] || return 0
  for pid in "${server_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${server_pids[@]}"; do
    for _ in $(seq 300); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null
      echo "bench: server $pid ignored SIGTERM for 30 s; killed" >&2
    fi
    wait "$pid" 2>/dev/null
    code=$?
    [[ -z $server_exit || $server_exit == 0 ]] && server_exit=$code
  done
  for pid in "${infra_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  server_pids=()
  infra_pids=()
}

generator_pid=""
cleanup() {
  if [[ -n $generator_pid ]]; then
    kill -TERM "$generator_pid" 2>/dev/null
    wait "$generator_pid" 2>/dev/null
  fi
  stop_server
  stop_postgres
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- manifest ------------------------------------------------------------------------

json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  s=$(printf '%s' "$s" | tr -d '\000-\010\013-\037')
  printf '"%s"' "$s"
}

json_null_or() { if [[ -n $1 ]]; then printf '%s' "$1"; else printf 'null'; fi; }

shell_words() {
  local word line=""
  for word in "$@"; do line+="$(printf '%q' "$word") "; done
  printf '%s' "${line% }"
}

git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
# The results this script rewrites do not make the source dirty.
if [[ -n $(git status --porcelain --untracked-files=no -- . ':!bench/results' ':!bench/RESULTS.md' 2>/dev/null) ]]; then
  git_rev+="+dirty"
fi

# write_run NAME SCENARIO SERVER STATUS BENCH_EXIT SERVER_EXIT STARTED SECONDS ERROR BENCH_CMD
write_run() {
  {
    printf '{\n'
    printf '  "scenario": %s,\n' "$(json_string "$2")"
    printf '  "server": %s,\n' "$(json_string "$3")"
    printf '  "profile": %s,\n' "$(json_string "$profile")"
    printf '  "status": %s,\n' "$(json_string "$4")"
    printf '  "bench_exit": %s,\n' "$(json_null_or "$5")"
    printf '  "server_exit_after_sigterm": %s,\n' "$(json_null_or "$6")"
    printf '  "started_at": %s,\n' "$(json_string "$7")"
    printf '  "seconds": %s,\n' "$(json_null_or "$8")"
    printf '  "error": %s,\n' "$(json_string "$9")"
    printf '  "server_command": %s,\n' "$(json_string "$(printf '%s\n' "${server_cmds[@]}" | sed '/^$/d')")"
    printf '  "bench_command": %s,\n' "$(json_string "${10}")"
    printf '  "pinning": %s,\n' "$(json_string "$run_pinning")"
    printf '  "git": %s,\n' "$(json_string "$git_rev")"
    printf '  "result": %s\n' "$(json_string "$1.json")"
    printf '}\n'
  } >"$out_dir/$1.run.json"
}

# ---- runs ----------------------------------------------------------------------------

failed=()

# run_one SCENARIO SERVER: one fresh server, one generator run, its records.
run_one() {
  local scenario=$1 kind=$2 name=$1-$2 dir started code="" server_code="" status error="" cmd=() args tail_pid
  local generator pid alive urls pids
  generator=$(bench_scenario "$scenario")
  dir=$work/$name
  mkdir -p "$dir"
  rm -f "$out_dir/$name.json" "$out_dir/$name.run.json"
  started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local t0=$SECONDS
  echo
  echo "==> $scenario against $kind ($profile)"
  server_cmds=()
  run_pinning=$pinning
  if ! "$bench" "$generator" --help >/dev/null 2>&1; then
    status="missing"
    error="this talkline-bench has no '$generator' scenario"
    echo "bench: $error" >&2
  elif ! start_server "$kind" "$dir"; then
    status="server-failed"
    error="$kind did not start: $(tail -3 "$server_log" 2>/dev/null)"
  else
    read -r -a args <<<"$(scenario_args "$scenario")"
    urls=$(IFS=,; echo "${server_urls[*]}")
    pids=$(IFS=,; echo "${server_pids[*]}")
    cmd=("${bench_pin[@]}" "$bench" "$generator" --url "$urls" --server-pid "$pids"
      "${thread_args[@]}" "${args[@]}" --json "$out_dir/$name.json")
    echo "    $(shell_words "${cmd[@]}")"
    # The table goes to stdout, progress and errors to stderr: stderr is kept for the
    # record and followed on the terminal. In the background, so that a signal to this
    # script is handled at once (cleanup stops the generator, then the server); with
    # SIGINT restored, which bash ignores in background jobs, so Ctrl-C stops it too.
    (trap - INT && exec "${cmd[@]}") 2>"$dir/bench.err" &
    generator_pid=$!
    tail -n +1 -s 0.2 -f --pid="$generator_pid" "$dir/bench.err" >&2 &
    tail_pid=$!
    wait "$generator_pid"
    code=$?
    generator_pid=""
    wait "$tail_pid"
    alive=1
    for pid in "${server_pids[@]}"; do kill -0 "$pid" 2>/dev/null || alive=0; done
    if [[ $alive -eq 0 ]]; then
      status="server-died"
      error="a server process exited during the run: $(tail -3 "$server_log")"
    elif [[ $code -eq 0 ]]; then
      status="ok"
    else
      status="bench-failed"
      error=$(grep -v -E '^(run |registering |creating |opening |sending |uploading |downloading |  [0-9.]+ (msg|uploads)/s: |  [0-9]+ (×|downloads,) |\[)' "$dir/bench.err" | tail -4)
    fi
    stop_server
    server_code=$server_exit
    if [[ $status == ok && $server_code != 0 ]]; then
      echo "bench: note: $kind exited $server_code after SIGTERM" >&2
    fi
  fi
  write_run "$name" "$scenario" "$kind" "$status" "$code" "$server_code" "$started" "$((SECONDS - t0))" \
    "$error" "$(shell_words "${cmd[@]}")"
  if [[ $status != ok ]]; then
    failed+=("$name ($status${code:+, exit $code})")
  fi
}

node bench/render-results.mjs --record-machine "$out_dir" --talkline "$talkline" ||
  echo "bench: could not record the machine description" >&2

for scenario in "${scenarios[@]}"; do
  for kind in $(servers_for "$scenario"); do
    [[ -n $only && $only != *",$kind,"* ]] && continue
    run_one "$scenario" "$kind"
  done
done

echo
status=0
if [[ $render -eq 1 ]]; then
  node bench/render-results.mjs --results "$out_dir" --out "$report" || status=1
fi
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "bench: ${#failed[@]} run(s) failed: ${failed[*]}"
  exit 1
fi
echo "bench: every run passed (results in ${out_dir#"$root"/})"
exit $status
