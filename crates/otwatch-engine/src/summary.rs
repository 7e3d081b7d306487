//! Counters kept by each worker and the summary of a whole analysis.

use otwatch_flow::{FlowTableStats, ReassemblyStats};
use serde::Serialize;
use std::collections::BTreeMap;

/// Counts kept per worker and summed afterwards; every packet that is not analysed is
/// counted under a reason.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counters {
    pub packets: u64,
    pub bytes: u64,
    pub ip_packets: u64,
    pub tcp_packets: u64,
    pub udp_packets: u64,
    pub icmp_packets: u64,
    pub other_ip_packets: u64,
    pub arp_packets: u64,
    pub non_ip_packets: u64,
    /// Frames the decoder could not walk, by reason.
    pub malformed: BTreeMap<&'static str, u64>,
    /// Packets or state deliberately not analysed, by reason.
    pub dropped: BTreeMap<String, u64>,
    /// Non-IP EtherTypes seen (LLDP, PROFINET, GOOSE, ...), by name.
    pub link_protocols: BTreeMap<String, u64>,
    /// PROFINET RT cyclic frames per "sender > receiver" MAC pair.
    pub cyclic_streams: BTreeMap<String, u64>,
    pub fragments_reassembled: u64,
    pub tcp_acks: u64,
    pub tcp_acks_revealing_gaps: u64,
    pub reassembly: ReassemblyStats,
    pub flow_table: FlowTableStats,
}

impl Counters {
    pub fn drop(&mut self, reason: &str) {
        *self.dropped.entry(reason.to_string()).or_default() += 1;
    }

    pub fn add(&mut self, o: &Counters) {
        self.packets += o.packets;
        self.bytes += o.bytes;
        self.ip_packets += o.ip_packets;
        self.tcp_packets += o.tcp_packets;
        self.udp_packets += o.udp_packets;
        self.icmp_packets += o.icmp_packets;
        self.other_ip_packets += o.other_ip_packets;
        self.arp_packets += o.arp_packets;
        self.non_ip_packets += o.non_ip_packets;
        for (k, v) in &o.malformed {
            *self.malformed.entry(k).or_default() += v;
        }
        for (k, v) in &o.dropped {
            *self.dropped.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.cyclic_streams {
            *self.cyclic_streams.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &o.link_protocols {
            *self.link_protocols.entry(k.clone()).or_default() += v;
        }
        self.fragments_reassembled += o.fragments_reassembled;
        self.tcp_acks += o.tcp_acks;
        self.tcp_acks_revealing_gaps += o.tcp_acks_revealing_gaps;
        self.reassembly.add(&o.reassembly);
        self.flow_table.add(&o.flow_table);
    }
}

/// One capture file as read.
#[derive(Debug, Clone, Serialize)]
pub struct CaptureSummary {
    pub path: String,
    /// Size of the file as stored (compressed size for gzip files).
    pub file_bytes: u64,
    pub compressed: bool,
    pub packets: u64,
    pub bytes: u64,
    pub first_ts: Option<String>,
    pub last_ts: Option<String>,
    pub linktypes: Vec<u32>,
    /// Things the user should know that did not stop the analysis (link types not decoded).
    pub warnings: Vec<String>,
    /// Set when the file was damaged or unreadable; the message names the offset.
    pub error: Option<String>,
    pub damaged: bool,
}

/// Capture quality as a mirror port delivers it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CaptureQuality {
    pub duplicate_frames_removed: u64,
    pub timestamps_backwards: u64,
    pub timestamp_jumps: u64,
    /// First places where time went backwards or jumped: "capture#frame".
    pub timestamp_examples: Vec<String>,
    /// TCP flows where only one side was seen sending.
    pub tcp_one_sided_flows: u64,
    pub tcp_gap_bytes: u64,
    pub tcp_acked_unseen_bytes: u64,
    /// Share of acknowledgements that revealed bytes the capture missed (as Zeek's
    /// capture_loss reports it), in percent.
    pub capture_loss_percent: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProtocolTally {
    pub flows: u64,
    pub packets: u64,
    pub bytes: u64,
    /// Flows only attributed by port: a guess, not a fact.
    pub flows_by_port_only: u64,
}

/// The machine-readable summary (`--summary-json`).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub schema: &'static str,
    pub otwatch_version: &'static str,
    pub threads: usize,
    /// Wall time of each stage of the run, for benchmarks: `read_and_dissect` (reader and
    /// workers), `merge` (the workers' results joined), `inventory` (assets, edges and
    /// identity fusion). Varies from run to run, unlike everything else here.
    pub stage_seconds: BTreeMap<&'static str, f64>,
    pub captures: Vec<CaptureSummary>,
    pub packets: u64,
    pub bytes: u64,
    pub flows: u64,
    pub assets: u64,
    pub edges: u64,
    pub protocols: BTreeMap<String, ProtocolTally>,
    pub ip_packets: u64,
    pub tcp_packets: u64,
    pub udp_packets: u64,
    pub icmp_packets: u64,
    pub arp_packets: u64,
    pub non_ip_packets: u64,
    pub link_protocols: BTreeMap<String, u64>,
    /// PROFINET RT cyclic frames per "sender > receiver" MAC pair (no per-frame record).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub cyclic_streams: BTreeMap<String, u64>,
    pub malformed: BTreeMap<String, u64>,
    pub dropped: BTreeMap<String, u64>,
    pub capture_quality: CaptureQuality,
    pub reassembly: ReassemblyStats,
    pub flow_table: FlowTableStats,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}
