#!/usr/bin/env python3
"""Regenerate data/oui.tsv from Debian's ieee-data package.

The table is compiled into the otwatch binary so that vendor lookup works on
air-gapped analysis hosts. Run this after updating ieee-data; the output is
committed so that builds never depend on the host having the package.

Usage: python3 generate.py [IEEE_DATA_DIR] [OUTPUT]
Set SOURCE_DATE_EPOCH to pin the generation date for reproducible output.
"""

import csv
import datetime
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SRC = "/usr/share/ieee-data"
DEFAULT_OUT = os.path.join(HERE, "data", "oui.tsv")

# (file, registry name, hex digits, prefix bits, upstream URL)
REGISTRIES = [
    ("oui.csv", "MA-L", 6, 24, "https://standards-oui.ieee.org/oui/oui.csv"),
    ("mam.csv", "MA-M", 7, 28, "https://standards-oui.ieee.org/oui28/mam.csv"),
    ("oui36.csv", "MA-S", 9, 36, "https://standards-oui.ieee.org/oui36/oui36.csv"),
]

HEX = re.compile(r"^[0-9A-F]+$")


def package_version():
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "ieee-data"],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def data_date(src):
    # The package records when it fetched the registries; fall back to the
    # newest CSV mtime when the marker is missing.
    try:
        with open(os.path.join(src, ".lastupdate"), encoding="ascii") as f:
            ts = int(f.read().strip())
    except (OSError, ValueError):
        ts = max(os.path.getmtime(os.path.join(src, r[0])) for r in REGISTRIES)
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).date()


def generation_date():
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date()
    return datetime.datetime.now(datetime.timezone.utc).date()


def clean(name):
    # Registry names carry embedded newlines, tabs, runs of spaces and stray
    # trailing commas ("Siemens AG,"); a tab would break the TSV and the rest
    # is noise in reports.
    return " ".join(name.split()).rstrip(" ,")


def read_registry(path, registry, digits, bits):
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header[:3] != ["Registry", "Assignment", "Organization Name"]:
            sys.exit(f"{path}: unexpected header {header!r}")
        for rec in reader:
            if len(rec) < 3 or rec[0].strip() != registry:
                continue
            prefix = rec[1].strip().upper()
            name = clean(rec[2])
            if len(prefix) != digits or not HEX.match(prefix) or not name:
                print(f"{path}: skipping {rec[:3]!r}", file=sys.stderr)
                continue
            rows.append((prefix, bits, name))
    return rows


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SRC
    out = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUT

    entries = {}
    for fname, registry, digits, bits, _url in REGISTRIES:
        for prefix, bits, name in read_registry(os.path.join(src, fname), registry, digits, bits):
            # Keep the first occurrence so that output is deterministic if
            # the registry ever lists an assignment twice.
            entries.setdefault((prefix, bits), name)

    # Sort by the prefix value left-aligned to 36 bits, shorter prefix first.
    def key(item):
        (prefix, bits), _ = item
        return (int(prefix, 16) << (36 - bits), bits)

    counts = {bits: 0 for _, _, _, bits, _ in REGISTRIES}
    for (_, bits) in entries:
        counts[bits] += 1

    lines = [
        "# IEEE MAC address block assignments for otwatch vendor lookup.",
        f"# Source: Debian package ieee-data {package_version()}, which mirrors the IEEE registries:",
    ]
    for fname, registry, _digits, bits, url in REGISTRIES:
        lines.append(f"#   {registry} ({bits}-bit, {counts[bits]} entries): {url}")
    lines += [
        f"# Data date: {data_date(src).isoformat()}",
        f"# Generated: {generation_date().isoformat()} by crates/otwatch-oui/generate.py",
        "# Format: PREFIXHEX<TAB>BITS<TAB>Organization Name, sorted by prefix.",
    ]
    for (prefix, bits), name in sorted(entries.items(), key=key):
        lines.append(f"{prefix}\t{bits}\t{name}")

    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(entries)} entries to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
