//! Transaction logs: one row per protocol message or transaction, in the columns of the
//! Zeek or ICSNPP log of the same name, so that whatever reads those logs reads ours.
//!
//! A protocol module declares a [`LogSpec`] per log: its name and the columns that follow
//! the connection columns every log shares (`ts uid id.orig_h id.orig_p id.resp_h
//! id.resp_p`, and for logs that record each direction, `is_orig source_h source_p
//! destination_h destination_p`). A dissector fills a [`LogRow`] with the values of those
//! columns in order; the exporters write rows as Zeek TSV or JSON lines.

use crate::Micros;
use std::net::IpAddr;

/// A column's value. `Unset` is Zeek's `-`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Unset,
    Str(String),
    Count(u64),
    Int(i64),
    Bool(bool),
    Addr(IpAddr),
    Port(u16),
    Double(f64),
    Time(Micros),
    Interval(Micros),
    Counts(Vec<u64>),
    Strs(Vec<String>),
    /// A string field whose bytes are not text (an address, a raw tag): written as Zeek
    /// writes such strings, printable ASCII as is and every other byte as `\xNN`.
    Bytes(Vec<u8>),
    /// A vector of times.
    Times(Vec<Micros>),
}

impl Value {
    pub fn opt_str(s: Option<impl Into<String>>) -> Value {
        s.map_or(Value::Unset, |s| Value::Str(s.into()))
    }
    pub fn opt_count(c: Option<impl Into<u64>>) -> Value {
        c.map_or(Value::Unset, |c| Value::Count(c.into()))
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}
impl From<u64> for Value {
    fn from(c: u64) -> Self {
        Value::Count(c)
    }
}
impl From<u32> for Value {
    fn from(c: u32) -> Self {
        Value::Count(c.into())
    }
}
impl From<u16> for Value {
    fn from(c: u16) -> Self {
        Value::Count(c.into())
    }
}
impl From<u8> for Value {
    fn from(c: u8) -> Self {
        Value::Count(c.into())
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

/// The shape of one log.
#[derive(Debug, PartialEq)]
pub struct LogSpec {
    /// The log's name (`modbus_detailed`); files are `<name>.log` and `<name>.jsonl`.
    pub name: &'static str,
    /// Rows carry `is_orig source_h source_p destination_h destination_p` after the
    /// connection columns.
    pub directional: bool,
    /// The columns after those, as (name, Zeek type).
    pub columns: &'static [(&'static str, &'static str)],
}

impl LogSpec {
    /// Every column of a row, in order, with its Zeek type.
    pub fn all_columns(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        let direction: &[(&str, &str)] = if self.directional {
            DIRECTION_COLUMNS
        } else {
            &[]
        };
        CONN_COLUMNS
            .iter()
            .chain(direction)
            .chain(self.columns)
            .copied()
    }
}

pub const CONN_COLUMNS: &[(&str, &str)] = &[
    ("ts", "time"),
    ("uid", "string"),
    ("id.orig_h", "addr"),
    ("id.orig_p", "port"),
    ("id.resp_h", "addr"),
    ("id.resp_p", "port"),
];

pub const DIRECTION_COLUMNS: &[(&str, &str)] = &[
    ("is_orig", "bool"),
    ("source_h", "addr"),
    ("source_p", "port"),
    ("destination_h", "addr"),
    ("destination_p", "port"),
];

/// The connection a row belongs to, as Zeek names it: uid and originator/responder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnId {
    pub uid: String,
    pub orig_h: IpAddr,
    pub orig_p: u16,
    pub resp_h: IpAddr,
    pub resp_p: u16,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogRow {
    pub spec: &'static LogSpec,
    pub ts: Micros,
    pub conn: ConnId,
    /// The message went from originator to responder.
    pub from_orig: bool,
    /// One value per column of `spec.columns`.
    pub values: Vec<Value>,
}

impl LogRow {
    /// Every value of the row, connection and direction columns included, in column order.
    pub fn all_values(&self) -> Vec<Value> {
        let c = &self.conn;
        let mut all = vec![
            Value::Time(self.ts),
            Value::Str(c.uid.clone()),
            Value::Addr(c.orig_h),
            Value::Port(c.orig_p),
            Value::Addr(c.resp_h),
            Value::Port(c.resp_p),
        ];
        if self.spec.directional {
            let (src, dst) = if self.from_orig {
                ((c.orig_h, c.orig_p), (c.resp_h, c.resp_p))
            } else {
                ((c.resp_h, c.resp_p), (c.orig_h, c.orig_p))
            };
            all.extend([
                Value::Bool(self.from_orig),
                Value::Addr(src.0),
                Value::Port(src.1),
                Value::Addr(dst.0),
                Value::Port(dst.1),
            ]);
        }
        all.extend(self.values.iter().cloned());
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static DEMO: LogSpec = LogSpec {
        name: "demo",
        directional: true,
        columns: &[("func", "string")],
    };

    #[test]
    fn direction_columns_follow_the_message() {
        let row = LogRow {
            spec: &DEMO,
            ts: 1,
            conn: ConnId {
                uid: "Cx".into(),
                orig_h: "10.0.0.1".parse().unwrap(),
                orig_p: 40000,
                resp_h: "10.0.0.2".parse().unwrap(),
                resp_p: 502,
            },
            from_orig: false,
            values: vec!["READ_COILS".into()],
        };
        let all = row.all_values();
        assert_eq!(all.len(), DEMO.all_columns().count());
        assert_eq!(all[6], Value::Bool(false));
        assert_eq!(all[7], Value::Addr("10.0.0.2".parse().unwrap()));
        assert_eq!(all[8], Value::Port(502));
        assert_eq!(all[11], Value::Str("READ_COILS".into()));
    }
}
