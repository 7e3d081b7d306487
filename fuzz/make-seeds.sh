#!/usr/bin/env bash
# Writes seed inputs for every fuzz target into OUT/<target>/: whole small captures for the
# targets that read capture files, frames and streams cut from real captures by seeds.py,
# and the files otwatch ships for the text inputs (built-in rules, example declared
# inventory). The fuzz smoke run and the micro-benchmarks start from the same inputs.
#
# Usage: fuzz/make-seeds.sh OUT [CAPTURE_DIR]   (default CAPTURE_DIR: ../shared/corpus)
# Nothing is written into the repository: the captures may not be copied there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: fuzz/make-seeds.sh OUT [CAPTURE_DIR]}"
seed_corpus="${2:-$root/../shared/corpus}"
max_len=4096
mkdir -p "$out"

if [[ -d "$seed_corpus" ]]; then
    echo "== seeding from $seed_corpus"
    # Whole small captures for the targets that take a capture file; at most max_len
    # bytes, so that libFuzzer does not cut them.
    mkdir -p "$out/capture_reader"
    find "$seed_corpus" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) \
        -size -$((max_len + 1))c -print0 | sort -z | xargs -0 -r sha1sum |
        sort -u -k1,1 | awk 'NR <= 100' | while read -r sum path; do
            cp "$path" "$out/capture_reader/$sum"
        done
    echo "  capture_reader, engine_capture: $(ls "$out/capture_reader" | wc -l) small captures"
    cp -r "$out/capture_reader" "$out/engine_capture"
    if command -v python3 >/dev/null; then
        python3 "$root/fuzz/seeds.py" "$seed_corpus" "$out"
    else
        echo "  python3 not found: frame-level targets start from an empty corpus"
    fi
else
    echo "== no seed corpus at $seed_corpus: frame-level targets start from nothing"
fi

# The text inputs start from the files otwatch ships.
mkdir -p "$out/rules_file" "$out/declared_csv"
cp "$root"/crates/otwatch-detect/rules/*.toml "$out/rules_file/"
cp "$root/examples/declared-inventory.csv" "$out/declared_csv/"
