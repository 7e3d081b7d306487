//! TCP endpoint states, connection state labels and history letters as Zeek defines them.

use otwatch_wire::headers::tcp_flags::{ACK, FIN, RST, SYN};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum EndpointState {
    #[default]
    Inactive,
    SynSent,
    SynAckSent,
    /// Seen mid-stream, without its SYN.
    Partial,
    Established,
    Closed,
    Reset,
}

/// Per-connection TCP bookkeeping for `conn.log`: states, history and sequence-space sizes.
#[derive(Debug, Clone, Default)]
pub struct TcpTracker {
    pub orig: EndpointState,
    pub resp: EndpointState,
    history: String,
    /// Which history letters each side has recorded (bit per letter).
    seen_orig: u32,
    seen_resp: u32,
    orig_seq: SeqSpan,
    resp_seq: SeqSpan,
}

/// First and furthest sequence number seen from one side, for Zeek's `orig_bytes`.
#[derive(Debug, Clone, Copy, Default)]
struct SeqSpan {
    start: Option<u32>,
    /// Furthest end of data seen, as an offset from `start` (u64 to survive wrap).
    furthest: u64,
}

impl SeqSpan {
    fn note(&mut self, seq: u32, flags: u8, len: usize) {
        let data_seq = if flags & SYN != 0 {
            seq.wrapping_add(1)
        } else {
            seq
        };
        let start = *self.start.get_or_insert(data_seq);
        if len == 0 {
            return;
        }
        let rel = data_seq.wrapping_sub(start);
        // Data from before the start (a retransmission of older bytes) adds nothing.
        if (rel as i32) < 0 {
            return;
        }
        let end = u64::from(rel) + len as u64;
        if end > self.furthest {
            self.furthest = end;
        }
    }
}

fn letter_bit(letter: u8) -> u32 {
    1 << (letter.to_ascii_lowercase() - b'a')
}

impl TcpTracker {
    fn add_history(&mut self, from_orig: bool, letter: u8) {
        let seen = if from_orig {
            &mut self.seen_orig
        } else {
            &mut self.seen_resp
        };
        let bit = letter_bit(letter);
        if *seen & bit == 0 {
            *seen |= bit;
            let c = if from_orig {
                letter.to_ascii_uppercase()
            } else {
                letter.to_ascii_lowercase()
            };
            self.history.push(c as char);
        }
    }

    /// Records an event outside the flag logic: 'g' gap, 't' retransmission, '^' flip.
    pub fn mark(&mut self, from_orig: bool, letter: u8) {
        if letter == b'^' {
            if !self.history.starts_with('^') {
                self.history.insert(0, '^');
            }
        } else {
            self.add_history(from_orig, letter);
        }
    }

    /// Updates states and history with one segment from one side.
    pub fn segment(&mut self, from_orig: bool, flags: u8, seq: u32, payload_len: usize) {
        if from_orig {
            self.orig_seq.note(seq, flags, payload_len);
        } else {
            self.resp_seq.note(seq, flags, payload_len);
        }
        let syn = flags & SYN != 0;
        let ack = flags & ACK != 0;
        let fin = flags & FIN != 0;
        let rst = flags & RST != 0;
        if syn {
            self.add_history(from_orig, if ack { b'h' } else { b's' });
            if syn && (fin || rst) {
                self.add_history(from_orig, b'i');
            }
        }
        if fin {
            self.add_history(from_orig, b'f');
        }
        if rst {
            self.add_history(from_orig, b'r');
        }
        if payload_len > 0 {
            self.add_history(from_orig, b'd');
        } else if ack && !syn && !fin && !rst {
            self.add_history(from_orig, b'a');
        }

        let (me, peer) = if from_orig {
            (self.orig, self.resp)
        } else {
            (self.resp, self.orig)
        };
        let mut me_next = me;
        let mut peer_next = peer;
        if rst {
            me_next = EndpointState::Reset;
        } else if fin {
            me_next = EndpointState::Closed;
        } else if syn && !ack {
            if matches!(me, EndpointState::Inactive) {
                me_next = EndpointState::SynSent;
            }
        } else if syn && ack {
            if matches!(me, EndpointState::Inactive | EndpointState::SynSent) {
                me_next = EndpointState::SynAckSent;
            }
            // An answer to a SYN establishes both sides, as Zeek reports it ("Sh" is S1).
            if matches!(peer, EndpointState::SynSent) {
                me_next = EndpointState::Established;
                peer_next = EndpointState::Established;
            }
        } else {
            match me {
                EndpointState::Inactive => me_next = EndpointState::Partial,
                EndpointState::SynSent | EndpointState::SynAckSent if ack => {
                    if matches!(peer, EndpointState::SynAckSent | EndpointState::Established) {
                        me_next = EndpointState::Established;
                        peer_next = EndpointState::Established;
                    }
                }
                _ => {}
            }
        }
        if from_orig {
            self.orig = me_next;
            self.resp = peer_next;
        } else {
            self.resp = me_next;
            self.orig = peer_next;
        }
    }

