//! PROFINET IO context management on one UDP flow: each DCE/RPC datagram becomes a row of
//! ICSNPP's `profinet_io_cm.log` (its header, and the body of fragment acknowledgements),
//! and the calls that change a device become events — a controller opening an application
//! relation (with its station name and MAC), record writes (index, slot, subslot),
//! control commands (end of parameterisation, application ready) and releases — while
//! I&M0 records read back from a device reach the inventory (vendor id, order id, serial
//! number, hardware and software revision). Refused calls (a PNIO status other than
//! success) are events too.
//!
//! Calls are not held open: every request and response carries the record header or
//! block that names what it is about, so the flow keeps only the digests of calls it has
//! already reported (bounded).

use crate::app::Ctx;
use crate::reported::digest;
use otwatch_dissect::profinet_io_cm::{
    self as pn, Block, Datagram, Im0, RpcHeader, OP_CONNECT, OP_CONTROL, OP_RELEASE, OP_WRITE,
    PTYPE_REQUEST, PTYPE_RESPONSE,
};
use otwatch_inventory::Subject;
use otwatch_model::logs::{LogSpec, Value};

const PROTOCOL: &str = "profinet_io_cm";

/// ICSNPP's `profinet_io_cm.log`: one row per DCE/RPC datagram. ICSNPP writes the
/// direction columns without `is_orig`, so they are ordinary columns here.
pub static PROFINET_IO_CM_LOG: LogSpec = LogSpec {
    name: "profinet_io_cm",
    directional: false,
    columns: &[
        ("source_h", "addr"),
        ("source_p", "port"),
        ("destination_h", "addr"),
        ("destination_p", "port"),
        ("proto", "enum"),
        ("rpc_version", "count"),
        ("packet_type", "string"),
        ("reserved_for_impl_1", "bool"),
        ("last_fragment", "bool"),
        ("fragment", "bool"),
        ("no_fragment_requested", "bool"),
        ("maybe", "bool"),
        ("idempotent", "bool"),
        ("broadcast", "bool"),
        ("reserved_for_impl_2", "bool"),
        ("cancel_was_pending_at_call_end", "bool"),
        ("integer_encoding", "string"),
        ("character_encoding", "string"),
        ("floating_point_encoding", "string"),
        ("serial_high", "count"),
        ("object_uuid", "string"),
        ("interface_uuid", "string"),
        ("activity_uuid", "string"),
        ("server_boot_time", "count"),
        ("interface_vers_major", "count"),
        ("interface_vers_minor", "count"),
        ("sequence_num", "count"),
        ("operation_num", "string"),
        ("interface_hint", "count"),
        ("activity_hint", "count"),
        ("len_of_body", "count"),
        ("fragment_num", "count"),
        ("auth_protocol", "count"),
        ("serial_low", "count"),
        ("vers_fack", "string"),
        ("window_size", "count"),
        ("max_tsdu", "count"),
        ("max_frag_size", "count"),
        ("serial_number", "count"),
        ("sel_ack_len", "count"),
        ("array_of_sel_ack", "vector[count]"),
    ],
};

/// Distinct notable calls reported per flow; beyond it each is reported again. A
/// controller repeats the same writes and controls at every restart of the relation.
const MAX_REPORTED: usize = 32;
/// Records an event names one by one.
const MAX_LISTED: usize = 8;

#[derive(Debug, Default)]
pub struct ProfinetCmFlow {
    reported: crate::reported::Reported<u64>,
    malformed_reported: bool,
}

