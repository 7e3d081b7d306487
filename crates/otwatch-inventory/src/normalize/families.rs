//! Product families of order numbers: which controller, interface module or communication
//! processor an order number denotes, for the common automation lines.
//!
//! Sources (public catalogue knowledge, written as prefix tables for otwatch):
//! - Siemens: the SIMATIC catalogue ST 70 (S7-200, S7-300, S7-400, S7-1200, S7-1500, ET 200,
//!   LOGO!) and catalogue IK PI (SIMATIC NET CPs, SCALANCE), as listed on Siemens Industry
//!   Mall product pages. Order numbers seen in public captures confirm entries: 6ES7
//!   315-2EH14-0AB0, 6ES7 511-1AK00-0AB0, 6ES7 214-1HE30-0XB0, 6ES7 211-1BE31-0XB0, 6ES7
//!   151-8AB01-0AB0, 6GK5 212-2BB00-2AA3.
//! - Rockwell Automation: bulletin numbers of its public product catalogue.
//! - Schneider Electric: catalogue references of the Modicon ranges.
//!
//! A prefix names a family only when every product under it belongs to that family; where a
//! line mixes products (S7-200 and S7-1200 share 6ES7 21x), the distinguishing characters are
//! part of the prefix or decided in code.

use super::{known_vendor, parse_order_number, Maker};

pub(super) const SOURCE: &str = "Siemens catalogues ST 70 and IK PI (Industry Mall), Rockwell \
    Automation and Schneider Electric public product catalogues; written as prefix tables";
pub(super) const TABLES_DATE: &str = "2026-11-28";

