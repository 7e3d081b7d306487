//! IEC 61850 GOOSE and Sampled Values, and PROFINET real-time cyclic frames: the layer-2
//! traffic of substations and PROFINET cells, seen by the worker's frame path.
//!
//! A GOOSE publisher (by MAC, APPID and control block) is remembered with its last state
//! number: the first message makes it known to the inventory and the events, a new
//! `stNum` is a state change (something tripped, opened, closed), and the test or
//! simulation flag is reported once per publisher. A Sampled Values stream is recognised
//! by its svID. PROFINET RT cyclic frames (frame ids 0x0100–0xFBFF) are only counted per
//! sender and receiver MAC: they repeat every few milliseconds and say nothing per frame.
//!
//! The state is bounded: beyond [`MAX_PUBLISHERS`] publishers or [`MAX_CYCLIC_PAIRS`]
//! MAC pairs, new ones are counted as dropped instead of remembered.

use crate::app::EventSink;
use otwatch_dissect::goose;
use otwatch_inventory::{EvidenceRef, Observations, Subject};
use std::collections::{BTreeMap, HashMap};

pub const MAX_PUBLISHERS: usize = 4096;
pub const MAX_CYCLIC_PAIRS: usize = 1024;
/// State changes reported one by one per publisher. Interlocking and measurement
/// datasets can change many times a second; past this, changes are counted (summary
/// `dropped.goose_state_change_not_reported`) and the publisher is reported as chattering.
pub const MAX_STATE_CHANGE_EVENTS: u32 = 16;

#[derive(Debug, Default)]
pub struct L2State {
    publishers: HashMap<([u8; 6], u16, String), Publisher>,
    sv_streams: HashMap<([u8; 6], u16, String), ()>,
    /// PROFINET RT cyclic frames per "sender > receiver" MAC pair.
    pub cyclic: BTreeMap<String, u64>,
    /// State changes counted but not reported (beyond [`MAX_STATE_CHANGE_EVENTS`]).
    pub state_changes_not_reported: u64,
}

#[derive(Debug)]
struct Publisher {
    st_num: u32,
    state_changes: u32,
    conf_rev: u32,
    test_reported: bool,
}

