//! The analysis pipeline: capture files in, flows, inventory, events and a summary out.
//!
//! One reader thread walks the captures in order and shards packets onto `threads` workers
//! by a symmetric hash of the address pair (so both directions of a flow, and every
//! fragment of a datagram, reach the same worker). Each worker owns its flow table,
//! fragment table and observations: no lock sits on the per-packet path. At the end the
//! workers' results are merged in an order-independent way and sorted, so the outcome is
//! the same for every thread count.

mod ads;
mod app;
mod bacnet;
mod bsap;
mod dedup;
mod dnp3;
mod enip;
pub mod events;
mod frag;
mod framing;
mod genisys;
mod goose;
mod hart_ip;
mod hart_ip_commands;
mod iec104;
mod it;
mod mms;
mod modbus;
mod omron_fins;
mod opcua;
mod opcua_services;
mod profinet_io_cm;
mod reported;
mod roc_plus;
mod s7;
mod slmp;
mod srtp;
mod summary;
mod synchrophasor;
#[cfg(test)]
mod test_flow;
mod worker;

pub use summary::{CaptureQuality, CaptureSummary, Counters, ProtocolTally, Summary};

use crossbeam_channel::{bounded, Receiver, Sender};
use otwatch_capture::{CaptureError, CaptureReader};
use otwatch_flow::{FlowLimits, ReassemblyLimits};
use otwatch_inventory::{Inventory, InventoryOptions, Observations};
use otwatch_model::logs::LogRow;
use otwatch_model::site::SiteNetworks;
use otwatch_model::{iso_time, FlowRecord, Micros, ProtocolEvent, TransportProto};
use otwatch_wire::headers::ethertype;
#[cfg(test)]
use otwatch_wire::Frame;
use otwatch_wire::{decode_frame, LinkType, Network};
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use worker::{Batch, PacketMeta, Worker, WorkerOutput};

/// Everything that shapes an analysis; each has a flag and a config key in the CLI.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    pub threads: usize,
    pub flow_limits: FlowLimits,
    pub reassembly_limits: ReassemblyLimits,
    pub site: SiteNetworks,
    /// Frames identical to one seen less than this long before are dropped; 0 keeps all.
    pub duplicate_window: Micros,
    /// Notable events kept per kind (the earliest); the rest are counted as dropped.
    pub max_events_per_kind: usize,
    pub inventory: InventoryOptions,
    /// Where transaction-log rows go, in batches, when logs were asked for (`--zeek-logs`,
    /// `--jsonl`); a bounded channel, so that a slow writer slows the workers rather than
    /// filling memory.
    pub transaction_logs: Option<Sender<Vec<LogRow>>>,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        Self {
            threads: default_threads(),
            flow_limits: FlowLimits::default(),
            reassembly_limits: ReassemblyLimits::default(),
            site: SiteNetworks::default(),
            duplicate_window: 1_000,
            max_events_per_kind: 10_000,
            inventory: InventoryOptions::default(),
            transaction_logs: None,
        }
    }
}

/// One worker per core. With every protocol parsed in depth a worker spends about twice
/// the reader's time on a packet, so the reader shares a core with the workers rather than
/// keeping one to itself (on 2 cores: 3.97 s with two workers against 5.62 s with one on
/// the benchmark capture; docs/benchmarks.md).
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .max(1)
}

/// A capture to analyse: a file, or bytes in memory (the demo, tests).
#[derive(Debug, Clone)]
pub enum Input {
    File(PathBuf),
    Memory { name: String, bytes: Vec<u8> },
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Memory { name, .. } => name.clone(),
        }
    }
}

/// Told about reading progress; the CLI draws a bar with it.
pub trait Progress: Sync {
    fn start_file(&self, _name: &str, _total_bytes: u64) {}
    fn advance(&self, _bytes_read: u64) {}
    fn finish_file(&self) {}
}