/// Siemens order-number prefixes (canonical spacing) → family. Longest prefix wins.
const SIEMENS: &[(&str, &str)] = &[
    // S7-200 (second block ends in generation 2x) and S7-200 SMART.
    ("6ES7 211-0AA", "S7-200 CPU 221"),
    ("6ES7 211-0BA", "S7-200 CPU 221"),
    ("6ES7 212-1AB", "S7-200 CPU 222"),
    ("6ES7 212-1BB", "S7-200 CPU 222"),
    ("6ES7 214-1AD", "S7-200 CPU 224"),
    ("6ES7 214-1BD", "S7-200 CPU 224"),
    ("6ES7 214-2AD", "S7-200 CPU 224XP"),
    ("6ES7 214-2BD", "S7-200 CPU 224XP"),
    ("6ES7 214-2AS", "S7-200 CPU 224XPsi"),
    ("6ES7 216-2AD", "S7-200 CPU 226"),
    ("6ES7 216-2BD", "S7-200 CPU 226"),
    ("6ES7 288-1", "S7-200 SMART CPU"),
    // S7-1200 (generation 3x and 4x).
    ("6ES7 211-1AE", "S7-1200 CPU 1211C DC/DC/DC"),
    ("6ES7 211-1BE", "S7-1200 CPU 1211C AC/DC/RLY"),
    ("6ES7 211-1HE", "S7-1200 CPU 1211C DC/DC/RLY"),
    ("6ES7 212-1AE", "S7-1200 CPU 1212C DC/DC/DC"),
    ("6ES7 212-1BE", "S7-1200 CPU 1212C AC/DC/RLY"),
    ("6ES7 212-1HE", "S7-1200 CPU 1212C DC/DC/RLY"),
    ("6ES7 212-1AF", "S7-1200 CPU 1212FC DC/DC/DC"),
    ("6ES7 212-1HF", "S7-1200 CPU 1212FC DC/DC/RLY"),
    ("6ES7 214-1AE", "S7-1200 CPU 1214C DC/DC/DC"),
    ("6ES7 214-1AG", "S7-1200 CPU 1214C DC/DC/DC"),
    ("6ES7 214-1BE", "S7-1200 CPU 1214C AC/DC/RLY"),
    ("6ES7 214-1BG", "S7-1200 CPU 1214C AC/DC/RLY"),
    ("6ES7 214-1HE", "S7-1200 CPU 1214C DC/DC/RLY"),
    ("6ES7 214-1HG", "S7-1200 CPU 1214C DC/DC/RLY"),
    ("6ES7 214-1AF", "S7-1200 CPU 1214FC DC/DC/DC"),
    ("6ES7 214-1HF", "S7-1200 CPU 1214FC DC/DC/RLY"),
    ("6ES7 215-1AG", "S7-1200 CPU 1215C DC/DC/DC"),
    ("6ES7 215-1BG", "S7-1200 CPU 1215C AC/DC/RLY"),
    ("6ES7 215-1HG", "S7-1200 CPU 1215C DC/DC/RLY"),
    ("6ES7 215-1AF", "S7-1200 CPU 1215FC DC/DC/DC"),
    ("6ES7 215-1HF", "S7-1200 CPU 1215FC DC/DC/RLY"),
    ("6ES7 217-1AG", "S7-1200 CPU 1217C DC/DC/DC"),
    // S7-300 CPUs, including fail-safe (F) and technology (T) variants.
    ("6ES7 312-", "S7-300 CPU 312"),
    ("6ES7 312-5B", "S7-300 CPU 312C"),
    ("6ES7 313-", "S7-300 CPU 313"),
    ("6ES7 313-5B", "S7-300 CPU 313C"),
    ("6ES7 313-6B", "S7-300 CPU 313C-2 PtP"),
    ("6ES7 313-6C", "S7-300 CPU 313C-2 DP"),
    ("6ES7 314-", "S7-300 CPU 314"),
    ("6ES7 314-6B", "S7-300 CPU 314C-2 PtP"),
    ("6ES7 314-6C", "S7-300 CPU 314C-2 DP"),
    ("6ES7 314-6EH", "S7-300 CPU 314C-2 PN/DP"),
    ("6ES7 315-", "S7-300 CPU 315"),
    ("6ES7 315-2AG", "S7-300 CPU 315-2 DP"),
    ("6ES7 315-2AH", "S7-300 CPU 315-2 DP"),
    ("6ES7 315-2EG", "S7-300 CPU 315-2 PN/DP"),
    ("6ES7 315-2EH", "S7-300 CPU 315-2 PN/DP"),
    ("6ES7 315-6FF", "S7-300 CPU 315F-2 DP"),
    ("6ES7 315-2FH", "S7-300 CPU 315F-2 PN/DP"),
    ("6ES7 315-2FJ", "S7-300 CPU 315F-2 PN/DP"),
    ("6ES7 315-6TH", "S7-300 CPU 315T-2 DP"),
    ("6ES7 315-7TJ", "S7-300 CPU 315T-3 PN/DP"),
    ("6ES7 317-", "S7-300 CPU 317"),
    ("6ES7 317-2AJ", "S7-300 CPU 317-2 DP"),
    ("6ES7 317-2AK", "S7-300 CPU 317-2 DP"),
    ("6ES7 317-2EJ", "S7-300 CPU 317-2 PN/DP"),
    ("6ES7 317-2EK", "S7-300 CPU 317-2 PN/DP"),
    ("6ES7 317-6FF", "S7-300 CPU 317F-2 DP"),
    ("6ES7 317-2FJ", "S7-300 CPU 317F-2 PN/DP"),
    ("6ES7 317-2FK", "S7-300 CPU 317F-2 PN/DP"),
    ("6ES7 317-6TJ", "S7-300 CPU 317T-2 DP"),
    ("6ES7 317-6TK", "S7-300 CPU 317T-2 DP"),
    ("6ES7 317-7TK", "S7-300 CPU 317T-3 PN/DP"),
    ("6ES7 317-6TF", "S7-300 CPU 317TF-2 DP"),
    ("6ES7 318-", "S7-300 CPU 319"),
    ("6ES7 318-3EL", "S7-300 CPU 319-3 PN/DP"),
    ("6ES7 318-3FL", "S7-300 CPU 319F-3 PN/DP"),
    // S7-400 CPUs, standard, fail-safe and fault-tolerant (H).
    ("6ES7 410-5HX", "S7-400H CPU 410-5H"),
    ("6ES7 412-", "S7-400 CPU 412"),
    ("6ES7 412-1X", "S7-400 CPU 412-1"),
    ("6ES7 412-2X", "S7-400 CPU 412-2"),
    ("6ES7 412-2EK", "S7-400 CPU 412-2 PN"),
    ("6ES7 412-3HJ", "S7-400H CPU 412-3H"),
    ("6ES7 412-5HK", "S7-400H CPU 412-5H PN/DP"),
    ("6ES7 414-", "S7-400 CPU 414"),
    ("6ES7 414-2X", "S7-400 CPU 414-2"),
    ("6ES7 414-3X", "S7-400 CPU 414-3"),
    ("6ES7 414-3EM", "S7-400 CPU 414-3 PN/DP"),
    ("6ES7 414-4H", "S7-400H CPU 414-4H"),
    ("6ES7 414-5HM", "S7-400H CPU 414-5H PN/DP"),
    ("6ES7 416-", "S7-400 CPU 416"),
    ("6ES7 416-2X", "S7-400 CPU 416-2"),
    ("6ES7 416-3X", "S7-400 CPU 416-3"),
    ("6ES7 416-3ES", "S7-400 CPU 416-3 PN/DP"),
    ("6ES7 416-2F", "S7-400 CPU 416F-2"),
    ("6ES7 416-3FR", "S7-400 CPU 416F-3 PN/DP"),
    ("6ES7 416-3FS", "S7-400 CPU 416F-3 PN/DP"),
    ("6ES7 417-", "S7-400 CPU 417"),
    ("6ES7 417-4X", "S7-400 CPU 417-4"),
    ("6ES7 417-4H", "S7-400H CPU 417-4H"),
    ("6ES7 417-5HT", "S7-400H CPU 417-5H PN/DP"),
    // S7-1500 CPUs (6ES7 51x), including compact (C), fail-safe (F), technology (T, TF) and
    // the ET 200SP CPUs that run S7-1500 firmware.
    ("6ES7 51", "S7-1500 CPU"),
    ("6ES7 510-1DJ", "S7-1500 CPU 1510SP-1 PN (ET 200SP)"),
    ("6ES7 510-1SJ", "S7-1500 CPU 1510SP F-1 PN (ET 200SP)"),
    ("6ES7 511-1AK", "S7-1500 CPU 1511-1 PN"),
    ("6ES7 511-1CK", "S7-1500 CPU 1511C-1 PN"),
    ("6ES7 511-1FK", "S7-1500 CPU 1511F-1 PN"),
    ("6ES7 511-1TK", "S7-1500 CPU 1511T-1 PN"),
    ("6ES7 511-1UK", "S7-1500 CPU 1511TF-1 PN"),
    ("6ES7 512-1CK", "S7-1500 CPU 1512C-1 PN"),
    ("6ES7 512-1DK", "S7-1500 CPU 1512SP-1 PN (ET 200SP)"),
    ("6ES7 512-1SK", "S7-1500 CPU 1512SP F-1 PN (ET 200SP)"),
    ("6ES7 513-1AL", "S7-1500 CPU 1513-1 PN"),
    ("6ES7 513-1FL", "S7-1500 CPU 1513F-1 PN"),
    ("6ES7 515-2AM", "S7-1500 CPU 1515-2 PN"),
    ("6ES7 515-2FM", "S7-1500 CPU 1515F-2 PN"),
    ("6ES7 515-2TM", "S7-1500 CPU 1515T-2 PN"),
    ("6ES7 515-2UM", "S7-1500 CPU 1515TF-2 PN"),
    ("6ES7 516-3AN", "S7-1500 CPU 1516-3 PN/DP"),
    ("6ES7 516-3FN", "S7-1500 CPU 1516F-3 PN/DP"),
    ("6ES7 516-3TN", "S7-1500 CPU 1516T-3 PN/DP"),
    ("6ES7 516-3UN", "S7-1500 CPU 1516TF-3 PN/DP"),
    ("6ES7 517-3AP", "S7-1500 CPU 1517-3 PN/DP"),
    ("6ES7 517-3FP", "S7-1500 CPU 1517F-3 PN/DP"),
    ("6ES7 517-3TP", "S7-1500 CPU 1517T-3 PN/DP"),
    ("6ES7 517-3UP", "S7-1500 CPU 1517TF-3 PN/DP"),
    ("6ES7 518-4AP", "S7-1500 CPU 1518-4 PN/DP"),
    ("6ES7 518-4FP", "S7-1500 CPU 1518F-4 PN/DP"),
    // ET 200 interface modules and CPUs (6ES7 15x; the I/O modules are elsewhere).
    ("6ES7 151-", "ET 200S interface module"),
    ("6ES7 151-1AA", "ET 200S IM 151-1 Standard"),
    ("6ES7 151-1BA", "ET 200S IM 151-1 High Feature"),
    ("6ES7 151-3AA", "ET 200S IM 151-3 PN"),
    ("6ES7 151-3BA", "ET 200S IM 151-3 PN HF"),
    ("6ES7 151-7AA", "ET 200S IM 151-7 CPU"),
    ("6ES7 151-7FA", "ET 200S IM 151-7 F-CPU"),
    ("6ES7 151-8AB", "ET 200S IM 151-8 PN/DP CPU"),
    ("6ES7 151-8FB", "ET 200S IM 151-8F PN/DP CPU"),
    ("6ES7 153-", "ET 200M interface module"),
    ("6ES7 153-1AA", "ET 200M IM 153-1"),
    ("6ES7 153-2BA", "ET 200M IM 153-2 High Feature"),
    ("6ES7 153-4AA", "ET 200M IM 153-4 PN"),
    ("6ES7 153-4BA", "ET 200M IM 153-4 PN HF"),
    ("6ES7 154-", "ET 200pro interface module"),
    ("6ES7 154-4AB", "ET 200pro IM 154-4 PN HF"),
    ("6ES7 154-8AB", "ET 200pro IM 154-8 PN/DP CPU"),
    ("6ES7 154-8FB", "ET 200pro IM 154-8F PN/DP CPU"),
    ("6ES7 155-5", "ET 200MP interface module"),
    ("6ES7 155-5AA", "ET 200MP IM 155-5 PN"),
    ("6ES7 155-5BA", "ET 200MP IM 155-5 DP ST"),
    ("6ES7 155-6", "ET 200SP interface module"),
    ("6ES7 155-6AU", "ET 200SP IM 155-6 PN"),
    ("6ES7 155-6AR", "ET 200SP IM 155-6 PN BA"),
    ("6ES7 155-6BU", "ET 200SP IM 155-6 DP HF"),
    // LOGO! base modules and expansions (generations decided in code).
    ("6ED1 052-", "LOGO!"),
    ("6ED1 055-", "LOGO! expansion module"),
    // Communication processors (SIMATIC NET).
    ("6GK7 342-5", "S7-300 CP 342-5 (PROFIBUS)"),
    ("6GK7 343-1", "S7-300 CP 343-1"),
    ("6GK7 343-1CX", "S7-300 CP 343-1 Lean"),
    ("6GK7 343-1GX", "S7-300 CP 343-1 Advanced"),
    ("6GK7 343-2", "S7-300 CP 343-2 (AS-Interface)"),
    ("6GK7 443-1", "S7-400 CP 443-1"),
    ("6GK7 443-1GX", "S7-400 CP 443-1 Advanced"),
    ("6GK7 443-5", "S7-400 CP 443-5 (PROFIBUS)"),
    ("6GK7 542-5", "S7-1500 CP 1542-5 (PROFIBUS)"),
    ("6GK7 543-1", "S7-1500 CP 1543-1"),
    ("6GK7 543-6WX", "ET 200SP CP 1543SP-1"),
    ("6GK7 545-1", "S7-1500 CP 1545-1"),
    ("6GK7 242-5", "S7-1200 CM 1242-5 (PROFIBUS)"),
    ("6GK7 243-1", "S7-1200 CP 1243-1"),
    ("6GK7 243-5", "S7-1200 CM 1243-5 (PROFIBUS)"),
    ("6GK7 243-7", "S7-1200 CP 1243-7 LTE"),
    ("6GK7 243-8", "S7-1200 CP 1243-8 IRC"),
    // SCALANCE network components.
    ("6GK5 1", "SCALANCE X-100"),
    ("6GK5 2", "SCALANCE X-200"),
    ("6GK5 208-0BA", "SCALANCE X208"),
    ("6GK5 212-2BB", "SCALANCE X212-2"),
    ("6GK5 3", "SCALANCE X-300"),
    ("6GK5 4", "SCALANCE X-400"),
    ("6GK5 5", "SCALANCE X-500"),
    ("6GK5 6", "SCALANCE S/SC security appliance"),
    ("6GK5 7", "SCALANCE W"),
    ("6GK5 8", "SCALANCE M"),
    // Operator panels.
    ("6AV2 123-2", "SIMATIC HMI Basic Panel (2nd generation)"),
    ("6AV2 124-", "SIMATIC HMI Comfort Panel"),
    ("6AV2 128-", "SIMATIC HMI Unified Comfort Panel"),
    ("6AV6 647-0A", "SIMATIC HMI Basic Panel (1st generation)"),
];

