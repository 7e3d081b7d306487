//! The declared inventory: what the site believes it has, read from a CSV file, and how it
//! compares with what the traffic showed.
//!
//! Plants keep their asset lists in spreadsheets with their own column names, so the
//! reader accepts common synonyms for each column, a comma or a semicolon as separator, and
//! reports every bad cell with its line and column in one go, so a person can fix the file
//! in one pass. The comparison pairs each declared device with at most one observed asset
//! — by MAC, then IP, then serial number, then name — and says which of these matched, so
//! a surprising pairing can be checked.

use otwatch_model::identity::{AssetRole, Decided, FactField, PurdueLevel};
use otwatch_model::{Asset, Evidence};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::IpAddr;

/// One row of the declared inventory.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct DeclaredDevice {
    /// Line of the file the row starts on (1-based, the header is line 1).
    pub line: u64,
    pub name: Option<String>,
    pub ip: Option<IpAddr>,
    /// Lower-case `aa:bb:cc:dd:ee:ff`.
    pub mac: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub role: Option<AssetRole>,
    pub purdue_level: Option<PurdueLevel>,
    pub location: Option<String>,
    pub owner: Option<String>,
    pub criticality: Option<String>,
    pub notes: Option<String>,
}

impl DeclaredDevice {
    /// How a person would name the row: its name, else its first identifier, else its line.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.ip.map(|i| i.to_string()))
            .or_else(|| self.mac.clone())
            .or_else(|| self.serial.as_ref().map(|s| format!("serial {s}")))
            .unwrap_or_else(|| format!("line {}", self.line))
    }
}

/// The columns the file may have; the names are what the documentation calls them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Name,
    Ip,
    Mac,
    Vendor,
    Model,
    Firmware,
    Serial,
    Role,
    PurdueLevel,
    Location,
    Owner,
    Criticality,
    Notes,
}

impl Column {
    pub const ALL: [Column; 13] = [
        Column::Name,
        Column::Ip,
        Column::Mac,
        Column::Vendor,
        Column::Model,
        Column::Firmware,
        Column::Serial,
        Column::Role,
        Column::PurdueLevel,
        Column::Location,
        Column::Owner,
        Column::Criticality,
        Column::Notes,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Ip => "ip",
            Column::Mac => "mac",
            Column::Vendor => "vendor",
            Column::Model => "model",
            Column::Firmware => "firmware",
            Column::Serial => "serial",
            Column::Role => "role",
            Column::PurdueLevel => "purdue_level",
            Column::Location => "location",
            Column::Owner => "owner",
            Column::Criticality => "criticality",
            Column::Notes => "notes",
        }
    }

    /// Header names accepted for this column, after [`header_token`] folding.
    pub fn synonyms(self) -> &'static [&'static str] {
        match self {
            Column::Name => &[
                "name",
                "hostname",
                "host",
                "device",
                "devicename",
                "asset",
                "assetname",
                "tag",
                "stationname",
            ],
            Column::Ip => &["ip", "ipaddress", "ipaddr", "address", "ipv4", "ipv6"],
            Column::Mac => &["mac", "macaddress", "macaddr", "hwaddress", "ethernet"],
            Column::Vendor => &["vendor", "manufacturer", "make", "brand", "maker"],
            Column::Model => &[
                "model",
                "product",
                "productname",
                "type",
                "ordernumber",
                "partnumber",
                "articlenumber",
            ],
            Column::Firmware => &[
                "firmware",
                "firmwareversion",
                "fw",
                "fwversion",
                "version",
                "softwareversion",
                "swversion",
            ],
            Column::Serial => &[
                "serial",
                "serialnumber",
                "serialno",
                "sn",
                "sernr",
                "seriennummer",
            ],
            Column::Role => &["role", "devicetype", "function", "category", "class"],
            Column::PurdueLevel => &["purduelevel", "purdue", "level", "isa95level"],
            Column::Location => &["location", "site", "area", "room", "cabinet", "building"],
            Column::Owner => &["owner", "responsible", "contact", "custodian"],
            Column::Criticality => &["criticality", "critical", "priority", "importance"],
            Column::Notes => &[
                "notes",
                "note",
                "comment",
                "comments",
                "remarks",
                "description",
            ],
        }
    }

    fn from_header(header: &str) -> Option<Column> {
        let token = header_token(header);
        Column::ALL
            .into_iter()
            .find(|c| c.synonyms().contains(&token.as_str()))
    }
}