impl ProfinetCmFlow {
    /// One UDP datagram of the flow.
    pub fn datagram(&mut self, data: &[u8], ctx: &mut Ctx<'_>) {
        let d = match pn::parse(data) {
            Ok(d) => d,
            Err(e) => {
                self.malformed(&e.to_string(), ctx);
                return;
            }
        };
        if ctx.logging() {
            let values = log_values(&d, ctx);
            ctx.log(&PROFINET_IO_CM_LOG, values);
        }
        let h = &d.header;
        if h.packet_type == PTYPE_REQUEST && h.starts_call() {
            ctx.obs.function(
                ctx.src,
                ctx.dst,
                PROTOCOL,
                h.operation_num,
                || pn::operation_name(h.operation_num).to_string(),
                ctx.ev.ts,
            );
        }
        if !h.starts_call() || !matches!(h.packet_type, PTYPE_REQUEST | PTYPE_RESPONSE) {
            return;
        }
        if h.body_len == 0 {
            return;
        }
        let args = match pn::parse_args(h, d.body) {
            Ok(a) => a,
            Err(e) => {
                self.malformed(&e.to_string(), ctx);
                return;
            }
        };
        if h.packet_type == PTYPE_REQUEST {
            self.request(h, &args.blocks, ctx);
        } else {
            if let Some(status) = args.status.filter(|s| !s.is_ok()) {
                ctx.event(
                    PROTOCOL,
                    "profinet_io_error".into(),
                    format!(
                        "{} refused: PNIO status {:02x} {:02x} {:02x} {:02x}",
                        pn::operation_name(h.operation_num),
                        status.error_code,
                        status.error_decode,
                        status.error_code1,
                        status.error_code2
                    ),
                );
            }
            for b in &args.blocks {
                if let Block::Im0(im) = b {
                    im0_facts(im, ctx);
                }
            }
        }
    }

    fn malformed(&mut self, why: &str, ctx: &mut Ctx<'_>) {
        if !self.malformed_reported {
            self.malformed_reported = true;
            ctx.event(PROTOCOL, "profinet_io_malformed".into(), why.to_string());
        }
    }

    /// Whether this call was reported on the flow already (and remembers it if not).
    fn seen(&mut self, digest: u64) -> bool {
        !self.reported.first(digest, MAX_REPORTED)
    }

    fn request(&mut self, h: &RpcHeader, blocks: &[Block], ctx: &mut Ctx<'_>) {
        let op = h.operation_num;
        for b in blocks {
            if let Block::Record {
                block_type: 0x0008 | 0x0009,
                index,
                ..
            } = b
            {
                let i = u64::from(*index);
                ctx.obs
                    .function_addresses(ctx.src, ctx.dst, PROTOCOL, op, "record index", i, i);
            }
        }
        match op {
            OP_CONNECT => {
                for b in blocks {
                    if let Block::ArRequest {
                        ar_type,
                        ar_uuid,
                        initiator_mac,
                        station_name,
                    } = b
                    {
                        self.connect(*ar_type, ar_uuid, initiator_mac, station_name, ctx);
                    }
                }
            }
            OP_WRITE => {
                let records: Vec<String> = blocks
                    .iter()
                    .filter_map(|b| match b {
                        Block::Record {
                            block_type: 0x0008,
                            slot,
                            subslot,
                            index,
                            data_len,
                            ..
                        } if *index != 0xe040 => {
                            Some(record_text(*index, *slot, *subslot, *data_len))
                        }
                        _ => None,
                    })
                    .collect();
                if records.is_empty() || self.seen(digest((1u8, records.join(";")))) {
                    return;
                }
                ctx.event(
                    PROTOCOL,
                    "profinet_io_write".into(),
                    format!("writes {}", listed(&records)),
                );
            }
            OP_CONTROL | OP_RELEASE => {
                for b in blocks {
                    if let Block::Control {
                        block_type,
                        command,
                        ..
                    } = b
                    {
                        let names = pn::control_command_names(*command).join(", ");
                        if self.seen(digest((2u8, format!("{block_type} {command}")))) {
                            continue;
                        }
                        let (kind, what) = if op == OP_RELEASE {
                            ("profinet_io_release", "releases the application relation")
                        } else {
                            ("profinet_io_control", "control")
                        };
                        ctx.event(
                            PROTOCOL,
                            kind.into(),
                            format!("{what} (block 0x{block_type:04x}, command {names})"),
                        );
                    }
                }
            }
            _ => {}
        }
    }

