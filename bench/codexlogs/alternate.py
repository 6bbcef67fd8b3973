#!/usr/bin/env python3
"""Runs shell commands in alternation and compares them round by round.

Usage: bench/codexlogs/alternate.py ROUNDS LABEL 'COMMAND' [LABEL 'COMMAND' ...]

Each round runs every command once, in the order given. For each command it prints the median
wall time (and the fastest), the median CPU time (user + sys of the whole process tree, from
wait4), and the median over rounds of its wall and CPU time divided by the first command's in
the same round. On a machine whose speed moves from one minute to the next (shared cores),
that per-round ratio is steadier than a ratio of medians taken at different times.
"""
import os
import statistics
import subprocess
import sys
import time


def main() -> None:
    rounds = int(sys.argv[1])
    commands = list(zip(sys.argv[2::2], sys.argv[3::2]))
    if rounds < 1 or not commands:
        sys.exit(__doc__)
    times = {label: ([], []) for label, _ in commands}
    for _ in range(rounds):
        for label, command in commands:
            started = time.perf_counter()
            process = subprocess.Popen(["bash", "-c", command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - started
            if status != 0:
                sys.exit(f"{label} failed: {process.stderr.read().decode()[-500:]}")
            times[label][0].append(wall)
            times[label][1].append(usage.ru_utime + usage.ru_stime)
    first = commands[0][0]
    for label, (wall, cpu) in times.items():
        wall_ratio = statistics.median(a / b for a, b in zip(wall, times[first][0]))
        cpu_ratio = statistics.median(a / b for a, b in zip(cpu, times[first][1]))
        print(f"{label}: wall median {statistics.median(wall):.3f} s (min {min(wall):.3f}), cpu median {statistics.median(cpu):.3f} s;"
              f" per round vs {first}: wall {wall_ratio:.2f}x, cpu {cpu_ratio:.2f}x")


if __name__ == "__main__":
    main()