/// Reports nothing.
pub struct Silent;
impl Progress for Silent {}

pub struct Analysis {
    pub summary: Summary,
    pub flows: Vec<FlowRecord>,
    pub inventory: Inventory,
    pub events: Vec<ProtocolEvent>,
    /// Capture names by the index that evidence uses.
    pub captures: Vec<String>,
}

impl Analysis {
    /// Some capture was damaged (truncated or corrupt) but its valid part was analysed.
    pub fn damaged(&self) -> bool {
        self.summary.captures.iter().any(|c| c.damaged)
    }
    /// Some capture could not be read at all (missing, not a capture).
    pub fn failed(&self) -> bool {
        self.summary
            .captures
            .iter()
            .any(|c| c.error.is_some() && !c.damaged)
    }
}

/// A capture starting more than this after the previous one ended does not continue it.
const SEGMENT_GAP: Micros = 3_600_000_000;

const BATCH_PACKETS: usize = 2048;
const BATCH_BYTES: usize = 2 * 1024 * 1024;

/// Symmetric hash of what both directions of a flow share: the address pair (or the MAC
/// pair for non-IP frames) and the VLAN tags.
fn shard_key(link: Option<LinkType>, data: &[u8]) -> u64 {
    let Some(link) = link else { return 0 };
    if link == LinkType::Ethernet {
        if let Some(key) = ethernet_ip_shard_key(data) {
            return key;
        }
    }
    let Ok(frame) = decode_frame(link, data) else {
        return 0;
    };
    match frame.network {
        Network::Ip(ip) => address_pair_key(frame.vlans.key(), ip.src, ip.dst),
        _ => {
            let mut h = rustc_hash::FxHasher::default();
            frame.vlans.key().hash(&mut h);
            let (a, b) = (
                frame.src_mac.unwrap_or_default(),
                frame.dst_mac.unwrap_or_default(),
            );
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            a.hash(&mut h);
            b.hash(&mut h);
            h.finish()
        }
    }
}

fn address_pair_key(vlans: u32, a: IpAddr, b: IpAddr) -> u64 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut h = rustc_hash::FxHasher::default();
    vlans.hash(&mut h);
    lo.hash(&mut h);
    hi.hash(&mut h);
    h.finish()
}

/// [`shard_key`] of an Ethernet frame carrying IPv4 or IPv6 behind at most two VLAN tags,
/// read straight from the header fields: the reader does this for every packet, and the
/// workers decode the frame in full anyway. It gives the full decoder's key (the VLAN tags
/// as `VlanTags::key`, the addresses as decoded); `None` leaves the frame to the decoder.
fn ethernet_ip_shard_key(data: &[u8]) -> Option<u64> {
    let mut ty = u16::from_be_bytes([*data.get(12)?, *data.get(13)?]);
    let mut at = 14;
    let mut vlans = 0u32;
    for shift in [16, 0] {
        if !matches!(ty, ethertype::VLAN | ethertype::QINQ | ethertype::QINQ_OLD) {
            break;
        }
        let tci = data.get(at..at + 4)?;
        vlans |= u32::from(u16::from_be_bytes([tci[0], tci[1]]) & 0x0fff) << shift;
        ty = u16::from_be_bytes([tci[2], tci[3]]);
        at += 4;
    }
    let (src, dst) = match ty {
        ethertype::IPV4 => {
            let h = data.get(at..at + 20)?;
            // What the decoder would turn down (another version, a header under 20 bytes)
            // goes to it, so that both agree.
            if h[0] >> 4 != 4 || h[0] & 0x0f < 5 {
                return None;
            }
            let octets = |i: usize| [h[i], h[i + 1], h[i + 2], h[i + 3]];
            (IpAddr::from(octets(12)), IpAddr::from(octets(16)))
        }
        ethertype::IPV6 => {
            let h = data.get(at..at + 40)?;
            if h[0] >> 4 != 6 {
                return None;
            }
            let bytes = |i: usize| -> [u8; 16] { h[i..i + 16].try_into().expect("16 bytes") };
            (IpAddr::from(bytes(8)), IpAddr::from(bytes(24)))
        }
        _ => return None,
    };
    Some(address_pair_key(vlans, src, dst))
}

