//! Protocol identification and sans-I/O dissectors.
//!
//! Every function here takes arbitrary bytes (a UDP datagram, a reassembled TCP stream
//! chunk, an Ethernet payload) and returns a typed view or a [`Malformed`] reason. Nothing
//! here knows about captures, flows or storage; nothing here may panic or allocate without
//! a bound on attacker-controlled input.

pub mod ads;
pub mod bacnet;
pub mod ber;
pub mod bsap;
pub mod cdp;
pub mod cip;
pub mod der;
pub mod dhcp;
pub mod dnp3;
pub mod dns;
pub mod enip;
pub mod ethercat;
pub mod genisys;
pub mod goose;
pub mod hart_ip;
pub mod hart_ip_commands;
#[cfg(test)]
mod hostile;
pub mod http;
pub mod identify;
pub mod iec104;
pub mod lldp;
pub mod mms;
pub mod modbus;
pub mod netbios;
pub mod omron_fins;
pub mod opcua;
mod opcua_status;
pub mod profinet_dcp;
pub mod profinet_io_cm;
pub mod roc_plus;
pub mod s7comm;
pub mod s7comm_plus;
pub mod sessions;
pub mod slmp;
pub mod snmp;
pub mod srtp;
pub mod synchrophasor;
pub mod sysdescr;
pub mod tls;

/// Text a device sent, made safe to show and store: lossy UTF-8, control characters dropped,
/// trimmed, at most 255 characters. `None` when nothing is left.
pub fn printable(bytes: &[u8]) -> Option<String> {
    let text: String = String::from_utf8_lossy(bytes)
        .chars()
        .filter(|c| !c.is_control())
        .take(255)
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Text fields of discovery protocols (LLDP, CDP): lossy UTF-8, NUL padding trimmed,
/// control characters blanked so values stay on one line, at most 255 characters.
pub(crate) fn single_line(bytes: &[u8]) -> String {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    String::from_utf8_lossy(bytes.get(..end).unwrap_or_default())
        .chars()
        .take(255)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// Where a compiled-in lookup table came from, read from the `# Source:` and `# Data date:`
/// lines of its data file, so that reports can say which registry snapshot named a vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableHeader {
    /// Rows that carry an id and a name (comment lines excluded).
    pub entries: usize,
    /// The `# Source:` line with its continuation lines, or "unknown source".
    pub source: &'static str,
    /// The `# Data date:` line, or "unknown".
    pub date: &'static str,
}

pub(crate) fn table_header(text: &'static str) -> TableHeader {
    let mut source = None;
    let mut date = None;
    let mut entries = 0;
    for line in text.lines() {
        match line.strip_prefix('#').map(str::trim) {
            Some(rest) => {
                if let Some(s) = rest.strip_prefix("Source:") {
                    // The first line is enough to name the source; continuation lines
                    // explain its lineage and stay in the data file.
                    source = Some(s.trim());
                } else if let Some(d) = rest.strip_prefix("Data date:") {
                    date = Some(d.trim());
                }
            }
            None if line.contains('\t') => entries += 1,
            None => {}
        }
    }
    TableHeader {
        entries,
        source: source.unwrap_or("unknown source"),
        date: date.unwrap_or("unknown"),
    }
}

pub(crate) fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Why a message could not be decoded. `reason` is a stable, machine-readable label that
/// is counted per reason in the analysis summary; `offset` is where in the message the
/// problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{reason} at byte {offset}")]
pub struct Malformed {
    pub reason: &'static str,
    pub offset: usize,
}

impl Malformed {
    pub const fn new(reason: &'static str, offset: usize) -> Self {
        Self { reason, offset }
    }
}
