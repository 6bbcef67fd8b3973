#!/usr/bin/env python3
"""Time-to-first-byte client for the slow-stream scenario (python3 stdlib only).

Sends N sequential POST /v1/responses requests (the ~20 KB Codex-like body,
"X-Bench-Scenario: slow") over ONE keep-alive connection to 127.0.0.1 and,
for each request, records with time.perf_counter_ns():

  ttfb   start of the request write -> first response byte received (status line)
  ttfe   start of the request write -> first SSE "data:" line of the body received
         (a proxy that sends headers early but buffers the body shows up here)
  total  start of the request write -> last byte of the (chunked) response

Output: one JSON object on stdout with per-metric stats in microseconds.

    ttfb.py --port 8080 --body bodies/responses_request_stream.json -n 100 [--prefix /openai]
"""
import argparse
import json
import socket
import sys
import time


def percentile(sorted_vals, p):
    if not sorted_vals:
        return None
    # nearest-rank
    k = max(0, min(len(sorted_vals) - 1, int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


class Conn:
    def __init__(self, port, timeout):
        self.port = port
        self.timeout = timeout
        self.sock = None
        self.buf = b""

    def connect(self):
        self.close()
        s = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = s
        self.buf = b""

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None

    def recv_more(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed by peer")
        self.buf += data
        return time.perf_counter_ns()


def one_request(conn, req_bytes):
    """Returns (status, t_first_byte, t_first_event, t_end, keep_alive) in ns deltas."""
    # t0 before the write, as wrk and curl (time_starttransfer) do: on loopback the server
    # may already answer while sendall() of the 20 KB body is still returning.
    t0 = time.perf_counter_ns()
    conn.sock.sendall(req_bytes)
    t_first_byte = None
    t_first_event = None
    # headers
    while b"\r\n\r\n" not in conn.buf:
        t = conn.recv_more()
        if t_first_byte is None:
            t_first_byte = t
        if len(conn.buf) > 1 << 20:
            raise ValueError("headers too large")
    if t_first_byte is None:  # leftover bytes from a previous response (should not happen)
        t_first_byte = time.perf_counter_ns()
    head, _, rest = conn.buf.partition(b"\r\n\r\n")
    conn.buf = rest
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    keep_alive = headers.get("connection", "").lower() != "close"

    body = bytearray()

    def note_body(chunk_bytes, t):
        nonlocal t_first_event
        body.extend(chunk_bytes)
        if t_first_event is None and b"data:" in body:
            t_first_event = t

    if "chunked" in headers.get("transfer-encoding", "").lower():
        t_last = t_first_byte
        while True:
            while b"\r\n" not in conn.buf:
                t_last = conn.recv_more()
            size_line, _, conn.buf = conn.buf.partition(b"\r\n")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                # trailers (none expected) end with an empty line
                while b"\r\n" not in conn.buf:
                    t_last = conn.recv_more()
                while not conn.buf.startswith(b"\r\n"):
                    _, _, conn.buf = conn.buf.partition(b"\r\n")
                    while b"\r\n" not in conn.buf:
                        t_last = conn.recv_more()
                conn.buf = conn.buf[2:]
                break
            while len(conn.buf) < size + 2:
                t_last = conn.recv_more()
            note_body(conn.buf[:size], t_last)
            conn.buf = conn.buf[size + 2:]
        t_end = t_last
    elif "content-length" in headers:
        n = int(headers["content-length"])
        t_last = t_first_byte
        take = conn.buf[:n]
        conn.buf = conn.buf[len(take):]
        note_body(take, t_last)
        while len(body) < n:
            t_last = conn.recv_more()
            take = conn.buf[:n - len(body)]
            conn.buf = conn.buf[len(take):]
            note_body(take, t_last)
        t_end = t_last
    else:  # read to close
        t_last = t_first_byte
        note_body(conn.buf, t_last)
        conn.buf = b""
        while True:
            try:
                data = conn.sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            t_last = time.perf_counter_ns()
            note_body(data, t_last)
        keep_alive = False
        t_end = t_last

    ok = status == 200 and b"response.completed" in body
    return (ok, status, t_first_byte - t0,
            (t_first_event - t0) if t_first_event is not None else None,
            t_end - t0, keep_alive)


def stats(vals):
    v = sorted(vals)
    if not v:
        return {"n": 0}
    return {
        "n": len(v),
        "min": v[0] / 1000.0,
        "p50": percentile(v, 50) / 1000.0,
        "p90": percentile(v, 90) / 1000.0,
        "p99": percentile(v, 99) / 1000.0,
        "max": v[-1] / 1000.0,
        "mean": sum(v) / len(v) / 1000.0,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--prefix", default="")
    ap.add_argument("--body", required=True)
    ap.add_argument("-n", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--label", default="", help="target name echoed in the JSON output")
    ap.add_argument("--auth", default="Bearer sk-bench-not-a-real-key", help="Authorization header value")
    a = ap.parse_args()

    with open(a.body, "rb") as f:
        body = f.read()
    path = a.prefix.rstrip("/") + "/v1/responses"
    req = (
        "POST %s HTTP/1.1\r\n"
        "Host: 127.0.0.1:%d\r\n"
        "User-Agent: tollgate-bench-ttfb/1\r\n"
        "Authorization: %s\r\n"
        "Content-Type: application/json\r\n"
        "Accept: text/event-stream\r\n"
        "X-Bench-Scenario: slow\r\n"
        "Content-Length: %d\r\n"
        "\r\n" % (path, a.port, a.auth, len(body))
    ).encode("latin-1") + body

    conn = Conn(a.port, a.timeout)
    conn.connect()
    ttfb, ttfe, total = [], [], []
    failures = 0
    reconnects = 0
    total_n = max(0, a.warmup) + max(1, min(a.n, 100000))  # bounded
    for i in range(total_n):
        try:
            ok, status, tb, te, tt, ka = one_request(conn, req)
        except (OSError, ValueError, ConnectionError) as e:
            failures += 1
            print("request %d failed: %s" % (i, e), file=sys.stderr)
            if failures > 10:
                break
            conn.connect()
            reconnects += 1
            continue
        if not ok:
            failures += 1
            print("request %d: status %s or no response.completed in body" % (i, status), file=sys.stderr)
        if i >= a.warmup and ok:
            ttfb.append(tb)
            if te is not None:
                ttfe.append(te)
            total.append(tt)
        if not ka:
            conn.connect()
            reconnects += 1
    conn.close()
    print(json.dumps({
        "kind": "ttfb",
        "target": a.label,
        "requests": len(ttfb),
        "failures": failures,
        "reconnects": reconnects,
        "ttfb_us": stats(ttfb),
        "ttfe_us": stats(ttfe),
        "total_us": stats(total),
    }, separators=(",", ":")))
    return 0 if ttfb and failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
