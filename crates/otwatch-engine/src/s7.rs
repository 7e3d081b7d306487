//! S7comm on one flow: TPKT messages framed in each direction; Read SZL responses of lists
//! 0x0011 and 0x001C turned into facts about the CPU that sent them.

use crate::app::Ctx;
use crate::framing::{Framer, MessageLength};
use otwatch_dissect::s7comm;
use otwatch_inventory::Subject;

/// Identity responses fit easily; longer messages (block transfers) are passed over.
const MAX_CARRY: usize = 4096;

#[derive(Debug, Default)]
pub struct S7Flow {
    framer: Framer,
}

struct Tpkt;

impl MessageLength for Tpkt {
    const HEADER: usize = s7comm::TPKT_HEADER;
    fn total(h: &[u8]) -> Option<usize> {
        s7comm::tpkt_total(h)
    }
}

impl S7Flow {
    pub fn gap(&mut self) {
        self.framer.gap();
    }

    /// A chunk of the stream; `side` 0 for the originator's direction, 1 for the other.
    pub fn chunk(&mut self, side: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        self.framer
            .feed::<Tpkt>(side, data, MAX_CARRY, |message| tpkt(message, ctx));
    }
}

fn tpkt(message: &[u8], ctx: &mut Ctx<'_>) {
    let Some(payload) = s7comm::s7_payload(message) else {
        return;
    };
    let Ok(pdu) = s7comm::parse_pdu(payload) else {
        return;
    };
    let Some(szl) = s7comm::read_szl_response(&pdu) else {
        return;
    };
    let id = s7comm::cpu_identity(&szl);
    let message = format!(
        "S7comm Read SZL response, list {:#06x} index {:#06x}",
        szl.szl_id, szl.szl_index
    );
    let facts = [
        ("order_number", &id.order_number),
        ("firmware", &id.firmware),
        ("station_name", &id.station_name),
        ("module_name", &id.module_name),
        ("plant_name", &id.plant_name),
        ("serial", &id.serial),
        ("model", &id.module_type),
        ("location", &id.location),
    ];
    let mut stated = Vec::new();
    for (name, value) in facts {
        if let Some(v) = value {
            ctx.obs.attribute(
                Subject::Ip(ctx.src),
                name,
                v,
                "s7comm",
                &message,
                1.0,
                ctx.ev,
            );
            stated.push(format!("{name}={v:?}"));
        }
    }
    if let Some(station) = &id.station_name {
        ctx.obs.name(
            None,
            Some(ctx.src),
            station,
            "s7comm",
            &message,
            1.0,
            ctx.ev,
        );
    }
    if !stated.is_empty() {
        ctx.event("s7comm", "s7_cpu_identity".into(), stated.join(" "));
    }
}
