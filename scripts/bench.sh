#!/usr/bin/env bash
# Runs talkline-bench's scenarios against TalkLine and the Node.js socket.io peer
# (bench/peers/socketio-node), then renders bench/RESULTS.md from the JSON results.
# Builds nothing: `make bench` builds talkline and talkline-bench first.
#
#   scripts/bench.sh [--quick | --smoke] [--build-dir DIR] [--out DIR] [--report FILE] [--no-render] [scenario ...]
#
# Scenarios: connections direct group persist daily-model (default: all of them, and the
# results directory is emptied first). Every run gets its own server, started on a fresh
# data directory (or database) and a free loopback port and stopped afterwards; with two
# or more cores the server is pinned to one core and the generator to another. A failed
# run does not stop the others: the script goes on and exits 1 at the end.
#
# For each run it writes <out>/<scenario>-<server>.json (talkline-bench --json) and
# <out>/<scenario>-<server>.run.json (the exact commands, exit codes and times), where
# <server> is talkline, peer-memory or peer-sqlite; then <out>/machine.json, and the
# report (default out bench/results, report bench/RESULTS.md).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

profile=full
build_dir=$root/build
out_dir=$root/bench/results
report=$root/bench/RESULTS.md
render=1
scenarios=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) profile=quick ;;
    --smoke) profile=smoke ;;
    --build-dir) build_dir=$2; shift ;;
    --out) out_dir=$2; shift ;;
    --report) report=$2; shift ;;
    --no-render) render=0 ;;
    connections | direct | group | persist | daily-model) scenarios+=("$1") ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
# Paths given on the command line are relative to the caller's directory.
build_dir=$(realpath -m "$build_dir")
out_dir=$(realpath -m "$out_dir")
report=$(realpath -m "$report")
cd "$root" || exit 2

all_scenarios=(connections direct group persist daily-model)
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
if [[ ! -d $peer_dir/node_modules ]]; then
  echo "bench: the peer's node_modules is missing; run scripts/install-js-deps.sh" >&2
  exit 2
fi