/// Folds a header so that "IP Address", "ip_address" and "IP-Address" read the same.
pub fn header_token(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// One thing wrong with the file, where it is and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub line: u64,
    /// 1-based field position, when the problem is in one cell.
    pub column: Option<usize>,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DeclaredError {
    #[error("{file}: the file is empty; write a header line such as `name,ip,mac,vendor,model` and one line per device")]
    Empty { file: String },
    #[error(
        "{file}:1: no known column in the header ({found}); name at least one of name, ip, mac or serial \
         (see docs/inventory.md, \"Declared inventory\", for the columns and their synonyms)"
    )]
    NoKnownColumns { file: String, found: String },
    #[error("{}", problems_text(.file, .problems))]
    Invalid {
        file: String,
        problems: Vec<Problem>,
    },
}

fn problems_text(file: &str, problems: &[Problem]) -> String {
    let mut out = format!(
        "{file}: {} problem{} in the declared inventory; nothing was imported:",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        match p.column {
            Some(c) => out.push_str(&format!("\n  {file}:{}:{c}: {}", p.line, p.message)),
            None => out.push_str(&format!("\n  {file}:{}: {}", p.line, p.message)),
        }
    }
    out
}

/// A parsed file: the devices and the header names that were not understood.
#[derive(Debug, Clone, Default)]
pub struct DeclaredFile {
    pub devices: Vec<DeclaredDevice>,
    pub ignored_columns: Vec<String>,
    pub delimiter: char,
}

/// Problems beyond this many are counted, not listed: a wrong separator would otherwise
/// print one line per cell of a large file.
const MAX_PROBLEMS: usize = 25;

