//! The protocol dialects scenario files can name, one module per protocol.
//!
//! Each module exports an [`Entry`]; [`REGISTRY`] lists them. Adding a protocol is adding a
//! module and a line here.

use crate::dialect::{Dialect, DialectContext, DialectError};

pub mod bacnet;
pub mod dnp3;
pub mod dns;
pub mod enip;
pub mod http;
pub mod iec104;
pub mod lldp;
pub mod mms;
pub mod modbus;
pub mod ntp;
pub mod opcua;
pub mod profinet_dcp;
pub mod rdp;
pub mod s7comm;
pub mod smb;
pub mod snmp;
pub mod ssh;
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
    bacnet::ENTRY,
    opcua::ENTRY,
    http::ENTRY,
    snmp::ENTRY,
    lldp::ENTRY,
    rdp::ENTRY,
    ntp::ENTRY,
    dns::ENTRY,
    ssh::ENTRY,
    smb::ENTRY,
];
