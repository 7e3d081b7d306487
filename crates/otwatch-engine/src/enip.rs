//! EtherNet/IP on one flow: encapsulation messages framed in each direction (TCP) or taken
//! whole (UDP), and ListIdentity replies turned into facts about the device that sent them.

use crate::app::Ctx;
use crate::framing::{Framer, MessageLength};
use otwatch_dissect::enip::{self, Framed};
use otwatch_inventory::Subject;

/// Partial messages held per direction. Identity replies are far smaller; longer messages
/// (large CIP transfers) are skipped over rather than buffered.
const MAX_CARRY: usize = 4096;

#[derive(Debug, Default)]
pub struct EnipFlow {
    framer: Framer,
}

struct Encapsulation;

impl MessageLength for Encapsulation {
    const HEADER: usize = 4;
    fn total(h: &[u8]) -> Option<usize> {
        Some(enip::HEADER_LEN + usize::from(u16::from_le_bytes([h[2], h[3]])))
    }
}

impl EnipFlow {
    pub fn gap(&mut self) {
        self.framer.gap();
    }

    /// A chunk of a TCP stream; `side` 0 for the originator's direction, 1 for the other.
    pub fn chunk(&mut self, side: usize, data: &[u8], ctx: &mut Ctx<'_>) {
        self.framer
            .feed::<Encapsulation>(side, data, MAX_CARRY, |bytes| datagram(bytes, ctx));
    }
}

/// One UDP datagram (ListIdentity is often broadcast over UDP).
pub fn datagram(data: &[u8], ctx: &mut Ctx<'_>) {
    if let Framed::Message(m, _) = enip::frame(data) {
        message(&m, ctx);
    }
}

fn message(m: &enip::Encapsulation<'_>, ctx: &mut Ctx<'_>) {
    if m.command != enip::LIST_IDENTITY || m.data.is_empty() {
        return;
    }
    let Ok(identities) = enip::parse_list_identity_reply(m.data) else {
        return;
    };
    for id in identities {
        let message = "EtherNet/IP ListIdentity reply, CIP Identity item";
        let facts = [
            ("cip_vendor_id", id.vendor_id.to_string()),
            (
                "device_type",
                format!(
                    "{} ({})",
                    enip::device_type_name(id.device_type),
                    id.device_type
                ),
            ),
            ("cip_product_code", id.product_code.to_string()),
            (
                "firmware",
                format!("{}.{}", id.revision_major, id.revision_minor),
            ),
            ("serial", format!("0x{:08x}", id.serial_number)),
            ("model", id.product_name.clone()),
        ];
        for (name, value) in &facts {
            ctx.obs.attribute(
                Subject::Ip(ctx.src),
                name,
                value,
                "enip",
                message,
                1.0,
                ctx.ev,
            );
        }
        let detail = facts
            .iter()
            .map(|(n, v)| format!("{n}={v:?}"))
            .collect::<Vec<_>>()
            .join(" ");
        ctx.event("enip", "enip_list_identity".into(), detail);
    }
}