/// Reads a declared inventory. `file` names the input in messages.
pub fn parse_declared(file: &str, bytes: &[u8]) -> Result<DeclaredFile, DeclaredError> {
    let invalid = |problems| DeclaredError::Invalid {
        file: file.to_string(),
        problems,
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let before = &bytes[..e.valid_up_to()];
            let line = before.iter().filter(|b| **b == b'\n').count() as u64 + 1;
            let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
            return Err(invalid(vec![Problem {
                line,
                column: None,
                message: format!(
                    "byte {column} of the line is not UTF-8; save the file as \"CSV UTF-8\""
                ),
            }]));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = guess_delimiter(text);
    let records = split_records(text, delimiter).map_err(|p| invalid(vec![p]))?;
    let mut records = records
        .into_iter()
        .filter(|r| r.fields.iter().any(|f| !f.trim().is_empty()));
    let Some(header) = records.next() else {
        return Err(DeclaredError::Empty {
            file: file.to_string(),
        });
    };

    let mut columns: Vec<Option<Column>> = Vec::with_capacity(header.fields.len());
    let mut ignored = Vec::new();
    let mut problems = Vec::new();
    for (i, h) in header.fields.iter().enumerate() {
        let col = Column::from_header(h);
        match col {
            Some(c) if columns.contains(&Some(c)) => problems.push(Problem {
                line: header.line,
                column: Some(i + 1),
                message: format!(
                    "header {:?} is a second `{}` column; keep one or rename the other",
                    h.trim(),
                    c.as_str()
                ),
            }),
            None if !h.trim().is_empty() => ignored.push(h.trim().to_string()),
            _ => {}
        }
        columns.push(col);
    }
    let identifies = |c: &Option<Column>| {
        matches!(
            c,
            Some(Column::Name | Column::Ip | Column::Mac | Column::Serial)
        )
    };
    if !columns.iter().any(identifies) {
        return Err(DeclaredError::NoKnownColumns {
            file: file.to_string(),
            found: header
                .fields
                .iter()
                .map(|h| format!("{:?}", h.trim()))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }

    let mut devices = Vec::new();
    let mut seen_ip: BTreeMap<IpAddr, u64> = BTreeMap::new();
    let mut seen_mac: BTreeMap<String, u64> = BTreeMap::new();
    let mut extra_problems = 0usize;
    for record in records {
        let mut row_problems = Vec::new();
        if record.fields.len() > columns.len()
            && record.fields[columns.len()..]
                .iter()
                .any(|f| !f.trim().is_empty())
        {
            row_problems.push(Problem {
                line: record.line,
                column: Some(columns.len() + 1),
                message: format!(
                    "{} fields but the header has {}; quote values that contain {delimiter:?}",
                    record.fields.len(),
                    columns.len()
                ),
            });
        }
        let mut d = DeclaredDevice {
            line: record.line,
            ..Default::default()
        };
        for (i, (raw, col)) in record.fields.iter().zip(&columns).enumerate() {
            let value = raw.trim();
            let Some(col) = col else { continue };
            if value.is_empty() {
                continue;
            }
            let mut bad = |message: String| {
                row_problems.push(Problem {
                    line: record.line,
                    column: Some(i + 1),
                    message,
                })
            };
            let text = Some(value.to_string());
            match col {
                Column::Name => d.name = text,
                Column::Vendor => d.vendor = text,
                Column::Model => d.model = text,
                Column::Firmware => d.firmware = text,
                Column::Serial => d.serial = text,
                Column::Location => d.location = text,
                Column::Owner => d.owner = text,
                Column::Criticality => d.criticality = text,
                Column::Notes => d.notes = text,
                Column::Ip => match value.parse::<IpAddr>() {
                    Ok(ip) => d.ip = Some(ip),
                    Err(_) => bad(format!(
                        "ip {value:?} is not an IP address; write one address such as 10.20.1.11 \
                         (a second address belongs on a line of its own or in notes)"
                    )),
                },
                Column::Mac => match normalise_mac(value) {
                    Some(mac) => d.mac = Some(mac),
                    None => bad(format!(
                        "mac {value:?} is not a MAC address; write six bytes in hex such as \
                         00:1b:1b:12:34:56 (dashes, dots or none also work)"
                    )),
                },
                Column::Role => match parse_role(value) {
                    Some(r) => d.role = Some(r),
                    None => bad(format!(
                        "role {value:?} is not known; use one of {} (PLC, RTU, IED, EWS, switch... are understood too)",
                        AssetRole::ALL.map(|r| r.as_str()).join(", ")
                    )),
                },
                Column::PurdueLevel => match parse_level(value) {
                    Some(l) => d.purdue_level = Some(l),
                    None => bad(format!(
                        "purdue_level {value:?} is not a Purdue level; use 0, 1, 2, 3, 3.5, 4 or 5"
                    )),
                },
            }
        }
        if d.name.is_none() && d.ip.is_none() && d.mac.is_none() && d.serial.is_none() {
            row_problems.push(Problem {
                line: record.line,
                column: None,
                message: "the device has no name, ip, mac or serial, so it can never be matched; \
                          fill in one of them or delete the line"
                    .into(),
            });
        }
        if let Some(ip) = d.ip {
            if let Some(first) = seen_ip.insert(ip, record.line) {
                row_problems.push(Problem {
                    line: record.line,
                    column: column_of(&columns, Column::Ip),
                    message: format!(
                        "ip {ip} is already declared on line {first}; one device per address"
                    ),
                });
            }
        }
        if let Some(mac) = &d.mac {
            if let Some(first) = seen_mac.insert(mac.clone(), record.line) {
                row_problems.push(Problem {
                    line: record.line,
                    column: column_of(&columns, Column::Mac),
                    message: format!(
                        "mac {mac} is already declared on line {first}; one device per address"
                    ),
                });
            }
        }
        for p in row_problems {
            if problems.len() < MAX_PROBLEMS {
                problems.push(p);
            } else {
                extra_problems += 1;
            }
        }
        devices.push(d);
    }
    if extra_problems > 0 {
        problems.push(Problem {
            line: problems.last().map(|p| p.line).unwrap_or(1),
            column: None,
            message: format!(
                "and {extra_problems} more problems; is the separator right (found {delimiter:?})?"
            ),
        });
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    Ok(DeclaredFile {
        devices,
        ignored_columns: ignored,
        delimiter,
    })
}

fn column_of(columns: &[Option<Column>], wanted: Column) -> Option<usize> {
    columns
        .iter()
        .position(|c| *c == Some(wanted))
        .map(|i| i + 1)
}

/// Semicolons where the header has more of them than commas (spreadsheets in locales with a
/// decimal comma save so), commas otherwise.
fn guess_delimiter(text: &str) -> char {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut quoted = false;
    let (mut commas, mut semicolons) = (0, 0);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas {
        ';'
    } else {
        ','
    }
}

struct Record {
    line: u64,
    fields: Vec<String>,
}

/// RFC 4180 records: quoted fields may hold the separator, doubled quotes and line breaks.
fn split_records(text: &str, delimiter: char) -> Result<Vec<Record>, Problem> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut line = 1u64;
    let mut record_line = 1u64;
    let mut quoted = false;
    let mut quote_opened = 0u64;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                quoted = true;
                quote_opened = line;
            }
            c if c == delimiter => fields.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                records.push(Record {
                    line: record_line,
                    fields: std::mem::take(&mut fields),
                });
                line += 1;
                record_line = line;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(Problem {
            line: quote_opened,
            column: None,
            message: "a quoted value is never closed; add the closing '\"'".into(),
        });
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push(Record {
            line: record_line,
            fields,
        });
    }
    Ok(records)
}

/// `aa:bb:cc:dd:ee:ff`, `AA-BB-CC-DD-EE-FF`, `aabb.ccdd.eeff` or `aabbccddeeff`.
pub fn normalise_mac(text: &str) -> Option<String> {
    let hex: String = text
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.' | ' '))
        .collect();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    Some(
        (0..6)
            .map(|i| &hex[i * 2..i * 2 + 2])
            .collect::<Vec<_>>()
            .join(":"),
    )
}

/// The role names otwatch prints, and the words asset lists commonly use for them.
pub fn parse_role(text: &str) -> Option<AssetRole> {
    if let Some(r) = AssetRole::parse(text) {
        return Some(r);
    }
    let t = header_token(text);
    Some(match t.as_str() {
        "plc" | "rtu" | "ied" | "dcs" | "controller" | "pac" | "plcrtu" => AssetRole::Controller,
        "io" | "remoteio" | "rio" | "iomodule" | "drive" | "vfd" | "sensor" | "actuator"
        | "fielddevice" => AssetRole::IoModule,
        "sis" | "safetyplc" | "safety" => AssetRole::SafetyController,
        "hmi" | "panel" | "operatorpanel" | "operatorstation" => AssetRole::Hmi,
        "scada" | "scadaserver" => AssetRole::ScadaServer,
        "ews" | "engineeringstation" | "engineering" | "engineeringworkstation" => {
            AssetRole::EngineeringWorkstation
        }
        "historian" => AssetRole::Historian,
        "opc" | "opcserver" | "opcua" | "opcuaserver" => AssetRole::OpcServer,
        "switch" | "router" | "firewall" | "gateway" | "network" | "networkdevice" | "ap"
        | "accesspoint" => AssetRole::NetworkDevice,
        "it" | "ithost" | "server" | "pc" | "workstation" | "laptop" | "printer" => {
            AssetRole::ItHost
        }
        "unknown" => AssetRole::Unknown,
        _ => return None,
    })
}

/// "2", "L2", "Level 2", "3.5" (and "3,5" from spreadsheets with a decimal comma).
pub fn parse_level(text: &str) -> Option<PurdueLevel> {
    let t = text.trim().to_ascii_lowercase().replace(',', ".");
    let t = t.strip_prefix("level").unwrap_or(&t).trim();
    PurdueLevel::parse(t)
}

// ---------------------------------------------------------------------------------------
// Declared against observed.

/// Which identifier paired a declared device with an observed asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchedBy {
    Mac,
    Ip,
    Serial,
    Name,
}