    fn connect(
        &mut self,
        ar_type: u16,
        ar_uuid: &[u8; 16],
        mac: &[u8; 6],
        station_name: &str,
        ctx: &mut Ctx<'_>,
    ) {
        let message = "PROFINET IO Connect request, AR block";
        if !station_name.is_empty() {
            ctx.obs.name(
                Some(*mac),
                Some(ctx.src),
                station_name,
                PROTOCOL,
                message,
                0.9,
                ctx.ev,
            );
        }
        ctx.obs.attribute(
            Subject::Ip(ctx.src),
            "profinet_role",
            "IO controller",
            PROTOCOL,
            message,
            1.0,
            ctx.ev,
        );
        // The device keeps the list of controllers that opened a relation with it: a
        // controller not seen before on a device is what an engineer looks for.
        let controller = if station_name.is_empty() {
            ctx.src.to_string()
        } else {
            format!("{station_name} ({})", ctx.src)
        };
        ctx.obs.attribute(
            Subject::Ip(ctx.dst),
            "profinet_controller",
            &controller,
            PROTOCOL,
            message,
            1.0,
            ctx.ev,
        );
        if self.seen(digest((0u8, pn::uuid_text(ar_uuid)))) {
            return;
        }
        ctx.event(
            PROTOCOL,
            "profinet_io_connect".into(),
            format!(
                "controller {station_name:?} ({}) opens application relation {} (AR type {ar_type})",
                otwatch_wire::format_mac(*mac),
                pn::uuid_text(ar_uuid)
            ),
        );
    }
}

fn record_text(index: u16, slot: u16, subslot: u16, len: u32) -> String {
    let name = pn::record_index_name(index)
        .map(|n| format!(" {n}"))
        .unwrap_or_default();
    format!("record 0x{index:04x}{name} slot {slot} subslot 0x{subslot:04x} ({len} bytes)")
}

