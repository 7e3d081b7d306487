//! The plant simulator: captures of simulated sites whose truth is known.
//!
//! A [`scenario`] file describes a site — zones, devices with their identity, who polls whom
//! over which protocol, and timed events such as an operator write, a maintenance download
//! or an attack. The [`engine`] runs it and streams a classic pcap in time order; each
//! protocol is a [`dialect`] (one module per protocol in [`dialects`]) that decides only the
//! application bytes, while [`link`] and [`frame`] handle TCP, UDP, Ethernet, checksums and
//! timing. [`truth`] states what an analysis should find (assets, designed findings,
//! expected alerts) and writes the scenario's zone file; [`score`] compares an analysis with
//! it; [`tshark`] checks that every generated frame dissects cleanly. Nothing here depends
//! on a clock, a network or the platform: a scenario and a seed give one capture, byte for
//! byte.

#![forbid(unsafe_code)]

pub mod ber;
pub mod builtin;
pub mod cotp;
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

pub use pcap::PcapWriter;
