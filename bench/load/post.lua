-- wrk script for bench/load/run.sh: POST a canned body, report p50/p99 to a file.
--
-- Configured through the environment (wrk passes no script args to every thread):
--   BENCH_BODY      path of the request body file (sent as-is, Content-Type: application/json)
--   BENCH_ACCEPT    Accept header (text/event-stream for the SSE scenario)
--   BENCH_SCENARIO  value of X-Bench-Scenario, which the upstream nginx uses to pick
--                   the canned answer (sse | json | chat); a proxy forwards it untouched
--   BENCH_OUT       file that done() writes one line of key=value figures to
--   BENCH_AUTH      Authorization header value (a Tollgate client key in account mode)
--
-- The URL (with its path, e.g. http://127.0.0.1:PORT/v1/responses) is given on wrk's
-- command line. No response() callback: parsing each answer in Lua would make wrk the
-- bottleneck; run.sh validates every target/scenario once with curl before loading it,
-- and wrk counts non-2xx/3xx answers in errors.status.

local function readfile(path)
  local f = assert(io.open(path, "rb"), "cannot open " .. tostring(path))
  local s = f:read("*a")
  f:close()
  return s
end

wrk.method = "POST"
wrk.body = readfile(os.getenv("BENCH_BODY"))
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = os.getenv("BENCH_ACCEPT") or "application/json"
wrk.headers["Authorization"] = os.getenv("BENCH_AUTH") or "Bearer sk-bench-not-a-real-key"
wrk.headers["User-Agent"] = "tollgate-bench-wrk/1"
wrk.headers["X-Bench-Scenario"] = os.getenv("BENCH_SCENARIO") or "json"

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  local line = string.format(
    "requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d mean_us=%.1f max_us=%d " ..
    "bytes=%d err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration, summary.requests / secs,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max,
    summary.bytes, e.connect, e.read, e.write, e.status, e.timeout)
  local out = os.getenv("BENCH_OUT")
  if out and out ~= "" then
    local f = assert(io.open(out, "w"))
    f:write(line)
    f:close()
  else
    io.write(line)
  end
end
