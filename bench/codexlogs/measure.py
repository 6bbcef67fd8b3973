#!/usr/bin/env python3
"""Runs a command N times and prints the median wall time and the peak RSS (one JSON line).

Usage: measure.py NAME N [--env K=V ...] [--before "shell command"] -- command args...
--before runs (untimed) before every run, e.g. to delete a data dir for a first-ingest run.
"""
import json, os, resource, statistics, subprocess, sys, time

def main():
    name, n = sys.argv[1], int(sys.argv[2])
    args = sys.argv[3:]
    env = dict(os.environ)
    before = None
    while args and args[0] != "--":
        if args[0] == "--env":
            k, v = args[1].split("=", 1)
            env[k] = v
            args = args[2:]
        elif args[0] == "--before":
            before = args[1]
            args = args[2:]
        else:
            sys.exit(f"unknown option {args[0]}")
    cmd = args[1:]
    times, peaks, stdout = [], [], b""
    for _ in range(n):
        if before:
            subprocess.run(before, shell=True, check=True)
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate(timeout=600)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"{name}: exit {proc.returncode}: {err.decode()[-2000:]}")
        times.append(elapsed)
        stdout = out
    # Peak RSS of the largest child so far (Linux reports KiB).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"name": name, "runs": n, "median_s": round(statistics.median(times), 3),
                      "min_s": round(min(times), 3), "max_s": round(max(times), 3), "peak_rss_mib": round(peak / 1024, 1),
                      "stdout_tail": stdout.decode(errors="replace")[-300:]}))

main()
