//! Beckhoff ADS on one flow: AMS messages cut from the TCP stream (port 48898), and the
//! discovery and route datagrams of UDP 48899. What they reveal: the AMS NetId of each
//! side and the device name and TwinCAT version a ReadDeviceInfo answer gives, the run
//! state ReadState reports (inventory); WriteControl state changes (run, stop, reset,
//! config), writes with their index group, and routes added with a user name and a
//! password in clear (events); the commands each client sends (function counts).

use crate::app::Ctx;
use crate::framing::{Framer, MessageLength};
use crate::reported::digest;
use otwatch_dissect::ads::{self, Message};
use otwatch_inventory::Subject;

const PROTOCOL: &str = "ads";
/// Messages longer than this are passed over unread (bulk reads and writes).
const MAX_CARRY: usize = 8 * 1024;
/// Distinct notable requests reported per flow; beyond it each is reported again.
const MAX_REPORTED: usize = 16;
/// Requests remembered per flow to pair answers (by invoke id); beyond it the oldest is
/// forgotten and counted.
const MAX_OPEN: usize = 32;

struct AmsTcp;

impl MessageLength for AmsTcp {
    const HEADER: usize = ads::TCP_HEADER_LEN;
    fn total(header: &[u8]) -> Option<usize> {
        ads::tcp_message_len(header).filter(|&n| n >= ads::TCP_HEADER_LEN + ads::AMS_HEADER_LEN)
    }
}

#[derive(Debug, Default)]
pub struct AdsFlow {
    framer: Framer,
    state: FlowState,
}

#[derive(Debug, Default)]
struct FlowState {
    /// Invoke ids of open ReadDeviceInfo and ReadState requests, with their command.
    open: Vec<(u32, u16)>,
    limit_hits: u64,
    reported: crate::reported::Reported<u64>,
    net_ids_recorded: bool,
}

impl AdsFlow {
    pub fn gap(&mut self) {
        self.framer.gap();
    }

    pub fn pending_limit_hits(&self) -> u64 {
        self.state.limit_hits
    }

    pub fn chunk(&mut self, side: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        let Self { framer, state } = self;
        framer.feed::<AmsTcp>(side, data, MAX_CARRY, |bytes| match ads::parse_tcp(bytes) {
            Ok(m) => state.message(&m, ctx),
            Err(e) => ctx.event(PROTOCOL, "ads_malformed".into(), e.to_string()),
        });
    }

    /// A datagram of UDP 48899 (discovery, routes).
    pub fn datagram(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        let Ok(d) = ads::parse_udp(data) else {
            return;
        };
        let net_id = ads::format_net_id(&d.net_id);
        let response = d.service & ads::SERVICE_RESPONSE != 0;
        let service = d.service & !ads::SERVICE_RESPONSE;
        let message = if response {
            "ADS discovery answer (UDP 48899)"
        } else {
            "ADS discovery request (UDP 48899)"
        };
        ctx.obs.attribute(
            Subject::Ip(ctx.src),
            "ads_ams_net_id",
            &net_id,
            PROTOCOL,
            message,
            0.9,
            ctx.ev,
        );
        if response && service == ads::SERVICE_DISCOVERY {
            if let Some(host) = d.tag(ads::TAG_HOST_NAME).and_then(ads::tag_text) {
                ctx.obs
                    .name(None, Some(ctx.src), &host, PROTOCOL, message, 0.9, ctx.ev);
            }
        }
        if !response && service == ads::SERVICE_ADD_ROUTE {
            let text = |tag| d.tag(tag).and_then(ads::tag_text);
            let user = text(ads::TAG_USER_NAME).unwrap_or_else(|| "?".into());
            let route = text(ads::TAG_ROUTE_NAME).unwrap_or_else(|| "?".into());
            let password = if d.tag(ads::TAG_PASSWORD).is_some() {
                "; the password travels in clear"
            } else {
                ""
            };
            let detail =
                format!("route {route:?} to AMS NetId {net_id} added as user {user:?}{password}");
            ctx.event(PROTOCOL, "ads_add_route".into(), detail);
        }
    }
}

impl FlowState {
    fn report(&mut self, key: &[&[u8]], kind: &str, detail: String, ctx: &mut Ctx<'_>) {
        let d = digest(key);
        if !self.reported.first(d, MAX_REPORTED) {
            return;
        }
        ctx.event(PROTOCOL, kind.into(), detail);
    }

    fn message(&mut self, m: &Message<'_>, ctx: &mut Ctx<'_>) {
        let h = m.header;
        if !self.net_ids_recorded {
            self.net_ids_recorded = true;
            for (ip, id) in [(ctx.src, h.source_net_id), (ctx.dst, h.target_net_id)] {
                ctx.obs.attribute(
                    Subject::Ip(ip),
                    "ads_ams_net_id",
                    &ads::format_net_id(&id),
                    PROTOCOL,
                    "AMS header",
                    0.8,
                    ctx.ev,
                );
            }
        }
        if h.is_response() {
            self.response(m, ctx);
        } else {
            self.request(m, ctx);
        }
    }

