#!/usr/bin/env bash
# Benchmark: otwatch analyze on the benchmark capture with 1 and 2 threads, nDPI on the same
# file in the same run, and tshark on a 200 k-packet slice (it cannot finish the whole file
# in a quarter of an hour). Prints MB/s (capture file bytes), packets/s and peak memory.
#
# Usage: bench/run.sh [CAPTURE]   (default: target/bench/bench.pcap, built if missing)
#        REPEAT=N bench/run.sh    (runs of each command, the fastest reported; default 3)
# Needs: wireshark-common (editcap, capinfos, tshark), tcpreplay, libndpi-bin; installed with
# apt-get when missing (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED=${OTWATCH_SHARED:-$ROOT/../shared}
CAPTURE=${1:-target/bench/bench.pcap}
export DEBIAN_FRONTEND=noninteractive

need=()
command -v editcap >/dev/null || need+=(wireshark-common)
command -v tshark >/dev/null || need+=(tshark)
command -v tcprewrite >/dev/null || need+=(tcpreplay)
command -v ndpiReader >/dev/null || need+=(libndpi-bin)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ! -s "$CAPTURE" ]; then
  mkdir -p "$(dirname "$CAPTURE")"
  bash "$SHARED/bench/make-bench-capture.sh" "$CAPTURE"
fi
cargo build --release -q -p otwatch

bytes=$(stat -L -c %s "$CAPTURE")
packets=$(capinfos -c -M -T -r "$CAPTURE" | awk -F'\t' '{print $2}')
slice=$(dirname "$CAPTURE")/slice-200k.pcap
[ -s "$slice" ] || editcap -F pcap -r "$CAPTURE" "$slice" 1-200000
slice_bytes=$(stat -L -c %s "$slice")

# Runs a command REPEAT times (default 3), prints "seconds peak_kb" of the fastest run: on a
# shared machine the fastest run is the one least disturbed.
REPEAT=${REPEAT:-3}
measure() {
  local stats best=""
  stats=$(mktemp)
  for _ in $(seq "$REPEAT"); do
    /usr/bin/time -o "$stats" -f "%e %M" "$@" >/dev/null 2>&1 || true
    best=$(printf '%s\n%s\n' "$best" "$(tail -1 "$stats")" | awk 'NF == 2' | sort -n | head -1)
  done
  echo "$best"
  rm -f "$stats"
}

row() { # name file_bytes packets seconds peak_kb
  awk -v n="$1" -v b="$2" -v p="$3" -v s="$4" -v m="$5" 'BEGIN {
    printf "%-28s %10.1f MB/s %12.0f packets/s %8.2f s %8.0f MB peak\n", n, b/s/1e6, p/s, s, m/1024 }'
}

echo "capture: $CAPTURE ($bytes bytes, $packets packets); machine: $(nproc) cores"
read -r s1 m1 < <(measure ./target/release/otwatch analyze "$CAPTURE" --no-db --quiet --threads 1)
row "otwatch --threads 1" "$bytes" "$packets" "$s1" "$m1"
read -r s2 m2 < <(measure ./target/release/otwatch analyze "$CAPTURE" --no-db --quiet --threads 2)
row "otwatch --threads 2" "$bytes" "$packets" "$s2" "$m2"
read -r sn mn < <(measure ndpiReader -q -i "$CAPTURE")
row "ndpiReader -q" "$bytes" "$packets" "$sn" "$mn"
read -r st mt < <(measure tshark -n -r "$slice")
row "tshark (200k-packet slice)" "$slice_bytes" 200000 "$st" "$mt"
read -r so mo < <(measure ./target/release/otwatch analyze "$slice" --no-db --quiet --threads 1)
row "otwatch (same slice)" "$slice_bytes" 200000 "$so" "$mo"
awk -v a="$s1" -v b="$s2" -v n="$sn" 'BEGIN { printf "otwatch / nDPI throughput: %.2f with 1 thread, %.2f with 2\n", n/a, n/b }'
awk -v o="$so" -v t="$st" 'BEGIN { printf "otwatch / tshark throughput on the slice: %.1f\n", t/o }'
