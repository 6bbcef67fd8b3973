#!/usr/bin/env python3
"""Turn bench/load/run.sh raw results into a Markdown report (python3 stdlib only).

    report.py RAW_FILE [HEADER_FILE]

RAW_FILE lines are either key=value records from a wrk run
    kind=load target=nginx scenario=responses-sse conns=16 requests=... p50_us=... cpu_us=... hwm_kib=...
or one JSON object per line from ttfb.py (with "kind":"ttfb","target":...).
"""
import json
import sys

TARGET_ORDER = ["upstream", "nginx", "tollgate"]
SCENARIO_ORDER = ["responses-sse", "responses-json", "chat-small"]

# Targets from the issue (Tollgate vs the same run's nginx / direct upstream).
CPU_RATIO_MAX = 1.5
ADDED_P50_C1_MAX_MS = 0.15
ADDED_TTFB_MAX_MS = 0.3
RPS64_MIN_FRACTION = 0.90
PEAK_MIB_MAX = 100.0


def parse(path):
    loads, ttfbs = [], {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith("{"):
                d = json.loads(line)
                if d.get("kind") == "ttfb":
                    ttfbs[d["target"]] = d
                continue
            rec = {}
            for tok in line.split():
                k, _, v = tok.partition("=")
                rec[k] = v
            if rec.get("kind") != "load":
                continue
            for k in list(rec):
                if k not in ("kind", "target", "scenario"):
                    try:
                        rec[k] = float(rec[k])
                    except ValueError:
                        pass
            loads.append(rec)
    return loads, ttfbs


def median(vals):
    v = sorted(vals)
    n = len(v)
    if n == 0:
        return 0.0
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2.0


def aggregate(loads):
    """One record per (target, scenario, conns): medians over repeats (--repeat)."""
    groups = {}
    for r in loads:
        groups.setdefault((r["target"], r["scenario"], int(r["conns"])), []).append(r)
    out = []
    for (t, s, c), rs in groups.items():
        out.append({
            "target": t, "scenario": s, "conns": c, "runs": len(rs),
            "requests": sum(r["requests"] for r in rs),
            "rps": median([r["rps"] for r in rs]),
            "p50_us": median([r["p50_us"] for r in rs]),
            "p99_us": median([r["p99_us"] for r in rs]),
            "cpu_per_req": median([r["cpu_us"] / r["requests"] for r in rs if r["requests"] > 0]) if any(r["requests"] > 0 for r in rs) else None,
            "hwm_kib": max(r["hwm_kib"] for r in rs),
            "errors": int(sum(r.get("err_connect", 0) + r.get("err_read", 0) + r.get("err_write", 0) + r.get("err_status", 0) + r.get("err_timeout", 0) for r in rs)),
        })
    return out


def order(lst, x):
    return lst.index(x) if x in lst else len(lst)


def ms(us):
    return "%.3f" % (us / 1000.0)


def signed_ms(us):
    return "%+.3f" % (us / 1000.0)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    loads, ttfbs = parse(argv[1])
    out = []
    if len(argv) > 2:
        with open(argv[2]) as f:
            out.append(f.read().rstrip("\n"))
            out.append("")

    loads = aggregate(loads)
    runs = max([r["runs"] for r in loads] or [1])
    by_key = {(r["target"], r["scenario"], int(r["conns"])): r for r in loads}
    loads.sort(key=lambda r: (order(SCENARIO_ORDER, r["scenario"]), int(r["conns"]), order(TARGET_ORDER, r["target"])))

    out.append("### Throughput, latency, CPU, memory")
    out.append("")
    out.append("| target | scenario | conns | req/s | p50 ms | p99 ms | added p50 ms | added p99 ms | CPU µs/req | peak RSS MiB | errors |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in loads:
        base = by_key.get(("upstream", r["scenario"], int(r["conns"])))
        if r["target"] == "upstream" or base is None:
            add50 = add99 = "—"
        else:
            add50 = signed_ms(r["p50_us"] - base["p50_us"])
            add99 = signed_ms(r["p99_us"] - base["p99_us"])
        cpu = "%.1f" % r["cpu_per_req"] if r["cpu_per_req"] is not None else "—"
        errs = r["errors"]
        out.append("| %s | %s | %d | %.0f | %s | %s | %s | %s | %s | %.1f | %d |" % (
            r["target"], r["scenario"], int(r["conns"]), r["rps"], ms(r["p50_us"]), ms(r["p99_us"]),
            add50, add99, cpu, r["hwm_kib"] / 1024.0, errs))
    out.append("")
    if runs > 1:
        out.append("Each figure is the median of %d interleaved runs (peak RSS: the maximum; errors: the sum)." % runs)
        out.append("")
    out.append("CPU µs/req: CPU time (utime+stime) the target's own process tree used during the run, "
               "divided by requests completed; for `upstream` it is the upstream nginx's own cost. "
               "Peak RSS: VmHWM summed over the target's processes, measured after the run (a high-water "
               "mark since the process started, so it only grows down the table).")
    out.append("")

    if ttfbs:
        out.append("### Slow stream (20 SSE chunks, 20 ms apart): time to first byte")
        out.append("")
        out.append("| target | requests | TTFB p50 ms | TTFB p99 ms | added TTFB p50 ms | first event p50 ms | added first event p50 ms | total p50 ms | failures |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        base = ttfbs.get("upstream")
        for t in sorted(ttfbs, key=lambda x: order(TARGET_ORDER, x)):
            d = ttfbs[t]
            tb, te, tt = d["ttfb_us"], d["ttfe_us"], d["total_us"]
            if d["requests"] == 0:
                out.append("| %s | 0 | — | — | — | — | — | — | %d |" % (t, d["failures"]))
                continue
            if t != "upstream" and base and base["requests"]:
                a1 = signed_ms(tb["p50"] - base["ttfb_us"]["p50"])
                a2 = signed_ms(te["p50"] - base["ttfe_us"]["p50"]) if te.get("n") and base["ttfe_us"].get("n") else "—"
            else:
                a1 = a2 = "—"
            out.append("| %s | %d | %s | %s | %s | %s | %s | %s | %d |" % (
                t, d["requests"], ms(tb["p50"]), ms(tb["p99"]), a1,
                ms(te["p50"]) if te.get("n") else "—", a2, ms(tt["p50"]), d["failures"]))
        out.append("")
        out.append("TTFB: request written → first response byte; first event: → first SSE `data:` line; "
                   "one keep-alive connection, sequential requests (python3 `ttfb.py`).")
        out.append("")

    if any(r["target"] == "tollgate" for r in loads):
        out.append("### Tollgate vs targets")
        out.append("")
        out.append("| check | target | worst measured | result |")
        out.append("|---|---|---|---|")

        def verdict(ok):
            return "PASS" if ok else "**FAIL**"

        ratios = []
        for (t, s, c), r in by_key.items():
            if t != "tollgate":
                continue
            n = by_key.get(("nginx", s, c))
            if n and n["cpu_per_req"] and r["cpu_per_req"] is not None:
                ratios.append((r["cpu_per_req"] / n["cpu_per_req"], "%s c=%d" % (s, c)))
        if ratios:
            w = max(ratios)
            out.append("| CPU per request vs nginx | ≤ %.1f× | %.2f× (%s) | %s |" % (CPU_RATIO_MAX, w[0], w[1], verdict(w[0] <= CPU_RATIO_MAX)))

        adds = []
        for (t, s, c), r in by_key.items():
            if t == "tollgate" and c == 1 and ("upstream", s, 1) in by_key:
                base = by_key[("upstream", s, 1)]["p50_us"]
                n = by_key.get(("nginx", s, 1))
                adds.append(((r["p50_us"] - base) / 1000.0, s, (n["p50_us"] - base) / 1000.0 if n else None))
        if adds:
            w = max(adds)
            ctx = "; nginx %+.3f ms" % w[2] if w[2] is not None else ""
            out.append("| added p50 at 1 connection | < %.2f ms | %+.3f ms (%s%s) | %s |" % (ADDED_P50_C1_MAX_MS, w[0], w[1], ctx, verdict(w[0] < ADDED_P50_C1_MAX_MS)))

        if "tollgate" in ttfbs and "upstream" in ttfbs and ttfbs["tollgate"]["requests"] and ttfbs["upstream"]["requests"]:
            b = ttfbs["upstream"]["ttfb_us"]["p50"]
            a = (ttfbs["tollgate"]["ttfb_us"]["p50"] - b) / 1000.0
            ctx = ""
            if "nginx" in ttfbs and ttfbs["nginx"]["requests"]:
                ctx = " (nginx %+.3f ms)" % ((ttfbs["nginx"]["ttfb_us"]["p50"] - b) / 1000.0)
            out.append("| added TTFB (p50) | < %.1f ms | %+.3f ms%s | %s |" % (ADDED_TTFB_MAX_MS, a, ctx, verdict(a < ADDED_TTFB_MAX_MS)))
            te_t, te_u = ttfbs["tollgate"]["ttfe_us"], ttfbs["upstream"]["ttfe_us"]
            if te_t.get("n") and te_u.get("n"):
                a2 = (te_t["p50"] - te_u["p50"]) / 1000.0
                out.append("| added time to first SSE event (p50), info | — | %+.3f ms | %s |" % (a2, "a buffering gateway shows up here" if a2 - a > 1.0 else "streams"))

        fr = []
        for (t, s, c), r in by_key.items():
            if t == "tollgate" and c == 64 and ("nginx", s, 64) in by_key and by_key[("nginx", s, 64)]["rps"] > 0:
                fr.append((r["rps"] / by_key[("nginx", s, 64)]["rps"], s))
        if fr:
            w = min(fr)
            out.append("| req/s at 64 connections vs nginx | ≥ %d%% | %.0f%% (%s) | %s |" % (RPS64_MIN_FRACTION * 100, w[0] * 100, w[1], verdict(w[0] >= RPS64_MIN_FRACTION)))

        peaks = [r["hwm_kib"] / 1024.0 for r in loads if r["target"] == "tollgate"]
        if peaks:
            p = max(peaks)
            out.append("| peak memory (VmHWM) | < %d MiB | %.1f MiB | %s |" % (PEAK_MIB_MAX, p, verdict(p < PEAK_MIB_MAX)))
        out.append("")
        out.append("Compare with the nginx figures of the same run: on a small VM, idle wake-ups alone can put "
                   "nginx near a latency target. Re-run a FAIL before trusting it; CPU µs/req is the steadiest figure.")
        out.append("")

    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