impl MatchedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::Mac => "mac",
            MatchedBy::Ip => "ip",
            MatchedBy::Serial => "serial",
            MatchedBy::Name => "name",
        }
    }
}

/// An observed value of one field and the evidence for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservedValue {
    pub value: String,
    /// Attribute the value came from, e.g. "product_name", or "identity" for the fused one.
    pub attribute: String,
    /// The message that showed the value; absent for an inferred role or Purdue level,
    /// whose `reasons` say why instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// A declared value the traffic contradicts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mismatch {
    pub field: &'static str,
    pub declared: String,
    pub observed: Vec<ObservedValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matched {
    pub declared: DeclaredDevice,
    pub asset_id: i64,
    pub asset_key: String,
    pub matched_by: MatchedBy,
    /// The value both sides share, e.g. the MAC address.
    pub matched_value: String,
    pub mismatches: Vec<Mismatch>,
}

/// An observed asset nobody declared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shadow {
    pub asset_id: i64,
    pub asset_key: String,
    pub ips: Vec<IpAddr>,
    pub macs: Vec<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub name: Option<String>,
    pub first_seen: i64,
    pub last_seen: i64,
    /// Where the asset was first seen: the evidence of its earliest attribute.
    pub evidence: Option<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct DiffReport {
    pub matched: Vec<Matched>,
    /// Observed but not declared.
    pub shadow: Vec<Shadow>,
    /// Declared but never observed.
    pub missing: Vec<DeclaredDevice>,
}

