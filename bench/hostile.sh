#!/usr/bin/env bash
# Hostile captures: traffic built to exhaust a passive monitor's memory or time, each
# analysed with `otwatch analyze --no-db`. Prints size, time, peak memory and what the
# bounds turned away (the summary's `dropped` and `malformed` counters).
#
# Usage: bench/hostile.sh [SCALE]   (SCALE multiplies the default counts; default 1)
# The million-flow SYN flood is bench/flows.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-1}
cargo build --release -q -p otwatch
dir=target/bench/hostile
mkdir -p "$dir"
printf "%-10s %10s %9s %8s %9s  %s\n" capture packets MB seconds "peak MB" "turned away"
for spec in fragments:1000000 gap:100000 dnp3:1000000 lengths:100000; do
  kind=${spec%%:*}
  count=$(( ${spec##*:} * scale ))
  pcap="$dir/$kind-$count.pcap"
  [ -s "$pcap" ] || python3 bench/hostile.py "$kind" "$pcap" "$count"
  stats=$(mktemp)
  /usr/bin/time -o "$stats" -f "%e %M" ./target/release/otwatch analyze "$pcap" \
    --no-db --quiet --summary-json "$dir/$kind.json" >/dev/null 2>&1 || true
  read -r seconds peak_kb < <(tail -1 "$stats")
  rm -f "$stats"
  python3 - "$dir/$kind.json" "$kind" "$seconds" "$peak_kb" "$(stat -c %s "$pcap")" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
kind, secs, kb, size = sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
away = {**s.get("dropped", {}), **{f"malformed {k}": v for k, v in s.get("malformed", {}).items()}}
r = s.get("reassembly", {})
for k in ("gaps", "gap_bytes", "buffer_overflows"):
    if r.get(k):
        away[f"reassembly {k}"] = r[k]
listed = ", ".join(f"{k} {v}" for k, v in sorted(away.items())) or "-"
print(f"{kind:<10} {s['packets']:>10} {size/1e6:>9.1f} {secs:>8.2f} {kb/1024:>9.0f}  {listed}")
PY
done