    pub fn history(&self) -> &str {
        &self.history
    }

    pub fn orig_size(&self) -> u64 {
        self.orig_seq.furthest
    }

    pub fn resp_size(&self) -> u64 {
        self.resp_seq.furthest
    }

    /// Both sides finished (FIN or RST): a new SYN on the same ports is a new connection.
    pub fn is_finished(&self) -> bool {
        let done = |s| matches!(s, EndpointState::Closed | EndpointState::Reset);
        (done(self.orig) && done(self.resp))
            || matches!(self.orig, EndpointState::Reset)
            || matches!(self.resp, EndpointState::Reset)
    }

    /// Zeek's `conn_state` for a TCP connection.
    pub fn conn_state(&self) -> &'static str {
        use EndpointState::*;
        let (os, rs) = (self.orig, self.resp);
        let o_inactive = matches!(os, Inactive | Partial);
        let r_inactive = matches!(rs, Inactive | Partial);
        if rs == Reset {
            if matches!(os, SynSent | SynAckSent)
                || (os == Reset && self.orig_size() == 0 && self.resp_size() == 0)
            {
                "REJ"
            } else if o_inactive {
                "RSTRH"
            } else {
                "RSTR"
            }
        } else if os == Reset {
            if r_inactive {
                "RSTOS0"
            } else {
                "RSTO"
            }
        } else if rs == Closed && os == Closed {
            "SF"
        } else if os == Closed {
            if r_inactive {
                "SH"
            } else {
                "S2"
            }
        } else if rs == Closed {
            if o_inactive {
                "SHR"
            } else {
                "S3"
            }
        } else if os == SynSent && rs == Inactive {
            "S0"
        } else if os == Established && rs == Established {
            "S1"
        } else {
            "OTH"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otwatch_wire::headers::tcp_flags::PSH;

    #[test]
    fn full_connection_is_sf_with_zeek_history() {
        let mut t = TcpTracker::default();
        t.segment(true, SYN, 100, 0);
        t.segment(false, SYN | ACK, 500, 0);
        t.segment(true, ACK, 101, 0);
        t.segment(true, ACK | PSH, 101, 12);
        t.segment(false, ACK, 501, 0);
        t.segment(false, ACK | PSH, 501, 9);
        t.segment(true, FIN | ACK, 113, 0);
        t.segment(false, FIN | ACK, 510, 0);
        t.segment(true, ACK, 114, 0);
        assert_eq!(t.history(), "ShADadFf");
        assert_eq!(t.conn_state(), "SF");
        assert_eq!((t.orig_size(), t.resp_size()), (12, 9));
    }

    #[test]
    fn unanswered_syn_is_s0_and_rejected_is_rej() {
        let mut t = TcpTracker::default();
        t.segment(true, SYN, 1, 0);
        assert_eq!(t.conn_state(), "S0");
        t.segment(false, RST | ACK, 0, 0);
        assert_eq!(t.conn_state(), "REJ");
        assert_eq!(t.history(), "Sr");
    }

    #[test]
    fn syn_and_syn_ack_only_is_s1() {
        let mut t = TcpTracker::default();
        t.segment(true, SYN, 1, 0);
        t.segment(false, SYN | ACK, 9, 0);
        assert_eq!(t.conn_state(), "S1");
    }

    #[test]
    fn mid_stream_is_oth() {
        let mut t = TcpTracker::default();
        t.segment(true, ACK | PSH, 1000, 12);
        t.segment(false, ACK | PSH, 9000, 9);
        assert_eq!(t.conn_state(), "OTH");
        assert_eq!(t.history(), "Dd");
    }
}