impl DiffReport {
    pub fn mismatch_count(&self) -> usize {
        self.matched.iter().map(|m| m.mismatches.len()).sum()
    }
}

/// The observed attributes read as each declared field; the fused identity comes first.
const MODEL_ATTRIBUTES: &[&str] = &[
    "model",
    "product_name",
    "order_number",
    "product_code",
    "device_type",
];
const FIRMWARE_ATTRIBUTES: &[&str] = &["firmware", "software_version", "revision"];
const SERIAL_ATTRIBUTES: &[&str] = &["serial", "serial_number"];
const NAME_ATTRIBUTES: &[&str] = &[
    "hostname",
    "station_name",
    "device_name",
    "object_name",
    "hart_long_tag",
    "hart_tag",
];
const VENDOR_ATTRIBUTES: &[&str] = &["vendor"];

fn observed_values(a: &Asset, field: &str) -> Vec<ObservedValue> {
    let id = &a.identity;
    let (facts, names): (Vec<(&str, &FactField)>, &[&str]) = match field {
        "vendor" => (vec![("identity", &id.vendor)], VENDOR_ATTRIBUTES),
        "model" => (
            vec![
                ("identity", &id.model),
                ("identity", &id.order_number),
                ("identity", &id.product_family),
            ],
            MODEL_ATTRIBUTES,
        ),
        "firmware" => (vec![("identity", &id.firmware)], FIRMWARE_ATTRIBUTES),
        "serial" => (vec![("identity", &id.serial)], SERIAL_ATTRIBUTES),
        "name" => (vec![("identity", &id.name)], NAME_ATTRIBUTES),
        "ip" => (vec![], &["ip"]),
        "mac" => (vec![], &["mac"]),
        _ => (vec![], &[]),
    };
    let mut out: Vec<ObservedValue> = Vec::new();
    let mut push = |value: &str, attribute: &str, evidence: &Evidence| {
        if !out.iter().any(|o| o.value == value) {
            out.push(ObservedValue {
                value: value.to_string(),
                attribute: attribute.to_string(),
                evidence: Some(evidence.clone()),
                reasons: Vec::new(),
            });
        }
    };
    for (attribute, fact) in facts {
        if let Some(f) = fact {
            push(&f.value, attribute, &f.evidence);
        }
    }
    for name in names {
        for at in a.attributes.iter().filter(|at| at.name == *name) {
            push(&at.value, &at.name, &at.evidence);
        }
    }
    out
}