/// Rockwell catalogue-number prefixes → family. Longest prefix wins.
const ROCKWELL: &[(&str, &str)] = &[
    ("1756-", "ControlLogix"),
    ("1756-L", "ControlLogix controller"),
    ("1756-L6", "ControlLogix 5560 controller"),
    ("1756-L7", "ControlLogix 5570 controller"),
    ("1756-L8", "ControlLogix 5580 controller"),
    ("1756-EN", "ControlLogix EtherNet/IP module"),
    ("1756-CN", "ControlLogix ControlNet module"),
    ("1756-DNB", "ControlLogix DeviceNet module"),
    ("1769-", "CompactLogix"),
    ("1769-L", "CompactLogix controller"),
    ("1768-", "CompactLogix 1768"),
    ("5069-", "CompactLogix 5380 / Compact 5000 I/O"),
    ("5069-L3", "CompactLogix 5380 controller"),
    ("5069-L4", "CompactLogix 5480 controller"),
    ("5094-", "FLEX 5000 I/O"),
    ("5032-", "ArmorBlock 5000 I/O"),
    ("1766-", "MicroLogix 1400"),
    ("1764-", "MicroLogix 1500"),
    ("1763-", "MicroLogix 1100"),
    ("1762-", "MicroLogix 1200"),
    ("1761-", "MicroLogix 1000"),
    ("2080-", "Micro800"),
    ("1747-", "SLC 500"),
    ("1746-", "SLC 500 I/O"),
    ("1785-", "PLC-5"),
    ("1771-", "PLC-5 I/O (1771)"),
    ("1734-", "POINT I/O"),
    ("1794-", "FLEX I/O"),
    ("1738-", "ArmorPOINT I/O"),
    ("1732-", "ArmorBlock I/O"),
    ("1715-", "1715 Redundant I/O"),
    ("1719-", "1719 Ex I/O"),
    ("1783-", "Stratix switch"),
    ("1788-", "1788 network module"),
    ("2711P-", "PanelView Plus"),
    ("2711R-", "PanelView 800"),
    ("2711C-", "PanelView Component"),
    ("2711-", "PanelView Standard"),
    ("2713P-", "PanelView 5310"),
    ("2715-", "PanelView 5510"),
    ("2198-", "Kinetix servo drive"),
    ("2097-", "Kinetix 300/350 servo drive"),
    ("2094-", "Kinetix 6000/7000 servo drive"),
    ("20A-", "PowerFlex 70"),
    ("20B-", "PowerFlex 700"),
    ("20D-", "PowerFlex 700S"),
    ("20F-", "PowerFlex 753"),
    ("20G-", "PowerFlex 755"),
    ("21G-", "PowerFlex 755 (packaged)"),
    ("22A-", "PowerFlex 4"),
    ("22B-", "PowerFlex 40"),
    ("22C-", "PowerFlex 400"),
    ("22D-", "PowerFlex 40P"),
    ("22F-", "PowerFlex 4M"),
    ("25A-", "PowerFlex 523"),
    ("25B-", "PowerFlex 525"),
    ("25C-", "PowerFlex 527"),
    ("1336-", "1336 drive"),
    ("1305-", "1305 drive"),
    ("193-", "E1/E3/E300 overload relay"),
    ("150-", "SMC soft starter"),
];