/// What the reader sends a worker.
pub(crate) enum WorkerMsg {
    Packets(Batch),
    /// The next capture does not continue this one in time: end every flow now, so that
    /// unrelated captures never share a flow.
    EndOfSegment,
}

struct Shard {
    work: Sender<WorkerMsg>,
    free: Receiver<Batch>,
    current: Batch,
}

impl Shard {
    fn push(&mut self, meta: PacketMeta, data: &[u8]) {
        let start = self.current.data.len() as u32;
        self.current.data.extend_from_slice(data);
        self.current.packets.push(PacketMeta {
            start,
            len: data.len() as u32,
            ..meta
        });
        if self.current.packets.len() >= BATCH_PACKETS || self.current.data.len() >= BATCH_BYTES {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.current.packets.is_empty() {
            return;
        }
        let mut next = self.free.try_recv().unwrap_or_default();
        next.data.clear();
        next.packets.clear();
        let full = std::mem::replace(&mut self.current, next);
        // A worker only goes away by panicking; its error surfaces at join.
        let _ = self.work.send(WorkerMsg::Packets(full));
    }

    fn end_segment(&mut self) {
        self.flush();
        let _ = self.work.send(WorkerMsg::EndOfSegment);
    }
}

/// Analyses the inputs. Damage and unreadable files are recorded in the summary, not
/// returned as errors: what was valid is kept.
pub fn analyze(inputs: &[Input], opts: &AnalyzeOptions, progress: &dyn Progress) -> Analysis {
    let threads = opts.threads.clamp(1, 64);
    let captures: Arc<Vec<String>> = Arc::new(inputs.iter().map(Input::name).collect());
    let shared = Arc::new(opts.clone());

    let mut summaries = Vec::new();
    let mut quality = CaptureQuality::default();
    let started = std::time::Instant::now();
    let outputs: Vec<WorkerOutput> = std::thread::scope(|scope| {
        let mut shards = Vec::new();
        let mut handles = Vec::new();
        for _ in 0..threads {
            let (work_tx, work_rx) = bounded::<WorkerMsg>(4);
            let (free_tx, free_rx) = bounded::<Batch>(8);
            let mut worker = Worker::new(shared.clone(), captures.clone());
            handles.push(scope.spawn(move || {
                for msg in work_rx {
                    match msg {
                        WorkerMsg::Packets(batch) => {
                            worker.process_batch(&batch);
                            let _ = free_tx.try_send(batch);
                        }
                        WorkerMsg::EndOfSegment => worker.end_segment(),
                    }
                }
                worker.finish()
            }));
            shards.push(Shard {
                work: work_tx,
                free: free_rx,
                current: Batch::default(),
            });
        }

        let mut previous_last: Option<Micros> = None;
        for (index, input) in inputs.iter().enumerate() {
            let summary = read_capture(
                index as u32,
                input,
                &mut shards,
                threads,
                &mut quality,
                progress,
                &mut previous_last,
            );
            summaries.push(summary);
        }
        for shard in &mut shards {
            shard.flush();
        }
        drop(shards);
        handles
            .into_iter()
            .map(|h| h.join().expect("analysis worker panicked"))
            .collect()
    });

    let dissected = started.elapsed();
    let mut analysis = merge(outputs, summaries, quality, captures, opts, threads);
    analysis
        .summary
        .stage_seconds
        .insert("read_and_dissect", dissected.as_secs_f64());
    analysis
}

fn read_capture(
    index: u32,
    input: &Input,
    shards: &mut [Shard],
    threads: usize,
    quality: &mut CaptureQuality,
    progress: &dyn Progress,
    previous_last: &mut Option<Micros>,
) -> CaptureSummary {
    let name = input.name();
    let mut summary = CaptureSummary {
        path: name.clone(),
        file_bytes: 0,
        compressed: false,
        packets: 0,
        bytes: 0,
        first_ts: None,
        last_ts: None,
        linktypes: Vec::new(),
        warnings: Vec::new(),
        error: None,
        damaged: false,
    };
    let (opened, total) = match input {
        Input::File(p) => (
            CaptureReader::open(p),
            std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
        ),
        Input::Memory { name, bytes } => (
            CaptureReader::from_bytes(name, bytes.clone()),
            bytes.len() as u64,
        ),
    };
    let mut reader = match opened {
        Ok(r) => r,
        Err(e) => {
            summary.damaged = e.is_damage();
            summary.error = Some(e.to_string());
            return summary;
        }
    };
    summary.compressed = reader.is_compressed();
    summary.file_bytes = total;
    progress.start_file(&name, total);
    let counter = reader.progress_counter();
    let (mut first, mut prev) = (None::<Micros>, None::<Micros>);
    let mut cached_link: Option<(u32, Option<LinkType>)> = None;
    loop {
        let packet = match reader.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) => {
                summary.damaged = matches!(
                    e,
                    CaptureError::Truncated { .. } | CaptureError::Corrupt { .. }
                );
                summary.error = Some(e.to_string());
                break;
            }
        };
        summary.packets += 1;
        summary.bytes += packet.data.len() as u64;
        if !summary.linktypes.contains(&packet.linktype) {
            summary.linktypes.push(packet.linktype);
            if LinkType::from_linktype(packet.linktype).is_none() {
                summary.warnings.push(format!(
                    "{name}: link type {} ({}) is not decoded by otwatch; its packets are counted as dropped \
                     (unsupported_linktype_{}); convert the capture to Ethernet or Linux cooked (editcap -T) to \
                     analyse them",
                    packet.linktype,
                    otwatch_wire::link::linktype_name(packet.linktype),
                    packet.linktype
                ));
            }
        }
        if let Some(p) = prev {
            let backwards = packet.ts_micros < p;
            let jump = packet.ts_micros - p > 3_600_000_000;
            if backwards || jump {
                if backwards {
                    quality.timestamps_backwards += 1;
                } else {
                    quality.timestamp_jumps += 1;
                }
                if quality.timestamp_examples.len() < 10 {
                    let what = if backwards {
                        "goes back"
                    } else {
                        "jumps over an hour"
                    };
                    quality
                        .timestamp_examples
                        .push(format!("{name} frame {}: time {what}", packet.frame_number));
                }
            }
        }
        if first.is_none() {
            first = Some(packet.ts_micros);
            // Rotated files of one recording continue each other; anything else starts over.
            if let Some(last) = *previous_last {
                if packet.ts_micros < last || packet.ts_micros - last > SEGMENT_GAP {
                    for shard in shards.iter_mut() {
                        shard.end_segment();
                    }
                }
            }
        }
        prev = Some(prev.map_or(packet.ts_micros, |p| p.max(packet.ts_micros)));
        let shard = if threads == 1 {
            0
        } else {
            let link = match cached_link {
                Some((lt, l)) if lt == packet.linktype => l,
                _ => {
                    let l = LinkType::from_linktype(packet.linktype);
                    cached_link = Some((packet.linktype, l));
                    l
                }
            };
            (shard_key(link, packet.data) % threads as u64) as usize
        };
        let meta = PacketMeta {
            start: 0,
            len: 0,
            ts: packet.ts_micros,
            frame: packet.frame_number,
            capture: index,
            linktype: packet.linktype,
        };
        shards[shard].push(meta, packet.data);
        if summary.packets.is_multiple_of(8192) {
            progress.advance(counter.load(std::sync::atomic::Ordering::Relaxed));
        }
    }
    progress.advance(counter.load(std::sync::atomic::Ordering::Relaxed));
    progress.finish_file();
    if prev.is_some() {
        *previous_last = prev;
    }
    summary.first_ts = first.map(iso_time);
    summary.last_ts = prev.map(iso_time);
    summary
}

