#!/usr/bin/env python3
"""CPU time and peak memory of a process tree, from /proc (python3 stdlib only).

    procstat.py PID      -> "cpu_us=<n> hwm_kib=<n> rss_kib=<n> procs=<n>"
    procstat.py --ports N -> N free TCP ports on 127.0.0.1, one per line

cpu_us  sum over PID and all its live descendants of utime+stime (fields 14 and 15
        of /proc/P/stat, in clock ticks, converted to microseconds). These counters
        include the CPU of every thread the process ever had, so the delta between two
        readings is the CPU the tree used in between (resolution: one tick, 10 ms).
hwm_kib sum over the tree of VmHWM (peak resident set) from /proc/P/status. For nginx
        that is master + worker(s); for a single-process server it is just its peak RSS.
"""
import os
import socket
import sys


def children_map():
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                data = f.read().decode("latin-1")
        except OSError:
            continue
        rest = data[data.rindex(")") + 2:].split()
        ppid = int(rest[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def tree(pid):
    kids = children_map()
    out, todo, seen = [], [pid], set()
    while todo and len(out) < 10000:  # bounded
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def proc_figures(pid):
    tck = os.sysconf("SC_CLK_TCK")
    cpu_ticks = 0
    hwm = 0
    rss = 0
    n = 0
    for p in tree(pid):
        try:
            with open("/proc/%d/stat" % p, "rb") as f:
                data = f.read().decode("latin-1")
            rest = data[data.rindex(")") + 2:].split()
            # rest[0] is field 3 (state); utime is field 14, stime field 15
            cpu_ticks += int(rest[11]) + int(rest[12])
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm += int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
            n += 1
        except (OSError, ValueError, IndexError):
            continue
    return cpu_ticks * 1000000 // tck, hwm, rss, n


def free_ports(n):
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def main(argv):
    if len(argv) == 3 and argv[1] == "--ports":
        for p in free_ports(int(argv[2])):
            print(p)
        return 0
    if len(argv) != 2 or not argv[1].isdigit():
        print(__doc__, file=sys.stderr)
        return 2
    pid = int(argv[1])
    if not os.path.exists("/proc/%d" % pid):
        print("no such process: %d" % pid, file=sys.stderr)
        return 1
    cpu_us, hwm, rss, n = proc_figures(pid)
    print("cpu_us=%d hwm_kib=%d rss_kib=%d procs=%d" % (cpu_us, hwm, rss, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
