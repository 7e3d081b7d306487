//! The protocol dialects scenario files can name, one module per protocol.
//!
//! Each module exports an [`Entry`]; [`REGISTRY`] lists them. Adding a protocol is adding a
//! module and a line here.

use crate::dialect::{Dialect, DialectContext, DialectError};

pub mod dnp3;
pub mod enip;
pub mod iec104;
pub mod mms;
pub mod modbus;
pub mod profinet_dcp;
pub mod s7comm;
pub mod testing;

/// How the scenario engine finds a protocol's dialect.
pub struct Entry {
    /// The protocol's name in scenario files.
    pub name: &'static str,
    pub description: &'static str,
    pub build: fn(&DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError>,
}

pub static REGISTRY: &[Entry] = &[
    modbus::ENTRY,
    s7comm::ENTRY,
    profinet_dcp::ENTRY,
    mms::ENTRY,
    enip::ENTRY,
    dnp3::ENTRY,
    iec104::ENTRY,
];
