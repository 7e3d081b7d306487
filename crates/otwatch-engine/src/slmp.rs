//! MELSEC SLMP / MC protocol (binary 3E and 4E frames) on one flow, over TCP or UDP:
//! each request's command counted per edge with the devices it addressed, commands that
//! change the CPU (remote run, stop, pause, latch clear, reset, device writes, file and
//! password-lock changes) reported as events, and the CPU model a Read Type Name answer
//! gives recorded in the inventory.

use crate::app::Ctx;
use crate::framing::{Framer, MessageLength};
use crate::reported::digest;
use otwatch_dissect::slmp::{self, Frame};
use otwatch_inventory::Subject;

const PROTOCOL: &str = "slmp";
const MAX_CARRY: usize = slmp::MAX_FRAME;
const MAX_REPORTED: usize = 16;
/// Requests awaiting an answer, to know what an answer is to; beyond it the oldest is
/// forgotten and counted.
const MAX_OPEN: usize = 16;

struct SlmpLength;

impl MessageLength for SlmpLength {
    /// A 3E answer without data is eleven bytes; its length is known after nine.
    const HEADER: usize = 9;
    fn total(header: &[u8]) -> Option<usize> {
        match slmp::frame_len(header) {
            Some(n) => Some(n),
            // A 4E frame states its length only after thirteen bytes: it is at least that
            // long, so wait for them.
            None if matches!(header, [0x54 | 0xd4, 0x00, ..]) && header.len() < 13 => Some(13),
            None => None,
        }
    }
}

#[derive(Debug, Default)]
pub struct SlmpFlow {
    framer: Framer,
    state: FlowState,
}

#[derive(Debug, Default)]
struct FlowState {
    /// Commands of requests not yet answered, with their 4E serial number (3E answers
    /// come in order).
    open: Vec<(Option<u16>, u16)>,
    limit_hits: u64,
    reported: crate::reported::Reported<u64>,
}

impl SlmpFlow {
    pub fn gap(&mut self) {
        self.framer.gap();
        self.state.open.clear();
    }

    pub fn pending_limit_hits(&self) -> u64 {
        self.state.limit_hits
    }

    pub fn chunk(&mut self, side: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        let Self { framer, state } = self;
        framer.feed::<SlmpLength>(side, data, MAX_CARRY, |bytes| {
            if let Ok(f) = slmp::parse(bytes) {
                state.frame(&f, ctx);
            }
        });
    }

    pub fn datagram(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        match slmp::parse(data) {
            Ok(f) => self.state.frame(&f, ctx),
            Err(e) => ctx.event(PROTOCOL, "slmp_malformed".into(), e.to_string()),
        }
    }
}

impl FlowState {
    fn frame(&mut self, f: &Frame<'_>, ctx: &mut Ctx<'_>) {
        match *f {
            Frame::Request {
                serial,
                command,
                subcommand,
                data,
                network,
                station,
            } => {
                ctx.obs.function(
                    ctx.src,
                    ctx.dst,
                    PROTOCOL,
                    command,
                    || function_label(command),
                    ctx.ev.ts,
                );
                let range = if matches!(command, slmp::CMD_BATCH_READ | slmp::CMD_BATCH_WRITE) {
                    slmp::batch_range(subcommand, data)
                } else {
                    None
                };
                if let Some((device, start, points)) = range {
                    ctx.obs.function_addresses(
                        ctx.src,
                        ctx.dst,
                        PROTOCOL,
                        command,
                        device,
                        u64::from(start),
                        u64::from(start) + u64::from(points.max(1)) - 1,
                    );
                }
                if self.open.len() >= MAX_OPEN {
                    self.open.remove(0);
                    self.limit_hits += 1;
                }
                self.open.push((serial, command));
                if slmp::is_notable(command) {
                    let what = range.map_or_else(String::new, |(d, s, n)| {
                        format!(" of {n} points from {d}{s}")
                    });
                    let detail = format!(
                        "{}{what} (network {network}, station {station})",
                        function_label(command)
                    );
                    let d = digest([&command.to_le_bytes(), data]);
                    if self.reported.first(d, MAX_REPORTED) {
                        let kind = match command {
                            slmp::CMD_REMOTE_RUN
                            | slmp::CMD_REMOTE_STOP
                            | slmp::CMD_REMOTE_PAUSE
                            | slmp::CMD_REMOTE_RESET
                            | slmp::CMD_REMOTE_LATCH_CLEAR => "slmp_remote_control",
                            0x1401 | 0x1402 | 0x1406 => "slmp_write",
                            _ => "slmp_command",
                        };
                        ctx.event(PROTOCOL, kind.into(), detail);
                    }
                }
            }
            Frame::Response {
                serial,
                end_code,
                data,
                ..
            } => {
                let at = match serial {
                    Some(s) => self.open.iter().position(|(o, _)| *o == Some(s)),
                    None => (!self.open.is_empty()).then_some(0),
                };
                let Some(i) = at else {
                    return;
                };
                let (_, command) = self.open.remove(i);
                if command != slmp::CMD_READ_TYPE_NAME || end_code != 0 {
                    return;
                }
                if let Some((model, code)) = slmp::type_name(data) {
                    let message = format!("SLMP Read Type Name answer (model code 0x{code:04x})");
                    let subject = Subject::Ip(ctx.src);
                    ctx.obs.attribute(
                        subject,
                        "vendor",
                        "Mitsubishi Electric",
                        PROTOCOL,
                        &message,
                        0.9,
                        ctx.ev,
                    );
                    ctx.obs
                        .attribute(subject, "model", &model, PROTOCOL, &message, 1.0, ctx.ev);
                }
            }
        }
    }
}

/// The label of an SLMP command in the function aggregates.
pub fn function_label(command: u16) -> String {
    slmp::command_name(command).map_or_else(|| format!("Command 0x{command:04x}"), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;

    // Remote Stop and a Read Type Name exchange in 3E frames, laid out as the SLMP
    // reference manual describes them.
    #[test]
    fn remote_stop_is_an_event_and_type_name_the_model() {
        let mut t = TestFlow::new(("10.0.0.5", 50000), ("10.0.0.9", 5007));
        let mut f = SlmpFlow::default();
        let stop = [
            0x50, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0x08, 0x00, 0x10, 0x00, 0x02, 0x10, 0x00,
            0x00, 0x01, 0x00,
        ];
        f.chunk(0, &stop, &mut t.ctx(true, 1, 1));
        assert_eq!(t.events[0].kind, "slmp_remote_control");
        assert!(t.events[0].detail.starts_with("Remote Stop"));
        let ask = [
            0x50, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0x06, 0x00, 0x10, 0x00, 0x01, 0x01, 0x00,
            0x00,
        ];
        f.chunk(0, &ask, &mut t.ctx(true, 2, 2));
        let mut answer = vec![
            0xd0, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0x14, 0x00, 0x00, 0x00,
        ];
        answer.extend(b"R04CPU          ");
        answer.extend([0x41, 0x48]);
        // The stop's answer (end code 0, no data) comes first.
        f.chunk(
            1,
            &[
                0xd0, 0x00, 0x00, 0xff, 0xff, 0x03, 0x00, 0x02, 0x00, 0x00, 0x00,
            ],
            &mut t.ctx(false, 3, 3),
        );
        f.chunk(1, &answer, &mut t.ctx(false, 4, 4));
        let obs = format!("{:?}", t.obs);
        assert!(obs.contains("R04CPU"), "{obs}");
    }
}
