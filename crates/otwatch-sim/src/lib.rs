//! Packet encoder and simulated plant captures for otwatch.
//!
//! otwatch is exercised against captures it can regenerate byte for byte, so nothing here
//! depends on a network, a clock or an external tool. [`frame`] builds complete, checksummed
//! Ethernet frames (and keeps TCP sequence numbers honest through [`frame::TcpSession`]),
//! [`modbus`], [`dhcp`] and [`dns`] encode the application messages carried in them,
//! [`pcap`] writes the result as a classic pcap file, and [`demo`] assembles all of it into
//! five minutes of a small Modbus/TCP plant together with the ground truth that an analysis
//! of the capture is expected to reproduce.

#![forbid(unsafe_code)]

pub mod builtin;
pub mod cotp;
pub mod demo;
pub mod dhcp;
pub mod dialect;
pub mod dialects;
pub mod dns;
pub mod engine;
pub mod frame;
pub mod large;
pub mod link;
pub mod modbus;
pub mod pcap;
pub mod scenario;
pub mod score;
pub mod truth;
pub mod tshark;

mod rng;

pub use demo::{demo_plant, demo_plant_default, DemoPlant, DemoTruth};
pub use pcap::PcapWriter;