mkdir -p "$out_dir"
if [[ $clear_out -eq 1 ]]; then
  rm -f "$out_dir"/*.json
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/talkline-bench.XXXXXX")

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
    *) echo talkline peer-memory ;;
  esac
}

scenario_args() {
  local scenario=$1
  case $profile:$scenario in
    full:connections) echo --connections 15000 --connections-per-user 10 --duration 10 --source-addresses 4 ;;
    full:direct) echo --pairs 500 --rates 1000,2000,5000,10000,20000,40000,70000,100000,140000 --duration 4 --p99-bound-ms 50 ;;
    full:group) echo --groups 10 --members 100 --rates 200,500,1000,2000,3500,5000,7000 --duration 4 --p99-bound-ms 200 ;;
    full:persist) echo --senders 200 --rates 500,1000,2000,5000,10000,20000,35000,50000,70000 --duration 4 --p99-bound-ms 10 ;;
    full:daily-model) echo --active 2000 --speedup 500 --duration 20 ;;

    quick:connections) echo --connections 1000 --connections-per-user 10 --duration 2 ;;
    quick:direct) echo --pairs 20 --rates 1000,2500 --duration 2 --p99-bound-ms 50 ;;
    quick:group) echo --groups 2 --members 100 --rates 100,250 --duration 2 --p99-bound-ms 200 ;;
    quick:persist) echo --senders 20 --rates 500,1000 --duration 2 --p99-bound-ms 10 ;;
    quick:daily-model) echo --active 200 --speedup 2000 --duration 3 ;;

    smoke:connections) echo --connections 50 --connections-per-user 5 --duration 1 ;;
    smoke:direct) echo --pairs 5 --rate 200 --duration 2 ;;
    smoke:group) echo --groups 2 --members 5 --rate 50 --duration 2 ;;
    smoke:persist) echo --senders 5 --rate 100 --duration 2 ;;
    smoke:daily-model) echo --active 20 --speedup 8640 --duration 2 --readers 2 ;;
  esac
}

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

# ---- servers -------------------------------------------------------------------------

server_pid=""
server_log=""
server_cmd=()
server_url=""

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

# Environment for the servers: the caller's minus every TALKLINE_* and PEER_* setting,
# so a run does not depend on whoever's shell started it.
clean_env=(env)
while IFS= read -r name; do clean_env+=(-u "$name"); done < <(compgen -e | grep -E '^(TALKLINE|PEER)_')

# start_server KIND DIR: starts talkline, peer-memory or peer-sqlite with its data in DIR
# and waits until it answers; sets server_pid, server_url and server_cmd.
start_server() {
  local kind=$1 dir=$2 port="" deadline
  server_log=$dir/server.log
  case $kind in
    talkline)
      server_cmd=("${server_pin[@]}" "$talkline" --host 127.0.0.1 --port 0 --data-dir "$dir/data"
        "${thread_args[@]}" --log-level warn
        --argon2-memory-kib 8192 --argon2-iterations 1
        --registrations-per-ip-per-hour 1000000 --requests-per-minute-per-ip 0
        --max-connections 1000000 --max-connections-per-ip 1000000
        --messages-per-second-per-user 100000 --message-burst-per-user 1000000)
      mkdir -p "$dir/data"
      # In the data directory, so a ./.env in the repository cannot change the settings.
      (cd "$dir/data" && exec "${clean_env[@]}" "${server_cmd[@]}") >"$server_log" 2>&1 &
      ;;
    peer-memory | peer-sqlite)
      server_cmd=("${server_pin[@]}" node "$peer_dir/server.mjs" --host 127.0.0.1 --port 0 --mode "${kind#peer-}")
      [[ $kind == peer-sqlite ]] && server_cmd+=(--db "$dir/peer.db")
      (cd "$peer_dir" && exec "${clean_env[@]}" "${server_cmd[@]}") >"$server_log" 2>&1 &
      ;;
  esac
  server_pid=$!
  deadline=$((SECONDS + 20))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      wait "$server_pid"
      echo "bench: $kind exited with $? before it was ready:" >&2
      tail -20 "$server_log" >&2
      server_pid=""
      return 1
    fi
    if [[ $kind == talkline ]]; then
      port=$(listening_port "$server_pid") || port=""
      if [[ -n $port ]] && curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz"; then break; fi
    else
      port=$(sed -n 's/^socketio-node listening on .*:\([0-9]*\)$/\1/p' "$server_log" | head -1)
      [[ -n $port ]] && break
    fi
    port=""
    sleep 0.1
  done
  if [[ -z $port ]]; then
    echo "bench: $kind did not become ready within 20 s:" >&2
    tail -20 "$server_log" >&2
    stop_server
    return 1
  fi
  server_url=http://127.0.0.1:$port
}

# Sends SIGTERM and waits up to 30 s (then SIGKILL); sets server_exit to the exit code.
server_exit=""
stop_server() {
  local pid=$server_pid
  server_exit=""
  [[ -n $pid ]] || return 0
  server_pid=""
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null
    echo "bench: server $pid ignored SIGTERM for 30 s; killed" >&2
  fi
  wait "$pid" 2>/dev/null
  server_exit=$?
}

generator_pid=""
cleanup() {
  if [[ -n $generator_pid ]]; then
    kill -TERM "$generator_pid" 2>/dev/null
    wait "$generator_pid" 2>/dev/null
  fi
  stop_server
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
    printf '  "server_command": %s,\n' "$(json_string "$(shell_words "${server_cmd[@]}")")"
    printf '  "bench_command": %s,\n' "$(json_string "${10}")"
    printf '  "pinning": %s,\n' "$(json_string "$pinning")"
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
  dir=$work/$name
  mkdir -p "$dir"
  rm -f "$out_dir/$name.json" "$out_dir/$name.run.json"
  started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local t0=$SECONDS
  echo
  echo "==> $scenario against $kind ($profile)"
  server_cmd=()
  if ! "$bench" "$scenario" --help >/dev/null 2>&1; then
    status="missing"
    error="this talkline-bench has no '$scenario' scenario"
    echo "bench: $error" >&2
  elif ! start_server "$kind" "$dir"; then
    status="server-failed"
    error="$kind did not start: $(tail -3 "$server_log" 2>/dev/null)"
  else
    read -r -a args <<<"$(scenario_args "$scenario")"
    cmd=("${bench_pin[@]}" "$bench" "$scenario" --url "$server_url" --server-pid "$server_pid"
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
    if ! kill -0 "$server_pid" 2>/dev/null; then
      status="server-died"
      error="the server exited during the run: $(tail -3 "$server_log")"
    elif [[ $code -eq 0 ]]; then
      status="ok"
    else
      status="bench-failed"
      error=$(grep -v -E '^(run |registering |creating |opening |sending |  [0-9.]+ msg/s: |\[)' "$dir/bench.err" | tail -4)
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