/// Schneider Electric reference prefixes → family. Longest prefix wins.
const SCHNEIDER: &[(&str, &str)] = &[
    ("BMX", "Modicon X80 module (M340)"),
    ("BMXP34", "Modicon M340"),
    ("BME", "Modicon X80 module (M580)"),
    ("BMEP58", "Modicon M580"),
    ("BMEH58", "Modicon M580 Hot Standby"),
    ("BMH", "Modicon X80 module"),
    ("140", "Modicon Quantum module"),
    ("140CPU", "Modicon Quantum"),
    ("170", "Modicon Momentum"),
    ("171", "Modicon Momentum"),
    ("TSX", "Modicon Premium / Micro module"),
    ("TSXP57", "Modicon Premium"),
    ("TSX37", "Modicon TSX Micro"),
    ("TM221", "Modicon M221"),
    ("TM241", "Modicon M241"),
    ("TM251", "Modicon M251"),
    ("TM258", "Modicon M258"),
    ("TM262", "Modicon M262"),
    ("TM3", "Modicon TM3 I/O"),
    ("TM5", "Modicon TM5 I/O"),
    ("ATV", "Altivar drive"),
];

pub(super) fn entries() -> usize {
    SIEMENS.len() + ROCKWELL.len() + SCHNEIDER.len()
}

