#!/usr/bin/env bash
# Tollgate load/overhead harness: upstream direct vs nginx reverse proxy vs Tollgate,
# side by side in one run, against a fast local nginx upstream serving canned bodies.
# All traffic goes to 127.0.0.1; every loop and every wrk run is bounded; every server
# this script starts is stopped on exit (trap). See bench/load/README.md.
#
# Usage:
#   bench/load/run.sh [--tollgate-cmd "<template>"] [options]
#
#   --tollgate-cmd CMD   command that starts Tollgate in the foreground, with placeholders:
#                          {port}             port Tollgate must listen on (127.0.0.1)
#                          {upstream}         OpenAI-style upstream base URL, http://127.0.0.1:UP/v1
#                          {upstream_origin}  the same without /v1, http://127.0.0.1:UP
#                          {tmp}              an empty scratch directory (data dir, db, ...); a command
#                                             that sets up accounts writes its client key to
#                                             {tmp}/client-key, and requests to tollgate carry it
#                        run with bash -c from the repository root, in its own process group.
#                        Omitted: only the upstream and the nginx proxy are measured.
#   --tollgate-prefix P  path prefix Tollgate serves the API under (default: none, i.e. /v1/...)
#   --tollgate-port N    use this port instead of a free one (if CMD has no {port})
#   --ready-timeout S    seconds to wait for Tollgate to answer HTTP (default 60)
#   --duration S         seconds per measured run (default 10)
#   --warmup S           warm-up seconds per target x scenario, 16 conns, not recorded (default 3; 0 = none)
#   --conns "1 16 64"    connection counts (default "1 16 64")
#   --scenarios "..."    subset of: responses-sse responses-json chat-small (default: all three)
#   --repeat N           run the whole scenario x conns x target matrix N times (target order
#                        rotated each time) and report medians (default 1; use 3 to decide)
#   --ttfb-requests N    sequential slow-stream requests per target (default 100; 0 = skip TTFB)
#   --out FILE           results Markdown file (default bench/load/results/run-<UTC time>.md)
#   --keep-tmp           keep the temp dir (nginx configs, logs, raw results)
#   -h, --help
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

TOLLGATE_CMD=""
TG_AUTH=""
TOLLGATE_PREFIX=""
TOLLGATE_PORT=""
READY_TIMEOUT=60
DURATION=10
WARMUP=3
CONNS="1 16 64"
SCENARIOS="responses-sse responses-json chat-small"
TTFB_N=100
REPEAT=1
OUT=""
KEEP_TMP=0

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "run.sh: $*" >&2; exit 1; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

while [ $# -gt 0 ]; do
  case "$1" in
    --tollgate-cmd) TOLLGATE_CMD=${2-}; shift 2 ;;
    --tollgate-prefix) TOLLGATE_PREFIX=${2-}; shift 2 ;;
    --tollgate-port) TOLLGATE_PORT=${2-}; shift 2 ;;
    --ready-timeout) READY_TIMEOUT=${2-}; shift 2 ;;
    --duration) DURATION=${2-}; shift 2 ;;
    --warmup) WARMUP=${2-}; shift 2 ;;
    --conns) CONNS=${2-}; shift 2 ;;
    --scenarios) SCENARIOS=${2-}; shift 2 ;;
    --ttfb-requests) TTFB_N=${2-}; shift 2 ;;
    --repeat) REPEAT=${2-}; shift 2 ;;
    --out) OUT=${2-}; shift 2 ;;
    --keep-tmp) KEEP_TMP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

