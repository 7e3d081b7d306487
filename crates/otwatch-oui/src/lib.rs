//! MAC address to vendor lookup from the IEEE block registries (MA-L, MA-M, MA-S).
//!
//! The table is compiled into the binary so that inventories built on air-gapped
//! analysis hosts still name vendors. `data/oui.tsv` is produced by `generate.py`
//! from Debian's `ieee-data` package; the header of that file records the exact
//! source and dates, and [`source`] surfaces them for reports.

use std::sync::OnceLock;

const RAW: &str = include_str!("../data/oui.tsv");

/// Prefix lengths in the order they must be tried: a 36-bit MA-S block sits inside
/// an MA-L that is registered to the IEEE itself, so the longest match wins.
const PREFIX_BITS: [u32; 3] = [36, 28, 24];

struct Table {
    /// One vector per entry of `PREFIX_BITS`, each sorted by prefix value.
    by_len: [Vec<(u64, &'static str)>; 3],
    source: String,
    date: &'static str,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| parse(RAW))
}

fn parse(raw: &'static str) -> Table {
    let mut by_len: [Vec<(u64, &'static str)>; 3] = Default::default();
    let mut package = None;
    let mut date = None;
    for line in raw.lines() {
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim();
            if let Some(rest) = comment.strip_prefix("Source:") {
                // "Debian package ieee-data 20220827.1, which mirrors ..."
                package = Some(rest.split(',').next().unwrap_or(rest).trim());
            } else if let Some(rest) = comment.strip_prefix("Data date:") {
                date = Some(rest.trim());
            }
            continue;
        }
        let mut fields = line.splitn(3, '\t');
        let (Some(hex), Some(bits), Some(name)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let (Ok(prefix), Ok(bits)) = (u64::from_str_radix(hex, 16), bits.parse::<u32>()) else {
            continue;
        };
        if let Some(slot) = PREFIX_BITS.iter().position(|&b| b == bits) {
            by_len[slot].push((prefix, name));
        }
    }
    for v in &mut by_len {
        // The generator already sorts, but binary search correctness must not hinge on
        // a hand-edited data file.
        v.sort_by_key(|&(p, _)| p);
        v.dedup_by_key(|&mut (p, _)| p);
    }
    let source = format!(
        "IEEE MA-L/MA-M/MA-S registries ({}, data date {})",
        package.unwrap_or("unknown source"),
        date.unwrap_or("unknown")
    );
    Table {
        by_len,
        source,
        date: date.unwrap_or("unknown"),
    }
}

/// The registered organization for `mac`, preferring the most specific block.
///
/// Locally administered and multicast addresses are not assigned by the IEEE, so any
/// vendor derived from their leading bytes would be a guess; they return `None`.
pub fn lookup(mac: [u8; 6]) -> Option<&'static str> {
    if mac[0] & 0x03 != 0 {
        return None;
    }
    let value = mac.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let t = table();
    PREFIX_BITS
        .iter()
        .zip(t.by_len.iter())
        .find_map(|(&bits, entries)| {
            let key = value >> (48 - bits);
            entries
                .binary_search_by_key(&key, |&(p, _)| p)
                .ok()
                .and_then(|i| entries.get(i))
                .map(|&(_, name)| name)
        })
}

/// One line naming the registry snapshot the table was built from, for report footers.
pub fn source() -> &'static str {
    &table().source
}

/// The date of the registry snapshot (the data file's `Data date:` line).
pub fn data_date() -> &'static str {
    table().date
}

/// How many blocks (MA-L, MA-M and MA-S together) the table holds.
pub fn entries() -> usize {
    table().by_len.iter().map(Vec::len).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(mac: [u8; 6]) -> &'static str {
        lookup(mac).unwrap_or("<none>")
    }

    #[test]
    fn industrial_vendors_resolve() {
        assert!(name([0x00, 0x1B, 0x1B, 0x12, 0x34, 0x56]).contains("Siemens"));
        // Telemecanique's historic block, now part of Schneider Electric.
        assert!(name([0x00, 0x80, 0xF4, 0x01, 0x02, 0x03]).contains("TELEMECANIQUE"));
        assert!(name([0x00, 0x00, 0x54, 0x01, 0x02, 0x03]).contains("Schneider Electric"));
        assert!(name([0x00, 0x00, 0xBC, 0xAA, 0xBB, 0xCC]).contains("Rockwell Automation"));
        assert!(name([0x00, 0x30, 0xDE, 0x00, 0x00, 0x01]).contains("WAGO"));
        assert!(name([0x00, 0xA0, 0x45, 0x10, 0x20, 0x30]).contains("PHOENIX CONTACT"));
    }

    #[test]
    fn longer_prefixes_win() {
        // 70:B3:D5 is an MA-L held by the IEEE RA and carved into MA-S blocks.
        assert_eq!(
            lookup([0x70, 0xB3, 0xD5, 0x00, 0x10, 0x00]),
            Some("SOREDI touch systems GmbH")
        );
        assert_eq!(
            lookup([0x70, 0xB3, 0xD5, 0xC8, 0x70, 0x01]),
            Some("Siemens AG")
        );
        // MA-M 38:FD:FE:3 inside an IEEE-held MA-L.
        assert_eq!(
            lookup([0x38, 0xFD, 0xFE, 0x3A, 0xBC, 0xDE]),
            Some("Siemens AG, PG IE R&D")
        );
        assert_ne!(
            lookup([0x38, 0xFD, 0xFE, 0x4A, 0xBC, 0xDE]),
            Some("Siemens AG, PG IE R&D")
        );
    }

    #[test]
    fn unassigned_address_spaces_return_none() {
        assert_eq!(lookup([0x02, 0x1B, 0x1B, 0x12, 0x34, 0x56]), None);
        assert_eq!(lookup([0xAE, 0x00, 0x00, 0x00, 0x00, 0x01]), None);
        assert_eq!(lookup([0x01, 0x00, 0x5E, 0x00, 0x00, 0xFB]), None);
        assert_eq!(lookup([0x01, 0x80, 0xC2, 0x00, 0x00, 0x0E]), None);
        assert_eq!(lookup([0xFF; 6]), None);
    }

    #[test]
    fn source_names_snapshot() {
        let s = source();
        assert!(s.contains("ieee-data"), "{s}");
        assert!(s.contains("data date 20"), "{s}");
        assert!(!s.contains('\n'));
        assert_eq!(data_date(), "2022-08-27");
        // Duplicated prefixes collapse, so the count can only fall short of the header's sum.
        let n = entries();
        assert!(n > 40_000 && n <= 32_527 + 4_390 + 5_029, "{n}");
    }

    #[test]
    fn table_is_complete() {
        let t = table();
        let (s, m, l) = (t.by_len[0].len(), t.by_len[1].len(), t.by_len[2].len());
        assert!(s > 1000 && m > 1000 && l > 20000, "{s} {m} {l}");
        for v in &t.by_len {
            assert!(v.windows(2).all(|w| w[0].0 < w[1].0));
        }
    }
}