/// Lower-case letters and digits only, so "SIEMENS AG" and "Siemens-AG" read alike.
fn folded(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether an observed value agrees with a declared one. Vendors and names agree when one
/// starts with the other ("Siemens" and "SIEMENS AG", "plc1" and "plc1.plant.local");
/// firmware ignores a leading "V" and leading zeros in its parts ("V03.02" is "3.2").
fn agrees(field: &str, declared: &str, observed: &str) -> bool {
    match field {
        "firmware" => firmware_parts(declared) == firmware_parts(observed),
        "ip" => declared.parse::<IpAddr>().ok() == observed.parse::<IpAddr>().ok(),
        "mac" => normalise_mac(declared) == normalise_mac(observed),
        _ => {
            let (d, o) = (folded(declared), folded(observed));
            if d.is_empty() || o.is_empty() {
                return d == o;
            }
            match field {
                "vendor" | "name" | "model" => d.starts_with(&o) || o.starts_with(&d),
                _ => d == o,
            }
        }
    }
}

fn firmware_parts(text: &str) -> Vec<String> {
    let t = text.trim().to_ascii_lowercase();
    let t = t
        .strip_prefix("firmware")
        .unwrap_or(&t)
        .trim()
        .trim_start_matches('v')
        .trim();
    t.split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let stripped = p.trim_start_matches('0');
            if stripped.is_empty() { "0" } else { stripped }.to_string()
        })
        .collect()
}

fn names_of(a: &Asset) -> Vec<String> {
    let mut names: Vec<String> = a.overrides.name.iter().cloned().collect();
    names.extend(a.hostnames.iter().cloned());
    names.extend(observed_values(a, "name").into_iter().map(|o| o.value));
    names
}

fn shadow_of(id: i64, a: &Asset) -> Shadow {
    let first = |field: &str| {
        observed_values(a, field)
            .into_iter()
            .next()
            .map(|o| o.value)
    };
    Shadow {
        asset_id: id,
        asset_key: a.key.clone(),
        ips: a.ips.clone(),
        macs: a.macs.clone(),
        vendor: first("vendor").or_else(|| a.vendor.clone()),
        model: first("model"),
        name: a.overrides.name.clone().or_else(|| first("name")),
        first_seen: a.first_seen,
        last_seen: a.last_seen,
        evidence: a
            .attributes
            .iter()
            .min_by_key(|at| at.evidence.ts)
            .map(|at| at.evidence.clone()),
    }
}