is_uint "$DURATION" && [ "$DURATION" -ge 1 ] && [ "$DURATION" -le 600 ] || die "--duration must be 1..600"
is_uint "$WARMUP" && [ "$WARMUP" -le 120 ] || die "--warmup must be 0..120"
is_uint "$REPEAT" && [ "$REPEAT" -ge 1 ] && [ "$REPEAT" -le 20 ] || die "--repeat must be 1..20"
is_uint "$TTFB_N" && [ "$TTFB_N" -le 5000 ] || die "--ttfb-requests must be 0..5000"
is_uint "$READY_TIMEOUT" && [ "$READY_TIMEOUT" -ge 1 ] && [ "$READY_TIMEOUT" -le 600 ] || die "--ready-timeout must be 1..600"
for c in $CONNS; do is_uint "$c" && [ "$c" -ge 1 ] && [ "$c" -le 1000 ] || die "--conns values must be 1..1000"; done
for s in $SCENARIOS; do
  case "$s" in responses-sse|responses-json|chat-small) ;; *) die "unknown scenario: $s" ;; esac
done
[ -z "$TOLLGATE_PORT" ] || { is_uint "$TOLLGATE_PORT" && [ "$TOLLGATE_PORT" -ge 1 ] && [ "$TOLLGATE_PORT" -le 65535 ]; } || die "--tollgate-port must be a port number"
[ -z "$TOLLGATE_PREFIX" ] || [[ "$TOLLGATE_PREFIX" == /* ]] || die "--tollgate-prefix must start with /"
TOLLGATE_PREFIX=${TOLLGATE_PREFIX%/}

# ---------------------------------------------------------------- dependencies
NGINX=$(command -v nginx 2>/dev/null || true)
[ -n "$NGINX" ] || { [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx; } || true
ECHO_MODULE=/usr/lib/nginx/modules/ngx_http_echo_module.so
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -n "$NGINX" ] || missing+=(nginx)
command -v curl >/dev/null 2>&1 || missing+=(curl)
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3   # Debian's; skips e.g. a pyenv shim's start-up cost
command -v "$PY" >/dev/null 2>&1 || missing+=(python3)
command -v setsid >/dev/null 2>&1 || missing+=(util-linux)
command -v timeout >/dev/null 2>&1 || missing+=(coreutils)
[ -f "$ECHO_MODULE" ] || missing+=(libnginx-mod-http-echo)
if [ ${#missing[@]} -gt 0 ]; then
  echo "run.sh: missing tools. Install the Debian packages with:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi

# ---------------------------------------------------------------- temp dir, cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-load.XXXXXX")
UP_PID="" PX_PID="" TG_PID=""

stop_group() {  # $1 = pid that is also its own process-group id (started with setsid), $2 = name
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "run.sh: $2 (pid $pid) did not stop in 5 s, sending SIGKILL" >&2
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  # workers/children left in the group (e.g. nginx workers if the master was killed)
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

CHILD_PID=""
wait_child() {  # wait for a background client (wrk, ttfb.py) so a signal is handled at once
  CHILD_PID=$1
  local rc=0
  wait "$1" || rc=$?
  CHILD_PID=""
  return "$rc"
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ -n "$CHILD_PID" ]; then kill -TERM "$CHILD_PID" 2>/dev/null; wait "$CHILD_PID" 2>/dev/null; fi
  stop_group "$TG_PID" tollgate
  stop_group "$PX_PID" nginx-proxy
  stop_group "$UP_PID" nginx-upstream
  if [ "$KEEP_TMP" = 1 ]; then echo "run.sh: kept temp dir $TMP" >&2; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# ---------------------------------------------------------------- bodies
BODIES="$HERE/bodies"
for f in responses_request_stream.json responses_request_json.json chat_request.json \
         responses.sse responses.json chat.json slow_stream_echo.conf; do
  if [ ! -f "$BODIES/$f" ]; then
    log "bodies/ incomplete; generating into the temp dir"
    BODIES="$TMP/bodies"
    "$PY" "$HERE/gen_bodies.py" "$BODIES" >/dev/null
    break
  fi
done

# ---------------------------------------------------------------- ports
mapfile -t PORTS < <("$PY" "$HERE/procstat.py" --ports 3)
UP_PORT=${PORTS[0]}
PX_PORT=${PORTS[1]}
TG_PORT=${TOLLGATE_PORT:-${PORTS[2]}}

# ---------------------------------------------------------------- nginx configs
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root root;"   # workers must read bodies/ and the temp dir

common_http() {  # $1 = dir
  cat <<EOF
    access_log off;
    server_tokens off;
    client_body_temp_path "$1/client_body";
    proxy_temp_path "$1/proxy";
    fastcgi_temp_path "$1/fastcgi";
    uwsgi_temp_path "$1/uwsgi";
    scgi_temp_path "$1/scgi";
    client_max_body_size 16m;
    client_body_buffer_size 128k;   # the 20 KB request body stays in memory
    keepalive_requests 10000000;
    keepalive_timeout 75s;
    tcp_nodelay on;
EOF
}

mkdir -p "$TMP/up" "$TMP/px" "$TMP/tollgate"

cat >"$TMP/up/nginx.conf" <<EOF
# Upstream: a fast local "OpenAI" that answers with canned bodies.
load_module "$ECHO_MODULE";
$USER_LINE
worker_processes 1;
pid "$TMP/up/nginx.pid";
error_log "$TMP/up/error.log" warn;
events { worker_connections 4096; }
http {
$(common_http "$TMP/up")
    sendfile on;
    open_file_cache max=16 inactive=600s;
    open_file_cache_valid 600s;
    types { }
    default_type application/json;

    # Like a real API, the upstream reads the whole request body before it answers
    # (echo_read_request_body), then jumps (echo_exec, still POST) to the canned answer.
    # The static module refuses POST with 405, which error_page turns into a GET of the
    # same file with status 200.
    map \$http_x_bench_scenario \$responses_canned {
        default /_canned/responses.json;
        sse     /_canned/responses.sse;
        json    /_canned/responses.json;
        slow    /_slow/responses;
    }

    server {
        listen 127.0.0.1:$UP_PORT backlog=4096;

        location = /v1/responses        { echo_read_request_body; echo_exec \$responses_canned; }
        location = /v1/chat/completions { echo_read_request_body; echo_exec /_canned/chat.json; }

        location = /_canned/responses.sse {
            internal;
            alias "$BODIES/responses.sse";
            error_page 405 =200 \$uri;
            default_type text/event-stream;
            add_header Cache-Control no-cache;
            # SSI on a body without SSI commands changes nothing but drops Content-Length,
            # so the stream goes out chunked, as a real SSE answer does.
            ssi on;
            ssi_types text/event-stream;
        }
        location = /_canned/responses.json { internal; alias "$BODIES/responses.json"; error_page 405 =200 \$uri; }
        location = /_canned/chat.json      { internal; alias "$BODIES/chat.json"; error_page 405 =200 \$uri; }

        # slow stream: 20 SSE chunks, 20 ms apart, each flushed (echo module)
        location = /_slow/responses {
            internal;
            default_type text/event-stream;
            add_header Cache-Control no-cache;
            include "$BODIES/slow_stream_echo.conf";
        }

        location / { return 404; }
    }
}
EOF

cat >"$TMP/px/nginx.conf" <<EOF
# nginx as a plain reverse proxy: the practical floor for any proxy.
# worker_processes 1 so its CPU per request compares fairly with one gateway process.
$USER_LINE
worker_processes 1;
pid "$TMP/px/nginx.pid";
error_log "$TMP/px/error.log" warn;
events { worker_connections 4096; }
http {
$(common_http "$TMP/px")
    upstream llm_upstream {
        server 127.0.0.1:$UP_PORT;
        keepalive 128;
    }
    server {
        listen 127.0.0.1:$PX_PORT backlog=4096;
        location / {
            proxy_pass http://llm_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;           # stream answers as they arrive (SSE)
            proxy_request_buffering off;   # stream the request body too
        }
    }
}
EOF

STARTED_PID=""
start_nginx() {  # $1 = dir, $2 = name; sets STARTED_PID
  "$NGINX" -t -q -p "$1" -c "$1/nginx.conf" -e "$1/error.log" >"$1/test.log" 2>&1 || {
    cat "$1/test.log" >&2; die "$2: nginx config test failed ($1/nginx.conf)"; }
  setsid "$NGINX" -p "$1" -c "$1/nginx.conf" -e "$1/error.log" -g 'daemon off;' >"$1/stdout.log" 2>&1 </dev/null &
  STARTED_PID=$!
}

wait_http() {  # $1 = url, $2 = pid, $3 = name, $4 = timeout seconds; returns 1 on failure
  local i code
  for i in $(seq 1 $(( $4 * 10 ))); do
    if ! kill -0 "$2" 2>/dev/null; then echo "run.sh: $3 exited during startup" >&2; return 1; fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" 2>/dev/null || true)
    if [ -n "$code" ] && [ "$code" != 000 ]; then return 0; fi
    sleep 0.1
  done
  echo "run.sh: $3 did not answer HTTP on $1 within $4 s" >&2
  return 1
}

log "temp dir $TMP; ports: upstream $UP_PORT, nginx proxy $PX_PORT${TOLLGATE_CMD:+, tollgate $TG_PORT}"
start_nginx "$TMP/up" "upstream nginx"; UP_PID=$STARTED_PID
wait_http "http://127.0.0.1:$UP_PORT/" "$UP_PID" "upstream nginx" 10 || { cat "$TMP/up/error.log" "$TMP/up/stdout.log" >&2; exit 1; }
start_nginx "$TMP/px" "nginx proxy"; PX_PID=$STARTED_PID
wait_http "http://127.0.0.1:$PX_PORT/" "$PX_PID" "nginx proxy" 10 || { cat "$TMP/px/error.log" "$TMP/px/stdout.log" >&2; exit 1; }

TARGETS="upstream nginx"
TG_CMD_EXPANDED=""
if [ -n "$TOLLGATE_CMD" ]; then
  if [[ "$TOLLGATE_CMD" != *"{port}"* ]] && [ -z "$TOLLGATE_PORT" ]; then
    die "--tollgate-cmd has no {port} placeholder; add one or pass --tollgate-port"
  fi
  c=$TOLLGATE_CMD
  c=${c//\{port\}/$TG_PORT}
  c=${c//\{upstream_origin\}/http://127.0.0.1:$UP_PORT}
  c=${c//\{upstream\}/http://127.0.0.1:$UP_PORT/v1}
  c=${c//\{tmp\}/$TMP/tollgate}
  TG_CMD_EXPANDED=$c
  log "starting tollgate: $TG_CMD_EXPANDED"
  pushd "$REPO" >/dev/null
  setsid bash -c "$TG_CMD_EXPANDED" >"$TMP/tollgate.log" 2>&1 </dev/null &
  TG_PID=$!
  popd >/dev/null
  if ! wait_http "http://127.0.0.1:$TG_PORT/" "$TG_PID" "tollgate" "$READY_TIMEOUT"; then
    echo "---- tollgate log (last 40 lines) ----" >&2; tail -n 40 "$TMP/tollgate.log" >&2; exit 1
  fi
  TARGETS="upstream nginx tollgate"
  # A --tollgate-cmd that sets up accounts writes its client key to {tmp}/client-key.
  if [ -s "$TMP/tollgate/client-key" ]; then
    TG_AUTH="Bearer $(tr -d '\r\n' <"$TMP/tollgate/client-key")"
    log "tollgate requests carry the client key from {tmp}/client-key"
  fi
fi

auth_for() {  # the Authorization header a target's requests carry
  if [ "$1" = tollgate ] && [ -n "$TG_AUTH" ]; then echo "$TG_AUTH"; else echo "Bearer sk-bench-not-a-real-key"; fi
}

target_base() {
  case "$1" in
    upstream) echo "http://127.0.0.1:$UP_PORT" ;;
    nginx)    echo "http://127.0.0.1:$PX_PORT" ;;
    tollgate) echo "http://127.0.0.1:$TG_PORT$TOLLGATE_PREFIX" ;;
  esac
}
target_pid() {
  case "$1" in upstream) echo "$UP_PID" ;; nginx) echo "$PX_PID" ;; tollgate) echo "$TG_PID" ;; esac
}
# scenario -> path, request body, Accept, X-Bench-Scenario, expected answer
scen_path()   { case "$1" in chat-small) echo /v1/chat/completions ;; *) echo /v1/responses ;; esac; }
scen_body()   { case "$1" in responses-sse) echo "$BODIES/responses_request_stream.json" ;; responses-json) echo "$BODIES/responses_request_json.json" ;; chat-small) echo "$BODIES/chat_request.json" ;; esac; }
scen_accept() { case "$1" in responses-sse) echo text/event-stream ;; *) echo application/json ;; esac; }
scen_tag()    { case "$1" in responses-sse) echo sse ;; responses-json) echo json ;; chat-small) echo chat ;; esac; }
scen_answer() { case "$1" in responses-sse) echo "$BODIES/responses.sse" ;; responses-json) echo "$BODIES/responses.json" ;; chat-small) echo "$BODIES/chat.json" ;; esac; }
scen_ctype()  { case "$1" in responses-sse) echo text/event-stream ;; *) echo application/json ;; esac; }

WARNINGS=()

validate() {  # $1 target, $2 scenario: one request with curl, check status, type and body
  local url code ctype
  url="$(target_base "$1")$(scen_path "$2")"
  code=$(curl -sS --max-time 10 -o "$TMP/val.body" -D "$TMP/val.hdr" -w '%{http_code}' -X POST \
    -H "Content-Type: application/json" -H "Accept: $(scen_accept "$2")" \
    -H "Authorization: $(auth_for "$1")" -H "X-Bench-Scenario: $(scen_tag "$2")" \
    --data-binary "@$(scen_body "$2")" "$url" 2>"$TMP/val.err" || true)
  [ "$code" = 200 ] || { cat "$TMP/val.err" "$TMP/val.hdr" >&2 2>/dev/null; head -c 500 "$TMP/val.body" >&2 2>/dev/null; die "$1 $2: expected HTTP 200 from $url, got '$code'"; }
  ctype=$(tr -d '\r' <"$TMP/val.hdr" | sed -n 's/^[Cc]ontent-[Tt]ype: *//p' | tail -n 1)
  [[ "$ctype" == "$(scen_ctype "$2")"* ]] || die "$1 $2: expected Content-Type $(scen_ctype "$2"), got '$ctype'"
  if ! cmp -s "$TMP/val.body" "$(scen_answer "$2")"; then
    WARNINGS+=("$1 $2: response body differs from the canned upstream body (not forwarded byte for byte)")
    log "WARNING: ${WARNINGS[-1]}"
  fi
}

kv() {  # $1 key, $2 "k=v k=v" line
  sed -n "s/.*\(^\| \)$1=\([^ ]*\).*/\2/p" <<<"$2"
}

CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
NCPU=$(nproc)
sys_ticks() {  # "busy total" clock ticks of the whole machine since boot (/proc/stat, all CPUs)
  local cpu u n s i w q sq st rest
  read -r cpu u n s i w q sq st rest </proc/stat
  echo "$(( u + n + s + q + sq + st )) $(( u + n + s + i + w + q + sq + st ))"
}
times_us() {  # CPU of this shell and its reaped children (wrk, curl, python helpers), in µs
  # (no pipe or $(...) around `times`: a subshell would report its own, near-zero, times)
  times >"$TMP/times.txt"
  tr 'ms' '  ' <"$TMP/times.txt" | awk '{ t += ($1 * 60 + $2) + ($3 * 60 + $4) } END { printf "%d", t * 1000000 }'
}
servers_cpu_us() {
  local t sum=0
  for t in $TARGETS; do sum=$(( sum + $(kv cpu_us "$("$PY" "$HERE/procstat.py" "$(target_pid "$t")")") )); done
  echo "$sum"
}

run_wrk() {  # $1 target, $2 scenario, $3 conns, $4 seconds, $5 out file
  local threads=2
  [ "$3" -lt 2 ] && threads=1
  rm -f "$5"
  BENCH_BODY="$(scen_body "$2")" BENCH_ACCEPT="$(scen_accept "$2")" BENCH_SCENARIO="$(scen_tag "$2")" BENCH_OUT="$5" BENCH_AUTH="$(auth_for "$1")" \
    timeout -k 5 $(( $4 + 60 )) wrk -t "$threads" -c "$3" -d "${4}s" --timeout 10s -s "$HERE/post.lua" \
    "$(target_base "$1")$(scen_path "$2")" >"$TMP/wrk.log" 2>&1 &
  wait_child $! || { cat "$TMP/wrk.log" >&2; die "wrk failed ($1 $2 c=$3)"; }
  [ -s "$5" ] || { cat "$TMP/wrk.log" >&2; die "wrk wrote no result ($1 $2 c=$3)"; }
}

for t in $TARGETS; do for s in $SCENARIOS; do validate "$t" "$s"; done; done
log "all targets answer every scenario (HTTP 200, right Content-Type)"

# ---------------------------------------------------------------- is the machine quiet?
read -r b0 a0 < <(sys_ticks)
sleep 2
read -r b1 a1 < <(sys_ticks)
idle_busy_pct=$(( (b1 - b0) * NCPU * 100 / (a1 - a0 > 0 ? a1 - a0 : 1) ))   # % of one core
if [ "$idle_busy_pct" -gt 20 ]; then
  WARNINGS+=("before the run, other processes kept the machine ${idle_busy_pct}% busy (of one core): figures will be noisy; run on a quiet machine")
  log "WARNING: ${WARNINGS[-1]}"
fi

# ---------------------------------------------------------------- warm-up
if [ "$WARMUP" -gt 0 ]; then
  for t in $TARGETS; do
    for s in $SCENARIOS; do
      log "warm-up $t $s (${WARMUP}s, 16 conns)"
      run_wrk "$t" "$s" 16 "$WARMUP" "$TMP/warmup.out"
    done
  done
fi

# ---------------------------------------------------------------- measured runs
RAW="$TMP/raw.txt"
: >"$RAW"
n_targets=$(wc -w <<<"$TARGETS"); n_scen=$(wc -w <<<"$SCENARIOS"); n_conns=$(wc -w <<<"$CONNS")
total=$(( n_targets * n_scen * n_conns * REPEAT )); i=0
read -r sys0 all0 < <(sys_ticks); times_us >"$TMP/t.us"; own0=$(( $(cat "$TMP/t.us") + $(servers_cpu_us) )); wall0=$(date +%s%N)
for rep in $(seq 1 "$REPEAT"); do
  # rotate the target order each repeat, so no target always runs right after another
  order=$TARGETS
  for _ in $(seq 2 "$rep"); do order="${order#* } ${order%% *}"; done
  for s in $SCENARIOS; do
    for c in $CONNS; do
      for t in $order; do          # interleaved, so slow drift hits every target alike
        i=$((i + 1))
        pid=$(target_pid "$t")
        kill -0 "$pid" 2>/dev/null || die "$t (pid $pid) is no longer running"
        before=$("$PY" "$HERE/procstat.py" "$pid")
        run_wrk "$t" "$s" "$c" "$DURATION" "$TMP/wrk.out"
        after=$("$PY" "$HERE/procstat.py" "$pid")
        res=$(cat "$TMP/wrk.out")
        cpu=$(( $(kv cpu_us "$after") - $(kv cpu_us "$before") ))
        echo "kind=load rep=$rep target=$t scenario=$s conns=$c $res cpu_us=$cpu hwm_kib=$(kv hwm_kib "$after") rss_kib=$(kv rss_kib "$after")" >>"$RAW"
        req=$(kv requests "$res")
        log "[$i/$total] $t $s c=$c: $(kv rps "$res") req/s, p50 $(kv p50_us "$res") µs, p99 $(kv p99_us "$res") µs, cpu $(( req > 0 ? cpu / req : 0 )) µs/req, errors status=$(kv err_status "$res") read=$(kv err_read "$res")"
        sleep 0.5
      done
    done
  done
done

# ---------------------------------------------------------------- slow stream TTFB
if [ "$TTFB_N" -gt 0 ]; then
  for t in $TARGETS; do
    log "slow stream TTFB: $t, $TTFB_N sequential requests (~0.4 s each)"
    base=$(target_base "$t")
    port=${base#http://127.0.0.1:}; port=${port%%/*}
    prefix=""; [ "$t" = tollgate ] && prefix=$TOLLGATE_PREFIX
    timeout -k 5 $(( TTFB_N * 3 + 60 )) "$PY" "$HERE/ttfb.py" --port "$port" --prefix "$prefix" \
      --body "$BODIES/responses_request_stream.json" -n "$TTFB_N" --label "$t" --auth "$(auth_for "$t")" >>"$RAW" 2>"$TMP/ttfb-$t.err" &
    wait_child $! || { cat "$TMP/ttfb-$t.err" >&2; WARNINGS+=("ttfb $t: some requests failed (details were printed on stderr)"); }
  done
fi

read -r sys1 all1 < <(sys_ticks); times_us >"$TMP/t.us"; own1=$(( $(cat "$TMP/t.us") + $(servers_cpu_us) )); wall1=$(date +%s%N)
# CPU used meanwhile by processes this script did not start (another build, an IDE, ...)
foreign_us=$(( (sys1 - sys0) * 1000000 / CLK_TCK - (own1 - own0) ))
[ "$foreign_us" -lt 0 ] && foreign_us=0
foreign_pct=$(( foreign_us * 100000 / (wall1 - wall0) ))   # % of one core (wall in ns)
FOREIGN_NOTE="other processes used $(( foreign_us / 1000000 )).$(( foreign_us / 100000 % 10 )) CPU-s during the measured runs and TTFB (${foreign_pct}% of one core on average)"
log "$FOREIGN_NOTE"
if [ "$foreign_pct" -gt 10 ]; then
  WARNINGS+=("$FOREIGN_NOTE: the machine was not quiet, figures are disturbed; re-run")
fi

# ---------------------------------------------------------------- report
HDR="$TMP/header.md"
{
  echo "## Tollgate load/overhead run, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo ""
  echo "- machine: $(nproc) cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)), kernel $(uname -r)"
  echo "- $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2), $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), python $("$PY" -c 'import platform; print(platform.python_version())')"
  echo "- ${DURATION} s per run, ${REPEAT} repeat(s), warm-up ${WARMUP} s per target and scenario at 16 conns; wrk threads: 1 at 1 conn, else 2; runs interleaved target by target"
  echo "- upstream: nginx, worker_processes 1, canned bodies (SSE chunked, JSON with Content-Length)"
  echo "- nginx proxy: worker_processes 1 (so its CPU per request compares fairly), proxy_buffering off, proxy_request_buffering off, HTTP/1.1 keepalive pool to the upstream, access_log off"
  if [ -n "$TG_CMD_EXPANDED" ]; then echo "- tollgate: \`$TOLLGATE_CMD\`"; else echo "- tollgate: not run (no --tollgate-cmd)"; fi
  echo "- load generator, upstream and proxy share the same $(nproc) cores: compare targets within this run, not across machines"
  echo "- $FOREIGN_NOTE"
  for w in "${WARNINGS[@]+"${WARNINGS[@]}"}"; do echo "- WARNING: $w"; done
} >"$HDR"

if [ -z "$OUT" ]; then
  mkdir -p "$HERE/results"
  OUT="$HERE/results/run-$(date -u +%Y%m%d-%H%M%S).md"
fi
"$PY" "$HERE/report.py" "$RAW" "$HDR" >"$OUT"
cp "$RAW" "${OUT%.md}.raw.txt"
cat "$OUT"
log "results written to $OUT (raw figures: ${OUT%.md}.raw.txt)"