fn listed(items: &[String]) -> String {
    let mut s = items
        .iter()
        .take(MAX_LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > MAX_LISTED {
        s.push_str(&format!(" and {} more", items.len() - MAX_LISTED));
    }
    s
}

/// The device answering states what it is.
fn im0_facts(im: &Im0, ctx: &mut Ctx<'_>) {
    let message = "PROFINET IO read of record I&M0";
    let subject = Subject::Ip(ctx.src);
    let facts = [
        ("profinet_vendor_id", format!("0x{:04x}", im.vendor_id)),
        ("order_id", im.order_id.clone()),
        ("serial", im.serial_number.clone()),
        ("hardware_revision", im.hardware_revision.to_string()),
        ("firmware", im.software_revision.clone()),
    ];
    for (name, value) in &facts {
        ctx.obs
            .attribute(subject, name, value, PROTOCOL, message, 1.0, ctx.ev);
    }
    let detail = facts
        .iter()
        .map(|(n, v)| format!("{n}={v:?}"))
        .collect::<Vec<_>>()
        .join(" ");
    ctx.event(PROTOCOL, "profinet_io_identity".into(), detail);
}

fn log_values(d: &Datagram<'_>, ctx: &Ctx<'_>) -> Vec<Value> {
    let h = &d.header;
    let (src, dst) = if ctx.from_orig {
        (ctx.conn.orig, ctx.conn.resp)
    } else {
        (ctx.conn.resp, ctx.conn.orig)
    };
    let flag = |bits: u8, bit: u8| Value::Bool(bits & bit != 0);
    let integer = match h.drep_int_char >> 4 {
        0 => "Big Endian",
        1 => "Little Endian",
        _ => "unknown",
    };
    let character = match h.drep_int_char & 0x0f {
        0 => "ASCII",
        1 => "EBCDIC",
        _ => "unknown",
    };
    let float = match h.drep_float & 0x07 {
        0 => "IEEE",
        1 => "VAX",
        2 => "CRAY",
        3 => "IBM",
        _ => "unknown",
    };
    let mut v = vec![
        Value::Addr(src.0),
        Value::Port(src.1),
        Value::Addr(dst.0),
        Value::Port(dst.1),
        "udp".into(),
        h.version.into(),
        pn::packet_type_name(h.packet_type).into(),
        flag(h.flags1, 0x80),
        flag(h.flags1, 0x02),
        flag(h.flags1, 0x04),
        flag(h.flags1, 0x08),
        flag(h.flags1, 0x10),
        flag(h.flags1, 0x20),
        flag(h.flags1, 0x40),
        flag(h.flags1, 0x01),
        flag(h.flags2, 0x02),
        integer.into(),
        character.into(),
        float.into(),
        h.serial_high.into(),
        pn::uuid_text(&h.object_uuid).into(),
        pn::uuid_text(&h.interface_uuid).into(),
        pn::uuid_text(&h.activity_uuid).into(),
        h.server_boot_time.into(),
        ((h.interface_version >> 16) as u16).into(),
        ((h.interface_version & 0xffff) as u16).into(),
        h.sequence_num.into(),
        pn::operation_name(h.operation_num).into(),
        h.interface_hint.into(),
        h.activity_hint.into(),
        h.body_len.into(),
        h.fragment_num.into(),
        h.auth_protocol.into(),
        h.serial_low.into(),
    ];
    match &d.fack {
        Some(f) => v.extend([
            match f.version {
                0 => "Initial version",
                1 => "Default version",
                _ => "unknown",
            }
            .into(),
            f.window_size.into(),
            f.max_tsdu.into(),
            f.max_frag_size.into(),
            f.serial_number.into(),
            f.sel_ack_len.into(),
            Value::Counts(f.sel_ack.iter().map(|&w| u64::from(w)).collect()),
        ]),
        None => v.extend(std::iter::repeat_n(Value::Unset, 7)),
    }
    v
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

    /// profinet_io_cm_device.pcapng (ICSNPP PROFINET IO-CM traces), frame 3: a Write
    /// request (WriteMultiple with four records), big endian.
    const WRITE: &str = "0400200000000000dea000006c9711d1827100010003015adea000016c9711d1827100a02442df7d13142f9000001000a994d2106890ca5a0000000000000001000000010003ffffffff016300000000000010000000014f00001000000000000000014f0008003c010000007c74224e166c4a58bf6b6c25a75870f000000000000000010000e0400000010f0000000000000000000000000000000000000000000000000008003c010000017c74224e166c4a58bf6b6c25a75870f00000000000000001000001f40000001e00000000000000000000000000000000000000000000000000f40100000000000000000000000000000000000000000000000000000000000008003c010000027c74224e166c4a58bf6b6c25a75870f00000000000010001000001f40000002900000000000000000000000000000000000000000000000000ff0124ffff81402300000001000000000003000000020000000000011200000100220000000000000000000008003c010000037c74224e166c4a58bf6b6c25a75870f00000000000010001000001ff00000003000000000000000000000000000000000000000000000000002600";

    /// Same capture, frame 9: Release request.
    const RELEASE: &str = "0400200000000000dea000006c9711d1827100010003015adea000016c9711d1827100a02442df7d13142f9000001000a994d2106890ca5a0000000000000001000000040001ffffffff00340000000000001000000000200000100000000000000000200114001c010000007c74224e166c4a58bf6b6c25a75870f00001000000040000";

    #[test]
    fn write_and_release_become_events_and_rows() {
        let mut t = TestFlow::new(("192.168.1.3", 65151), ("192.168.1.2", 34964));
        let mut flow = ProfinetCmFlow::default();
        flow.datagram(&hex(WRITE), &mut t.ctx(true, 3, 3));
        flow.datagram(&hex(WRITE), &mut t.ctx(true, 4, 4));
        flow.datagram(&hex(RELEASE), &mut t.ctx(true, 9, 9));
        let kinds: Vec<&str> = t.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, vec!["profinet_io_write", "profinet_io_release"]);
        assert!(
            t.events[0]
                .detail
                .contains("record 0x01f4 slot 0 subslot 0x0001 (30 bytes)"),
            "{}",
            t.events[0].detail
        );
        assert!(
            t.events[1].detail.contains("Release"),
            "{}",
            t.events[1].detail
        );
        assert_eq!(t.rows.len(), 3);
        let row = &t.rows[0].values;
        assert_eq!(row[6], Value::Str("Request".into()));
        assert_eq!(row[16], Value::Str("Big Endian".into()));
        assert_eq!(
            row[21],
            Value::Str("DEA00001-6C97-11D1-8271-00A02442DF7D".into())
        );
        assert_eq!(row[27], Value::Str("Write".into()));
        assert_eq!(row[30], Value::Count(0x0163));
        assert_eq!(row[34], Value::Unset);
    }
}