/// Compares the declared inventory with the observed one. Assets outside the site's
/// networks are never shadow devices: an internet server is nobody's undeclared PLC.
pub fn diff(declared: &[DeclaredDevice], observed: &[(i64, Asset)]) -> DiffReport {
    let mut claimed: HashSet<usize> = HashSet::new();
    let mut pairs: Vec<Option<(usize, MatchedBy, String)>> = vec![None; declared.len()];
    let stages = [
        MatchedBy::Mac,
        MatchedBy::Ip,
        MatchedBy::Serial,
        MatchedBy::Name,
    ];
    for stage in stages {
        for (di, d) in declared.iter().enumerate() {
            if pairs[di].is_some() {
                continue;
            }
            let found = observed.iter().enumerate().find_map(|(ai, (_, a))| {
                if claimed.contains(&ai) {
                    return None;
                }
                let shared = match stage {
                    MatchedBy::Mac => d
                        .mac
                        .as_ref()
                        .filter(|m| a.macs.iter().any(|x| x.eq_ignore_ascii_case(m)))
                        .cloned(),
                    MatchedBy::Ip => {
                        d.ip.filter(|ip| a.ips.contains(ip))
                            .map(|ip| ip.to_string())
                    }
                    MatchedBy::Serial => d.serial.as_ref().and_then(|s| {
                        observed_values(a, "serial")
                            .into_iter()
                            .find(|o| agrees("serial", s, &o.value))
                            .map(|o| o.value)
                    }),
                    MatchedBy::Name => d.name.as_ref().and_then(|n| {
                        // Exact names only: a prefix would pair "plc1" with "plc10".
                        names_of(a).into_iter().find(|o| {
                            let host = o.split('.').next().unwrap_or(o);
                            folded(o) == folded(n) || folded(host) == folded(n)
                        })
                    }),
                };
                shared.map(|v| (ai, v))
            });
            if let Some((ai, value)) = found {
                claimed.insert(ai);
                pairs[di] = Some((ai, stage, value));
            }
        }
    }

    let mut report = DiffReport::default();
    for (d, pair) in declared.iter().zip(pairs) {
        let Some((ai, matched_by, matched_value)) = pair else {
            report.missing.push(d.clone());
            continue;
        };
        let (asset_id, a) = &observed[ai];
        let mut mismatches = Vec::new();
        let checks: [(&'static str, Option<String>); 7] = [
            ("mac", d.mac.clone()),
            ("ip", d.ip.map(|i| i.to_string())),
            ("vendor", d.vendor.clone()),
            ("model", d.model.clone()),
            ("firmware", d.firmware.clone()),
            ("serial", d.serial.clone()),
            ("name", d.name.clone()),
        ];
        for (field, wanted) in checks {
            let Some(wanted) = wanted else { continue };
            let mut seen = observed_values(a, field);
            if field == "name"
                && a.overrides
                    .name
                    .as_deref()
                    .is_some_and(|n| agrees(field, &wanted, n))
            {
                continue;
            }
            if field == "name" {
                // A host name's first label is the device name ("plc1" in "plc1.plant.local").
                if seen.iter().any(|o| {
                    let host = o.value.split('.').next().unwrap_or(&o.value);
                    folded(host) == folded(&wanted)
                }) {
                    continue;
                }
            }
            // Nothing observed is no contradiction: many devices never state their serial.
            if seen.is_empty() || seen.iter().any(|o| agrees(field, &wanted, &o.value)) {
                continue;
            }
            // The OUI vendor is a guess about the network card; a stated vendor outranks it.
            let stated =
                |o: &ObservedValue| o.evidence.as_ref().is_some_and(|e| e.protocol != "oui");
            if field == "vendor" && seen.iter().any(stated) {
                seen.retain(stated);
            }
            mismatches.push(Mismatch {
                field,
                declared: wanted,
                observed: seen,
            });
        }
        // Role and level are inferred from behaviour, not stated: the reasons stand in for
        // evidence. An unknown role or level contradicts nothing.
        let id = &a.identity;
        let decided = |d: Decided| match d {
            Decided::User => "override",
            _ => "identity",
        };
        if let Some(role) = d
            .role
            .filter(|r| id.role != AssetRole::Unknown && id.role != *r)
        {
            mismatches.push(Mismatch {
                field: "role",
                declared: role.as_str().to_string(),
                observed: vec![ObservedValue {
                    value: id.role.as_str().to_string(),
                    attribute: decided(id.role_decided).to_string(),
                    evidence: None,
                    reasons: id.role_reasons.clone(),
                }],
            });
        }
        if let (Some(wanted), Some(seen)) = (d.purdue_level, id.purdue_level) {
            if wanted != seen {
                mismatches.push(Mismatch {
                    field: "purdue_level",
                    declared: wanted.as_str().to_string(),
                    observed: vec![ObservedValue {
                        value: seen.as_str().to_string(),
                        attribute: decided(id.purdue_decided).to_string(),
                        evidence: None,
                        reasons: id.purdue_reasons.clone(),
                    }],
                });
            }
        }
        report.matched.push(Matched {
            declared: d.clone(),
            asset_id: *asset_id,
            asset_key: a.key.clone(),
            matched_by,
            matched_value,
            mismatches,
        });
    }
    for (ai, (id, a)) in observed.iter().enumerate() {
        if claimed.contains(&ai) || a.internal == Some(false) {
            continue;
        }
        report.shadow.push(shadow_of(*id, a));
    }
    report
}

impl fmt::Display for MatchedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;
