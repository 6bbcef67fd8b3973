#!/usr/bin/env bash
# Codex session-log ingestion and reports against ccusage, on the same generated Codex home,
# measured in one run (issue 4's targets; numbers go to bench/README.md).
#
# Usage: bench/codexlogs/run.sh [SIZE_MB]        (default 1024)
#   TOLLGATE_BENCH_DIR   where the home, the published binary and data dirs go
#                        (default /tmp/tollgate-codexlogs-bench; the home is reused if present)
#
# Tollgate runs as users install it: published, framework-dependent, ReadyToRun.
# Every run reads a warm page cache; each figure is the median of several runs.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SIZE_MB=${1:-1024}
WORK=${TOLLGATE_BENCH_DIR:-/tmp/tollgate-codexlogs-bench}
HOME_DIR="$WORK/codex-home-${SIZE_MB}m"
DATA="$WORK/data"
mkdir -p "$WORK"
cd "$REPO"

echo "== building (bench generator, Tollgate published ReadyToRun, ccusage from npm)" >&2
dotnet build bench/Tollgate.Bench -c Release -v quiet -nologo >/dev/null
rm -rf "$WORK/tollgate"
dotnet publish src/Tollgate -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$WORK/tollgate" -v quiet -nologo >/dev/null
npm install --prefix tests/clients --no-audit --no-fund --loglevel=error >/dev/null
CC="$REPO/tests/clients/node_modules/@ccusage/ccusage-linux-x64/bin/ccusage"
chmod +x "$CC"
TG="$WORK/tollgate/tollgate"

if [ ! -d "$HOME_DIR" ]; then
  echo "== generating a ${SIZE_MB} MiB Codex home in $HOME_DIR" >&2
  dotnet bench/Tollgate.Bench/bin/Release/net10.0/Tollgate.Bench.dll generate-codex-home "$HOME_DIR" "$SIZE_MB" >&2
fi
find "$HOME_DIR" -name '*.jsonl' -exec cat {} + >/dev/null # warm the page cache for both tools

M="python3 $HERE/measure.py"
E=(--env "CODEX_HOME=$HOME_DIR" --env "TOLLGATE_DATA_DIR=$DATA" --env "HOME=$WORK")
results="$WORK/results.jsonl"
: > "$results"
echo "== measuring" >&2
$M "ccusage codex daily --json --offline" 5 "${E[@]}" -- "$CC" codex daily --json --offline >> "$results"
$M "tollgate ingest (first, empty store)" 3 "${E[@]}" --before "rm -rf '$DATA'" -- "$TG" ingest --json >> "$results"
$M "tollgate ingest (nothing changed)" 10 "${E[@]}" -- "$TG" ingest --json >> "$results"
$M "tollgate usage daily --json (nothing changed)" 10 "${E[@]}" -- "$TG" usage daily --json >> "$results"
$M "ccusage codex daily --json --offline (again)" 5 "${E[@]}" -- "$CC" codex daily --json --offline >> "$results"

python3 - "$results" "$HOME_DIR" "$CC" "$TG" "$DATA" <<'PY'
import json, subprocess, sys, os
rows = [json.loads(l) for l in open(sys.argv[1])]
home, cc, tg, data = sys.argv[2:6]
env = dict(os.environ, CODEX_HOME=home, TOLLGATE_DATA_DIR=data)
theirs = json.loads(subprocess.run([cc, "codex", "daily", "--json", "--offline"], env=env, capture_output=True, check=True).stdout)
ours = json.loads(subprocess.run([tg, "usage", "daily", "--json", "--no-ingest"], env=env, capture_output=True, check=True).stdout)
again = json.loads(subprocess.run([tg, "ingest", "--json"], env=env, capture_output=True, check=True).stdout)
cc_s = min(r["median_s"] for r in rows if r["name"].startswith("ccusage"))
print(f"| what | median | peak RSS | vs ccusage |")
print(f"|---|---:|---:|---:|")
for r in rows:
    print(f"| {r['name']} | {r['median_s']:.3f} s | {r['peak_rss_mib']} MiB | {r['median_s'] / cc_s:.2f}x |")
print()
print(f"re-ingest work (in-process, nothing changed): {again['elapsedMs']:.0f} ms; files seen {again['filesSeen']}")
print(f"total tokens: ccusage {theirs['totals']['totalTokens']:,}, Tollgate {ours['totals']['totalTokens']:,} "
      "(the home has sub-agent files, whose replayed parent history ccusage counts again)")
PY
