//! Flows: the bidirectional conversations that packets belong to.
//!
//! The [`FlowTable`] keys flows by VLAN and the unordered pair of endpoints, decides which
//! side originated (the way Zeek does, so that `conn.log` agrees), counts packets and IP
//! bytes each way, tracks TCP state and history letters, expires idle flows and evicts the
//! oldest when full. [`Reassembler`] turns each TCP direction into an ordered byte stream
//! with bounded buffering; gaps, overlaps and retransmissions are counted, never fatal.

mod ports;
mod reassembly;
mod table;
mod tcp_state;

pub use ports::is_likely_server_port;
pub use reassembly::{Reassembler, ReassemblyLimits, ReassemblyStats, SegmentOutcome, StreamChunk};
pub use table::{
    icmp_ports, Direction, Flow, FlowKey, FlowLimits, FlowTable, FlowTableStats, PacketInfo,
    SessionTimer,
};
pub use tcp_state::{EndpointState, TcpTracker};