fn merge(
    outputs: Vec<WorkerOutput>,
    captures_summary: Vec<CaptureSummary>,
    mut quality: CaptureQuality,
    captures: Arc<Vec<String>>,
    opts: &AnalyzeOptions,
    threads: usize,
) -> Analysis {
    let merge_started = std::time::Instant::now();
    let mut counters = Counters::default();
    // Sized up front, and the first worker's observations taken as they are: merging
    // copies of everything at the end would be the run's peak of memory.
    let mut flows = Vec::with_capacity(outputs.iter().map(|o| o.flows.len()).sum());
    let mut events = Vec::with_capacity(outputs.iter().map(|o| o.events.len()).sum());
    let mut events_seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut obs: Option<Observations> = None;
    for out in outputs {
        counters.add(&out.counters);
        flows.extend(out.flows);
        events.extend(out.events);
        for (kind, n) in out.events_seen {
            *events_seen.entry(kind).or_default() += n;
        }
        match obs.as_mut() {
            None => obs = Some(out.observations),
            Some(o) => o.merge_in_parallel(out.observations),
        }
    }
    let obs = obs.unwrap_or_default();
    flows.sort_by(|a, b| {
        (
            a.first_ts, a.orig_h, a.orig_p, a.resp_h, a.resp_p, a.ip_proto, a.vlan,
        )
            .cmp(&(
                b.first_ts, b.orig_h, b.orig_p, b.resp_h, b.resp_p, b.ip_proto, b.vlan,
            ))
    });
    let (events, events_not_kept) =
        events::merge_events(events, &events_seen, opts.max_events_per_kind);
    if !events_not_kept.is_empty() {
        *counters.dropped.entry("event_limit".into()).or_default() +=
            events_not_kept.values().sum::<u64>();
    }

    // The workers are done: identity fusion may use as many threads as they did.
    let inventory_opts = otwatch_inventory::InventoryOptions {
        threads: opts.threads,
        ..opts.inventory.clone()
    };
    let merged = merge_started.elapsed();
    let inventory_started = std::time::Instant::now();
    let inventory = otwatch_inventory::build(obs, &flows, &captures, &opts.site, &inventory_opts);
    let stage_seconds = BTreeMap::from([
        ("merge", merged.as_secs_f64()),
        ("inventory", inventory_started.elapsed().as_secs_f64()),
    ]);

    let mut protocols: BTreeMap<String, ProtocolTally> = BTreeMap::new();
    for f in &flows {
        let key = f
            .service
            .clone()
            .unwrap_or_else(|| format!("(unidentified {})", f.transport.as_str()));
        let t = protocols.entry(key).or_insert(ProtocolTally {
            flows: 0,
            packets: 0,
            bytes: 0,
            flows_by_port_only: 0,
        });
        t.flows += 1;
        t.packets += f.orig_pkts + f.resp_pkts;
        t.bytes += f.orig_ip_bytes + f.resp_ip_bytes;
        if f.service_identified_by == Some(otwatch_model::IdentifiedBy::Port) {
            t.flows_by_port_only += 1;
        }
    }
    quality.duplicate_frames_removed = counters
        .dropped
        .get("duplicate_frame")
        .copied()
        .unwrap_or(0);
    quality.tcp_one_sided_flows = flows
        .iter()
        .filter(|f| {
            f.transport == TransportProto::Tcp
                && (f.orig_pkts == 0 || f.resp_pkts == 0)
                && f.conn_state != "S0"
        })
        .count() as u64;
    quality.tcp_gap_bytes = counters.reassembly.gap_bytes;
    quality.tcp_acked_unseen_bytes = counters.reassembly.acked_unseen_bytes;
    quality.capture_loss_percent = if counters.tcp_acks > 0 {
        (counters.tcp_acks_revealing_gaps as f64 * 100.0 / counters.tcp_acks as f64 * 1000.0)
            .round()
            / 1000.0
    } else {
        0.0
    };
    let errors = captures_summary
        .iter()
        .filter_map(|c| c.error.clone())
        .collect();
    let mut warnings: Vec<String> = captures_summary
        .iter()
        .flat_map(|c| c.warnings.clone())
        .collect();
    if !events_not_kept.is_empty() {
        let listed: Vec<String> = events_not_kept
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        warnings.push(format!(
            "notable events beyond the earliest {} of a kind were counted but not kept ({}); \
             raise limits.max_events_per_kind in the configuration to keep more",
            opts.max_events_per_kind,
            listed.join(", ")
        ));
    }
    let summary = Summary {
        schema: "otwatch.summary/1",
        otwatch_version: env!("CARGO_PKG_VERSION"),
        threads,
        stage_seconds,
        captures: captures_summary,
        packets: counters.packets,
        bytes: counters.bytes,
        flows: flows.len() as u64,
        assets: inventory.assets.len() as u64,
        edges: inventory.edges.len() as u64,
        protocols,
        ip_packets: counters.ip_packets,
        tcp_packets: counters.tcp_packets,
        udp_packets: counters.udp_packets,
        icmp_packets: counters.icmp_packets,
        arp_packets: counters.arp_packets,
        non_ip_packets: counters.non_ip_packets,
        link_protocols: counters.link_protocols.clone(),
        cyclic_streams: counters.cyclic_streams.clone(),
        malformed: counters
            .malformed
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        dropped: counters.dropped.clone(),
        capture_quality: quality,
        reassembly: counters.reassembly,
        flow_table: counters.flow_table,
        errors,
        warnings,
    };
    Analysis {
        summary,
        flows,
        inventory,
        events,
        captures: captures.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both directions of a conversation land on one worker, and the header-field path gives
    /// the full decoder's key, with and without VLAN tags, over IPv4 and IPv6.
    #[test]
    fn both_directions_share_a_shard() {
        fn frame(tags: &[u16], v6: bool, swap: bool) -> Vec<u8> {
            let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
            for t in tags {
                f.extend([0x81, 0x00]);
                f.extend(t.to_be_bytes());
            }
            let (a, b): (Vec<u8>, Vec<u8>) = if v6 {
                ((1..=16).collect(), (101..=116).collect())
            } else {
                (vec![10, 0, 0, 1], vec![10, 0, 0, 2])
            };
            let (src, dst) = if swap { (b, a) } else { (a, b) };
            if v6 {
                f.extend([0x86, 0xdd, 0x60, 0, 0, 0, 0, 20, 6, 64]);
            } else {
                f.extend([0x08, 0x00, 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0]);
            }
            f.extend(src);
            f.extend(dst);
            // A bare TCP header: ports, sequence numbers, data offset 5.
            f.extend([
                0, 80, 0, 81, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
            ]);
            f
        }
        for tags in [&[][..], &[7][..], &[7, 300][..]] {
            for v6 in [false, true] {
                let there = frame(tags, v6, false);
                let back = frame(tags, v6, true);
                let fast = ethernet_ip_shard_key(&there).expect("read from the headers");
                assert_eq!(Some(fast), ethernet_ip_shard_key(&back), "{tags:?} v6 {v6}");
                // The decoder's key: the header-field path changes no assignment.
                let decoded = match decode_frame(LinkType::Ethernet, &there).unwrap() {
                    Frame {
                        network: Network::Ip(ip),
                        vlans,
                        ..
                    } => address_pair_key(vlans.key(), ip.src, ip.dst),
                    other => panic!("not IP: {other:?}"),
                };
                assert_eq!(fast, decoded, "{tags:?} v6 {v6}");
            }
        }
        let other_vlan = ethernet_ip_shard_key(&frame(&[8], false, false));
        assert_ne!(
            other_vlan,
            ethernet_ip_shard_key(&frame(&[7], false, false))
        );
        // Too short to hold the addresses: the full decoder decides.
        assert_eq!(ethernet_ip_shard_key(&frame(&[], false, false)[..30]), None);
    }

    /// The `small-plant` scenario that `otwatch demo` runs.
    fn small_plant() -> Vec<u8> {
        let scenario = otwatch_sim::builtin::builtin("small-plant")
            .expect("built in")
            .expect("valid");
        let mut bytes = Vec::new();
        otwatch_sim::engine::generate(&scenario, &mut bytes, Default::default())
            .expect("generates");
        bytes
    }

    fn demo() -> Input {
        Input::Memory {
            name: "demo.pcap".into(),
            bytes: small_plant(),
        }
    }

    fn with_threads(n: usize) -> AnalyzeOptions {
        AnalyzeOptions {
            threads: n,
            ..AnalyzeOptions::default()
        }
    }

    #[test]
    fn demo_plant_is_understood() {
        let a = analyze(&[demo()], &with_threads(1), &Silent);
        assert_eq!(a.summary.malformed.len(), 0, "{:?}", a.summary.malformed);
        assert!(a.summary.packets > 1000);
        let modbus: Vec<_> = a
            .flows
            .iter()
            .filter(|f| f.service.as_deref() == Some("modbus"))
            .collect();
        assert_eq!(
            modbus.len(),
            6,
            "HMI to two PLCs, workstation to PLC-1, and one connection for each of the backup, the operator write and the stop"
        );
        assert!(modbus.iter().all(|f| f.resp_p == 502
            && f.service_identified_by == Some(otwatch_model::IdentifiedBy::Payload)));
        let names: Vec<_> = a
            .inventory
            .assets
            .iter()
            .flat_map(|x| x.hostnames.clone())
            .collect();
        assert!(names.contains(&"HMI-01".to_string()), "{names:?}");
        assert!(names.contains(&"ENG-WS01".to_string()), "{names:?}");
        let writes = a
            .inventory
            .functions
            .iter()
            .find(|f| f.function == "WRITE_SINGLE_REGISTER")
            .expect("operator write");
        assert_eq!(writes.count, 1);
        let plc1 = a
            .inventory
            .assets
            .iter()
            .find(|x| x.ips.contains(&"10.20.1.11".parse().unwrap()))
            .unwrap();
        assert!(plc1.key.starts_with("mac:00:80:f4"));
        assert!(plc1
            .protocols
            .iter()
            .any(|p| p.protocol == "modbus" && p.port == Some(502)));
        // The PLC's own answer to Read Device Identification names it, with its evidence.
        assert_eq!(
            plc1.vendor.as_deref(),
            Some("Schneider Electric"),
            "its own statement beats the OUI"
        );
        let stated = |name: &str| {
            plc1.attributes
                .iter()
                .find(|at| at.name == name)
                .map(|at| at.value.clone())
        };
        assert_eq!(stated("product_code").as_deref(), Some("BMXP342020"));
        assert_eq!(stated("firmware").as_deref(), Some("V3.10"));
        let firmware = plc1
            .attributes
            .iter()
            .find(|at| at.name == "firmware")
            .unwrap();
        assert_eq!(firmware.evidence.protocol, "modbus");
        assert!(firmware.evidence.message.contains("43/14"));
        assert!(a
            .events
            .iter()
            .any(|e| e.kind == "modbus_device_identification"));
        assert!(plc1
            .attributes
            .iter()
            .all(|at| at.evidence.frame > 0 && at.evidence.capture == "demo.pcap"));
    }

    #[test]
    fn results_do_not_depend_on_thread_count() {
        let one = analyze(&[demo()], &with_threads(1), &Silent);
        for n in [2, 4] {
            let many = analyze(&[demo()], &with_threads(n), &Silent);
            assert_eq!(one.flows, many.flows, "flows differ with {n} threads");
            assert_eq!(one.inventory.assets, many.inventory.assets);
            assert_eq!(one.inventory.edges, many.inventory.edges);
            assert_eq!(one.events, many.events);
            assert_eq!(one.summary.malformed, many.summary.malformed);
        }
    }

    #[test]
    fn absurd_interface_time_offset_does_not_overflow() {
        // Found by fuzzing: pcapng interface with a resolution of one second and a time
        // offset of -1 second, then packets with huge raw timestamps.
        let bytes = vec![
            0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0x00, 0x00, 0x00, 0x4d, 0x3c, 0x2b, 0x1a, 0x01, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00,
            0x01, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xff, 0xff,
            0x00, 0x00, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x08, 0x00,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00,
            0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x4c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x24, 0x0a, 0x06, 0x00, 0x00, 0x40, 0x1e, 0x18, 0x2a, 0x00, 0x00, 0x00, 0x2a, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x08, 0x00, 0x45, 0x00, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
            0xc0, 0xa8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x89, 0x00, 0x08,
            0x00, 0x00, 0x00, 0x00, 0x4c, 0x00, 0x00, 0x00,
        ];
        let a = analyze(
            &[Input::Memory {
                name: "fuzz.pcapng".into(),
                bytes,
            }],
            &with_threads(1),
            &Silent,
        );
        assert_eq!(a.summary.captures.len(), 1);
    }

    #[test]
    fn second_mac_in_the_same_flow_direction_is_an_asset_too() {
        use otwatch_sim::frame::ipv4_udp;
        let (a, b) = ([0x00, 0x1b, 0x1b, 1, 1, 1], [0x00, 0x30, 0xde, 2, 2, 2]);
        let dst = [0x00, 0x80, 0xf4, 3, 3, 3];
        let (src_ip, dst_ip) = ("10.0.0.5".parse().unwrap(), "10.0.0.9".parse().unwrap());
        let first = ipv4_udp(
            a,
            dst,
            src_ip,
            dst_ip,
            40000,
            47808,
            1,
            64,
            &[0x81, 0x0a, 0x00, 0x04],
        );
        let second = ipv4_udp(
            b,
            dst,
            src_ip,
            dst_ip,
            40000,
            47808,
            2,
            64,
            &[0x81, 0x0a, 0x00, 0x04],
        );
        let bytes =
            otwatch_sim::pcap::pcap_to_vec([(1_000_000, &first[..]), (2_000_000, &second[..])])
                .unwrap();
        let a = analyze(
            &[Input::Memory {
                name: "two-macs.pcap".into(),
                bytes,
            }],
            &with_threads(1),
            &Silent,
        );
        let macs: Vec<_> = a
            .inventory
            .assets
            .iter()
            .flat_map(|x| x.macs.clone())
            .collect();
        assert!(macs.contains(&"00:1b:1b:01:01:01".to_string()), "{macs:?}");
        assert!(macs.contains(&"00:30:de:02:02:02".to_string()), "{macs:?}");
    }

    #[test]
    fn damaged_capture_keeps_what_came_before() {
        let mut bytes = small_plant();
        let full = bytes.len();
        bytes.truncate(full / 2 + 3);
        let a = analyze(
            &[Input::Memory {
                name: "cut.pcap".into(),
                bytes,
            }],
            &with_threads(2),
            &Silent,
        );
        assert!(a.damaged());
        assert!(a.summary.packets > 100);
        assert!(
            a.summary.errors[0].contains("cut.pcap"),
            "{:?}",
            a.summary.errors
        );
        assert!(
            a.summary.errors[0].contains("byte offset"),
            "{:?}",
            a.summary.errors
        );
    }
}
