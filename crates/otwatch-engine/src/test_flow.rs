//! A flow for the protocol modules' tests: what a dissector's context borrows (observations,
//! events, log rows) held in one place, and a context for each message handed out from it.

use crate::app::{ConnRef, Ctx};
use otwatch_flow::FlowKey;
use otwatch_inventory::{EvidenceRef, Observations};
use otwatch_model::logs::LogRow;
use otwatch_model::{Micros, ProtocolEvent};
use std::net::IpAddr;

pub struct TestFlow {
    pub obs: Observations,
    pub events: Vec<ProtocolEvent>,
    pub rows: Vec<LogRow>,
    /// Rows are collected (transaction logs asked for).
    pub logging: bool,
    pub max_events: usize,
    dropped: u64,
    key: FlowKey,
    orig: (IpAddr, u16),
    resp: (IpAddr, u16),
}

impl TestFlow {
    /// A TCP flow from `orig` to `resp`, with logging on.
    pub fn new(orig: (&str, u16), resp: (&str, u16)) -> Self {
        let orig = (orig.0.parse().expect("address"), orig.1);
        let resp = (resp.0.parse().expect("address"), resp.1);
        Self {
            obs: Observations::default(),
            events: Vec::new(),
            rows: Vec::new(),
            logging: true,
            max_events: 100,
            dropped: 0,
            key: FlowKey::new(0, 6, orig, resp),
            orig,
            resp,
        }
    }

    /// The context of a message in the given direction, seen at `frame` and time `ts`.
    pub fn ctx(&mut self, from_orig: bool, frame: u64, ts: Micros) -> Ctx<'_> {
        let (src, dst) = if from_orig {
            (self.orig.0, self.resp.0)
        } else {
            (self.resp.0, self.orig.0)
        };
        Ctx {
            obs: &mut self.obs,
            events: &mut self.events,
            events_dropped: &mut self.dropped,
            max_events: self.max_events,
            event_store: None,
            ev: EvidenceRef {
                ts,
                capture: 0,
                frame,
            },
            capture_name: "t",
            src,
            dst,
            src_mac: None,
            conn: ConnRef {
                key: &self.key,
                first_ts: 1,
                orig: self.orig,
                resp: self.resp,
            },
            from_orig,
            logs: self.logging.then_some(&mut self.rows),
        }
    }
}