/// What a frame handler reports back to the worker's counters.
pub enum Outcome {
    Handled,
    Malformed(&'static str),
    /// State was full; the reason is counted as a drop.
    Dropped(&'static str),
}

fn mac_text(mac: &[u8; 6]) -> String {
    otwatch_wire::format_mac(*mac)
}

impl L2State {
    pub fn goose(
        &mut self,
        payload: &[u8],
        src_mac: [u8; 6],
        ev: EvidenceRef,
        obs: &mut Observations,
        sink: &mut EventSink<'_>,
    ) -> Outcome {
        let g = match goose::parse_goose(payload) {
            Ok(g) => g,
            Err(e) => return Outcome::Malformed(e.reason),
        };
        let key = (src_mac, g.appid, g.gocb_ref.clone());
        let mac = mac_text(&src_mac);
        let flags = match (g.test, g.simulated) {
            (false, false) => String::new(),
            (t, s) => format!(
                " ({}{}{})",
                if t { "test" } else { "" },
                if t && s { ", " } else { "" },
                if s { "simulated" } else { "" }
            ),
        };
        let full = self.publishers.len() >= MAX_PUBLISHERS;
        match self.publishers.get_mut(&key) {
            Some(p) => {
                if p.st_num != g.st_num && p.state_changes >= MAX_STATE_CHANGE_EVENTS {
                    p.st_num = g.st_num;
                    self.state_changes_not_reported += 1;
                } else if p.st_num != g.st_num {
                    p.state_changes += 1;
                    sink.push(
                        ev,
                        "iec61850_goose",
                        "goose_state_change",
                        format!(
                            "{mac} {} stNum {} -> {} (sqNum {}, dataset {}){flags}",
                            g.gocb_ref, p.st_num, g.st_num, g.sq_num, g.dat_set
                        ),
                    );
                    if p.state_changes == MAX_STATE_CHANGE_EVENTS {
                        sink.push(
                            ev,
                            "iec61850_goose",
                            "goose_chattering",
                            format!(
                                "{mac} {} changed state {MAX_STATE_CHANGE_EVENTS} times; further changes are counted, not reported",
                                g.gocb_ref
                            ),
                        );
                    }
                    p.st_num = g.st_num;
                }
                if p.conf_rev != g.conf_rev {
                    sink.push(
                        ev,
                        "iec61850_goose",
                        "goose_configuration_change",
                        format!(
                            "{mac} {} confRev {} -> {}",
                            g.gocb_ref, p.conf_rev, g.conf_rev
                        ),
                    );
                    p.conf_rev = g.conf_rev;
                }
                if (g.test || g.simulated) && !p.test_reported {
                    p.test_reported = true;
                    test_event(&g, &mac, &flags, ev, sink);
                }
                Outcome::Handled
            }
            None if full => Outcome::Dropped("goose_publisher_limit"),
            None => {
                let message = "GOOSE message";
                let subject = Subject::Mac(src_mac);
                obs.attribute(
                    subject,
                    "goose_control_block",
                    &g.gocb_ref,
                    "iec61850_goose",
                    message,
                    1.0,
                    ev,
                );
                obs.attribute(
                    subject,
                    "goose_dataset",
                    &g.dat_set,
                    "iec61850_goose",
                    message,
                    1.0,
                    ev,
                );
                if let Some(id) = &g.go_id {
                    obs.attribute(subject, "goose_id", id, "iec61850_goose", message, 1.0, ev);
                }
                sink.push(
                    ev,
                    "iec61850_goose",
                    "goose_publisher",
                    format!(
                        "{mac} publishes {} appid 0x{:04x} dataset {} goID {:?} confRev {} stNum {} sqNum {} ndsCom {}{flags}",
                        g.gocb_ref,
                        g.appid,
                        g.dat_set,
                        g.go_id.as_deref().unwrap_or(""),
                        g.conf_rev,
                        g.st_num,
                        g.sq_num,
                        g.nds_com,
                    ),
                );
                if g.test || g.simulated {
                    test_event(&g, &mac, &flags, ev, sink);
                }
                self.publishers.insert(
                    key,
                    Publisher {
                        st_num: g.st_num,
                        state_changes: 0,
                        conf_rev: g.conf_rev,
                        test_reported: g.test || g.simulated,
                    },
                );
                Outcome::Handled
            }
        }
    }

    pub fn sampled_values(
        &mut self,
        payload: &[u8],
        src_mac: [u8; 6],
        ev: EvidenceRef,
        obs: &mut Observations,
        sink: &mut EventSink<'_>,
    ) -> Outcome {
        let sv = match goose::parse_sampled_values(payload) {
            Ok(sv) => sv,
            Err(e) => return Outcome::Malformed(e.reason),
        };
        let key = (src_mac, sv.appid, sv.sv_id.clone());
        if self.sv_streams.contains_key(&key) {
            return Outcome::Handled;
        }
        if self.sv_streams.len() >= MAX_PUBLISHERS {
            return Outcome::Dropped("sv_stream_limit");
        }
        self.sv_streams.insert(key, ());
        obs.attribute(
            Subject::Mac(src_mac),
            "sv_id",
            &sv.sv_id,
            "iec61850_sv",
            "Sampled Values message",
            1.0,
            ev,
        );
        sink.push(
            ev,
            "iec61850_sv",
            "sv_stream",
            format!(
                "{} publishes sampled values svID {:?} appid 0x{:04x} confRev {}{}",
                mac_text(&src_mac),
                sv.sv_id,
                sv.appid,
                sv.conf_rev,
                if sv.simulated { " (simulated)" } else { "" }
            ),
        );
        Outcome::Handled
    }

    /// A PROFINET frame that is not DCP: cyclic real-time data is counted per MAC pair.
    pub fn profinet_rt(&mut self, payload: &[u8], src: [u8; 6], dst: [u8; 6]) -> Outcome {
        let Some(id) = payload.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]])) else {
            return Outcome::Malformed("pn_frame_truncated");
        };
        if !is_cyclic_frame_id(id) {
            return Outcome::Handled;
        }
        let key = format!("{} > {}", mac_text(&src), mac_text(&dst));
        if let Some(n) = self.cyclic.get_mut(&key) {
            *n += 1;
        } else if self.cyclic.len() >= MAX_CYCLIC_PAIRS {
            return Outcome::Dropped("profinet_rt_pair_limit");
        } else {
            self.cyclic.insert(key, 1);
        }
        Outcome::Handled
    }
}