    fn request(&mut self, m: &Message<'_>, ctx: &mut Ctx<'_>) {
        let h = m.header;
        let command = h.command;
        ctx.obs.function(
            ctx.src,
            ctx.dst,
            PROTOCOL,
            command,
            || function_label(command),
            ctx.ev.ts,
        );
        match command {
            ads::CMD_READ_DEVICE_INFO | ads::CMD_READ_STATE => {
                if self.open.len() >= MAX_OPEN {
                    self.open.remove(0);
                    self.limit_hits += 1;
                }
                self.open.push((h.invoke_id, command));
            }
            ads::CMD_WRITE_CONTROL => {
                let Some((state, device_state)) = ads::write_control(m.data) else {
                    return;
                };
                let name =
                    ads::state_name(state).map_or_else(|| format!("state {state}"), str::to_string);
                let detail = format!(
                    "WriteControl to AMS port {} of {}: ADS state {name}, device state {device_state}",
                    h.target_port,
                    ads::format_net_id(&h.target_net_id)
                );
                self.report(
                    &[&command.to_le_bytes(), &state.to_le_bytes()],
                    "ads_write_control",
                    detail,
                    ctx,
                );
            }
            ads::CMD_WRITE => {
                let Some((group, offset, len)) = ads::index(m.data) else {
                    return;
                };
                ctx.obs.function_addresses(
                    ctx.src,
                    ctx.dst,
                    PROTOCOL,
                    command,
                    &format!("group 0x{group:x}"),
                    u64::from(offset),
                    u64::from(offset) + u64::from(len.max(1)) - 1,
                );
                let detail = format!(
                    "Write of {len} bytes to index group 0x{group:x} offset 0x{offset:x}, AMS port {}",
                    h.target_port
                );
                self.report(
                    &[
                        &command.to_le_bytes(),
                        &group.to_le_bytes(),
                        &offset.to_le_bytes(),
                    ],
                    "ads_write",
                    detail,
                    ctx,
                );
            }
            ads::CMD_READ | ads::CMD_READ_WRITE => {
                if let Some((group, offset, len)) = ads::index(m.data) {
                    ctx.obs.function_addresses(
                        ctx.src,
                        ctx.dst,
                        PROTOCOL,
                        command,
                        &format!("group 0x{group:x}"),
                        u64::from(offset),
                        u64::from(offset) + u64::from(len.max(1)) - 1,
                    );
                }
            }
            _ => {}
        }
    }

    fn response(&mut self, m: &Message<'_>, ctx: &mut Ctx<'_>) {
        let h = m.header;
        let Some(i) = self
            .open
            .iter()
            .position(|&(id, c)| id == h.invoke_id && c == h.command)
        else {
            return;
        };
        self.open.remove(i);
        let subject = Subject::Ip(ctx.src);
        match h.command {
            ads::CMD_READ_DEVICE_INFO => {
                let Some(info) = ads::device_info(m.data).filter(|i| i.result == 0) else {
                    return;
                };
                let message = format!("ADS ReadDeviceInfo answer, AMS port {}", h.source_port);
                let (major, minor, build) = info.version;
                ctx.obs.attribute(
                    subject, "vendor", "Beckhoff", PROTOCOL, &message, 0.8, ctx.ev,
                );
                let version = format!("{major}.{minor}.{build}");
                let name = info.name.unwrap_or_else(|| "?".into());
                // The system service (AMS port 10000) speaks for the TwinCAT runtime;
                // other ports are its components (PLC, I/O server, NC).
                if h.source_port == 10000 {
                    ctx.obs.attribute(
                        subject, "firmware", &version, PROTOCOL, &message, 0.9, ctx.ev,
                    );
                    ctx.obs.attribute(
                        subject,
                        "ads_device_name",
                        &name,
                        PROTOCOL,
                        &message,
                        1.0,
                        ctx.ev,
                    );
                } else {
                    ctx.obs.attribute(
                        subject,
                        "ads_component",
                        &format!("{name} {version} (AMS port {})", h.source_port),
                        PROTOCOL,
                        &message,
                        1.0,
                        ctx.ev,
                    );
                }
            }
            ads::CMD_READ_STATE => {
                let Some((0, state, _)) = ads::read_state(m.data) else {
                    return;
                };
                if let Some(name) = ads::state_name(state) {
                    let message = format!("ADS ReadState answer, AMS port {}", h.source_port);
                    ctx.obs.attribute(
                        subject,
                        "operating_mode",
                        name,
                        PROTOCOL,
                        &message,
                        1.0,
                        ctx.ev,
                    );
                }
            }
            _ => {}
        }
    }
}

/// The label of an ADS command in the function aggregates.
pub fn function_label(command: u16) -> String {
    ads::command_name(command).map_or_else(|| format!("Command {command}"), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // ITI beckoff/beckoffaddroute.pcapng, frames 86 and 87: ReadState and its answer, RUN.
    #[test]
    fn read_state_answer_is_the_operating_mode() {
        let mut t = TestFlow::new(("192.168.1.199", 49192), ("192.168.1.8", 48898));
        let mut f = AdsFlow::default();
        f.chunk(
            0,
            &hex("000020000000050d756001011027c0a801c7010103800400040000000000000000000a000000"),
            &mut t.ctx(true, 86, 1),
        );
        f.chunk(
            1,
            &hex("000028000000c0a801c701010380050d7560010110270400050008000000000000000a0000000000000005000200"),
            &mut t.ctx(false, 87, 2),
        );
        let obs = format!("{:?}", t.obs);
        assert!(
            obs.contains("operating_mode") && obs.contains("RUN"),
            "{obs}"
        );
        assert!(obs.contains("5.13.117.96.1.1"), "{obs}");
    }

    // A WriteControl to STOP (ADS state 6), built as the ADS specification lays it out on
    // the addresses of the capture above.
    #[test]
    fn write_control_stop_is_an_event() {
        let mut t = TestFlow::new(("192.168.1.199", 49192), ("192.168.1.8", 48898));
        let mut f = AdsFlow::default();
        f.chunk(
            0,
            &hex("000028000000050d756001015103c0a801c7010103800500040008000000000000000b0000000600000000000000"),
            &mut t.ctx(true, 1, 1),
        );
        assert_eq!(t.events.len(), 1);
        assert_eq!(t.events[0].kind, "ads_write_control");
        assert!(
            t.events[0].detail.contains("STOP"),
            "{}",
            t.events[0].detail
        );
    }
}
