#!/usr/bin/env bash
# Benchmark of the plant simulator: how fast `otwatch simulate large` writes a 1 GB capture,
# then how fast `otwatch analyze` reads it back. Prints MB/s, packets/s and peak memory.
#
# Usage: bench/simulate.sh [OUT.pcap]   (default: target/bench/large.pcap)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-target/bench/large.pcap}
mkdir -p "$(dirname "$OUT")"
cargo build --release -q -p otwatch

stats=$(mktemp)
/usr/bin/time -o "$stats" -f "%e %M" ./target/release/otwatch simulate large --out "$OUT" --max-size 1GB 2>&1 | tail -1
read -r seconds peak_kb < <(tail -1 "$stats")
bytes=$(stat -L -c %s "$OUT")
awk -v b="$bytes" -v s="$seconds" -v m="$peak_kb" 'BEGIN {
  printf "simulate large: %.0f MB file in %.1f s = %.0f MB/s, %.0f MB peak\n", b/1e6, s, b/s/1e6, m/1024 }'
/usr/bin/time -o "$stats" -f "%e %M" ./target/release/otwatch analyze "$OUT" --no-db --quiet
read -r seconds peak_kb < <(tail -1 "$stats")
awk -v b="$bytes" -v s="$seconds" -v m="$peak_kb" 'BEGIN {
  printf "analyze of it:  %.1f s = %.0f MB/s, %.0f MB peak\n", s, b/s/1e6, m/1024 }'
rm -f "$stats"