/// RT class 1–3 and UDP cyclic data frame ids (IEC 61158-6-10, frame id ranges).
pub fn is_cyclic_frame_id(id: u16) -> bool {
    (0x0100..=0xfbff).contains(&id)
}

fn test_event(g: &goose::Goose, mac: &str, flags: &str, ev: EvidenceRef, sink: &mut EventSink<'_>) {
    sink.push(
        ev,
        "iec61850_goose",
        "goose_test_flag",
        format!(
            "{mac} {} is published with the test or simulation flag set{flags}: subscribers in service ignore it",
            g.gocb_ref
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use otwatch_model::ProtocolEvent;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// GOOSE.pcap (ITI IEC 61850 GOOSE captures), frame 1 after the EtherType: stNum 1.
    const F650: &str = "0001009100000000618186801a4745446576696365463635302f4c4c4e3024474f2467636230318103009c4082184745446576696365463635302f4c4c4e3024474f4f534531830b463635305f474f4f5345318408386ebbf34217280a85010186010a8701008801018901008a0108ab208301008403030000830100840303000083010084030300008301008403030000";

    #[test]
    fn state_number_change_and_test_flag_are_events() {
        let mut state = L2State::default();
        let mut obs = Observations::default();
        let mut events: Vec<ProtocolEvent> = Vec::new();
        let mut dropped = 0;
        let mut sink = EventSink {
            events: &mut events,
            dropped: &mut dropped,
            max: 100,
            capture: "t",
        };
        let ev = EvidenceRef {
            ts: 1,
            capture: 0,
            frame: 1,
        };
        let mac = [0x00, 0xa0, 0xf4, 0x08, 0x2f, 0x77];
        let first = hex(F650);
        // stNum (tag 0x85) is at byte 0x5f of the payload; test (0x87) at 0x65.
        assert_eq!(&first[0x5d..0x60], &[0x85, 0x01, 0x01]);
        assert_eq!(&first[0x63..0x66], &[0x87, 0x01, 0x00]);
        let mut changed = first.clone();
        changed[0x5f] = 2;
        changed[0x65] = 1;
        for p in [&first, &first, &changed, &changed] {
            assert!(matches!(
                state.goose(p, mac, ev, &mut obs, &mut sink),
                Outcome::Handled
            ));
        }
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["goose_publisher", "goose_state_change", "goose_test_flag"]
        );
        assert!(
            events[1].detail.contains("stNum 1 -> 2"),
            "{}",
            events[1].detail
        );
    }

    #[test]
    fn a_chattering_publisher_is_reported_once_then_counted() {
        let mut state = L2State::default();
        let mut obs = Observations::default();
        let mut events: Vec<ProtocolEvent> = Vec::new();
        let mut dropped = 0;
        let mut sink = EventSink {
            events: &mut events,
            dropped: &mut dropped,
            max: 1000,
            capture: "t",
        };
        let ev = EvidenceRef {
            ts: 1,
            capture: 0,
            frame: 1,
        };
        let mut frame = hex(F650);
        for st in 1..=40u8 {
            frame[0x5f] = st;
            state.goose(
                &frame,
                [0, 0xa0, 0xf4, 8, 0x2f, 0x77],
                ev,
                &mut obs,
                &mut sink,
            );
        }
        let count = |kind: &str| events.iter().filter(|e| e.kind == kind).count();
        assert_eq!(
            count("goose_state_change"),
            MAX_STATE_CHANGE_EVENTS as usize
        );
        assert_eq!(count("goose_chattering"), 1);
        assert_eq!(
            state.state_changes_not_reported,
            39 - u64::from(MAX_STATE_CHANGE_EVENTS)
        );
    }

    #[test]
    fn cyclic_frames_are_counted_per_pair() {
        let mut state = L2State::default();
        let (a, b) = ([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
        for _ in 0..3 {
            state.profinet_rt(&[0x80, 0x00, 0, 0], a, b);
        }
        state.profinet_rt(&[0xfe, 0xfe, 5, 0], a, b);
        assert_eq!(
            state.cyclic.get("02:00:00:00:00:01 > 02:00:00:00:00:02"),
            Some(&3)
        );
    }
}