fn longest_prefix(table: &[(&str, &'static str)], s: &str) -> Option<&'static str> {
    table
        .iter()
        .filter(|(prefix, _)| s.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, family)| *family)
}

fn siemens_family(order: &str) -> Option<&'static str> {
    // SIPLUS extreme devices (6AG1) are ruggedised versions of the 6ES7 product with the same
    // number apart from the last block: same family.
    let order = match order.strip_prefix("6AG1 ") {
        Some(rest) => format!("6ES7 {rest}"),
        None => order.to_string(),
    };
    if let Some(rest) = order.strip_prefix("6ED1 052-") {
        // LOGO! base modules: the last block names the generation.
        return Some(match rest.get(6..) {
            Some("0BA5") => "LOGO! 0BA5",
            Some("0BA6") => "LOGO! 0BA6",
            Some("0BA7") => "LOGO! 0BA7",
            _ => "LOGO!",
        });
    }
    if let Some(family) = longest_prefix(SIEMENS, &order) {
        return Some(family);
    }
    // S7-200 and S7-1200 CPUs share 6ES7 211 to 217; the generation digit after the two
    // letters of the second block tells them apart (2x: S7-200, 3x and 4x: S7-1200).
    if order.starts_with("6ES7 21") {
        return match order.as_bytes().get(12) {
            Some(b'2') => Some("S7-200 CPU"),
            Some(b'3' | b'4') => Some("S7-1200 CPU"),
            _ => None,
        };
    }
    None
}

fn rockwell_family(catalog: &str) -> Option<&'static str> {
    let main = catalog.split('/').next().unwrap_or(catalog);
    // GuardLogix safety controllers carry an S at the end of the controller number
    // (1756-L73S, 1756-L83ES; 1769-L33ERMS for Compact GuardLogix).
    if main.ends_with('S') {
        if main.starts_with("1756-L") {
            return Some("GuardLogix controller");
        }
        if main.starts_with("1769-L") || main.starts_with("5069-L") {
            return Some("Compact GuardLogix controller");
        }
    }
    longest_prefix(ROCKWELL, catalog)
}

/// The product family an order number (or a model string that begins with one) denotes.
///
/// "6ES7 315-2EH14-0AB0" → "S7-300 CPU 315-2 PN/DP", "1756-ENBT/A" → "ControlLogix
/// EtherNet/IP module", "BMX P34 2020" → "Modicon M340". `vendor`, when given, must name the
/// order number's manufacturer (in any spelling [`super::vendor_name`] knows): a Rockwell
/// catalogue number reported by a device that says it is from Siemens yields `None` rather
/// than a confident family for a contradiction. Unrecognised numbers yield `None`.
pub fn product_family(vendor: Option<&str>, model_or_order: &str) -> Option<&'static str> {
    let (maker, order) = parse_order_number(model_or_order)?;
    if let Some(v) = vendor.filter(|v| !v.trim().is_empty()) {
        if known_vendor(v) != Some(maker.vendor()) {
            return None;
        }
    }
    match maker {
        Maker::Siemens => siemens_family(&order),
        Maker::Rockwell => rockwell_family(&order),
        Maker::Schneider => longest_prefix(SCHNEIDER, &order),
    }
}
