#!/usr/bin/env bash
# Stand-in for Tollgate, to self-test run.sh's --tollgate-cmd path without a .NET build:
# a second nginx reverse proxy (worker_processes 1, proxy_buffering off) started in the
# foreground with the same placeholders Tollgate gets.
#
#   bench/load/run.sh --duration 3 \
#     --tollgate-cmd 'bench/load/standin-proxy.sh --port {port} --upstream {upstream} --dir {tmp}'
#
# Its rows should match the "nginx" rows within noise; the "Tollgate vs targets" checks
# then show what run-to-run noise alone looks like on this machine.
set -euo pipefail
PORT="" UPSTREAM="" DIR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT=$2; shift 2 ;;
    --upstream) UPSTREAM=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    *) echo "standin-proxy.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$PORT" ] && [ -n "$UPSTREAM" ] && [ -n "$DIR" ] || { echo "usage: standin-proxy.sh --port P --upstream http://127.0.0.1:UP/v1 --dir DIR" >&2; exit 2; }
origin=${UPSTREAM%/v1}; origin=${origin%/}
hostport=${origin#http://}
mkdir -p "$DIR/standin"
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root root;"
cat >"$DIR/standin/nginx.conf" <<EOF
$USER_LINE
worker_processes 1;
pid "$DIR/standin/nginx.pid";
error_log "$DIR/standin/error.log" warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path "$DIR/standin/client_body";
    proxy_temp_path "$DIR/standin/proxy";
    fastcgi_temp_path "$DIR/standin/fastcgi";
    uwsgi_temp_path "$DIR/standin/uwsgi";
    scgi_temp_path "$DIR/standin/scgi";
    client_max_body_size 16m;
    client_body_buffer_size 128k;
    keepalive_requests 10000000;
    upstream up { server $hostport; keepalive 128; }
    server {
        listen 127.0.0.1:$PORT;
        location / {
            proxy_pass http://up;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_request_buffering off;
        }
    }
}
EOF
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
exec "$NGINX" -p "$DIR/standin" -c "$DIR/standin/nginx.conf" -e "$DIR/standin/error.log" -g 'daemon off;'
