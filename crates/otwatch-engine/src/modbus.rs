//! Modbus/TCP on one flow: ADUs framed in each direction, requests paired with responses by
//! transaction id (a bounded number open at once), function counts per edge, exceptions as
//! events, and Read Device Identification answers as facts about the server.

use crate::app::Ctx;
use otwatch_dissect::modbus::{self, Framed};

/// Requests awaiting a response per flow; beyond it the oldest is forgotten and counted.
const MAX_PENDING: usize = 64;
/// A Modbus ADU is at most 260 bytes; a partial one is carried to the next chunk.
const MAX_ADU: usize = 260;

#[derive(Debug, Default)]
pub struct ModbusFlow {
    /// Partial ADU per direction: 0 requests, 1 responses.
    carry: [Vec<u8>; 2],
    pending: Vec<(u16, u8)>,
    /// Requests forgotten because too many were open at once.
    pub pending_limit_hits: u64,
}

/// The inventory attribute a device identification object becomes.
fn attribute_of(object_id: u8) -> Option<&'static str> {
    Some(match object_id {
        0 => "vendor",
        1 => "product_code",
        2 => "firmware",
        4 => "product_name",
        5 => "model",
        6 => "application_name",
        _ => return None,
    })
}

pub fn function_label(fc: u8) -> String {
    match modbus::function_name(fc) {
        "UNKNOWN" => format!("FC_{}", fc & 0x7f),
        name => name.to_string(),
    }
}

impl ModbusFlow {
    /// Bytes are missing: framing and pairing cannot be trusted across the hole.
    pub fn gap(&mut self) {
        self.carry[0].clear();
        self.carry[1].clear();
        self.pending.clear();
    }

    /// A chunk of the stream; `request` when it flows from client to server.
    pub fn chunk(&mut self, request: bool, data: &[u8], ctx: &mut Ctx<'_>) {
        let side = usize::from(!request);
        let held;
        let mut buf: &[u8] = if self.carry[side].is_empty() {
            data
        } else {
            let mut joined = std::mem::take(&mut self.carry[side]);
            joined.extend_from_slice(data);
            held = joined;
            &held[..]
        };
        loop {
            match modbus::frame(buf) {
                Framed::Adu(adu, used) => {
                    if request {
                        self.request(&adu, ctx);
                    } else {
                        self.response(&adu, ctx);
                    }
                    buf = &buf[used..];
                }
                Framed::NeedMore => break,
                Framed::Invalid(_) => {
                    // Lost framing: drop what is held rather than misreading the rest.
                    buf = &[];
                    break;
                }
            }
        }
        if !buf.is_empty() && buf.len() <= MAX_ADU {
            self.carry[side] = buf.to_vec();
        }
    }

    fn request(&mut self, adu: &modbus::Adu<'_>, ctx: &mut Ctx<'_>) {
        ctx.obs.function(
            ctx.src,
            ctx.dst,
            "modbus",
            function_label(adu.function),
            ctx.ev.ts,
        );
        if self.pending.len() >= MAX_PENDING {
            self.pending.remove(0);
            self.pending_limit_hits += 1;
        }
        self.pending.push((adu.transaction_id, adu.function));
    }

    fn response(&mut self, adu: &modbus::Adu<'_>, ctx: &mut Ctx<'_>) {
        let asked = self
            .pending
            .iter()
            .position(|(tid, _)| *tid == adu.transaction_id)
            .map(|i| self.pending.remove(i));
        let function = modbus::function_name(adu.function);
        if adu.is_exception() {
            let code = adu.data.first().copied().unwrap_or(0);
            let detail = format!(
                "{function} answered with exception {code} ({}), unit {}, transaction {}{}",
                modbus::exception_name(code),
                adu.unit_id,
                adu.transaction_id,
                if asked.is_some() {
                    ""
                } else {
                    " (request not seen)"
                }
            );
            ctx.event("modbus", "modbus_exception".into(), detail);
            return;
        }
        if adu.function == 43 && adu.data.first() == Some(&modbus::MEI_READ_DEVICE_ID) {
            let Ok(id) = modbus::parse_device_identification(adu.data) else {
                return;
            };
            let mut stated = Vec::new();
            for object in &id.objects {
                let Some(name) = attribute_of(object.id) else {
                    continue;
                };
                let message = format!(
                    "Modbus Read Device Identification (function 43/14) object {} {}, unit {}",
                    object.id,
                    modbus::object_name(object.id),
                    adu.unit_id
                );
                ctx.obs.attribute(
                    ctx.src,
                    name,
                    &object.value,
                    "modbus",
                    &message,
                    1.0,
                    ctx.ev,
                );
                stated.push(format!(
                    "{}={:?}",
                    modbus::object_name(object.id),
                    object.value
                ));
            }
            let detail = if stated.is_empty() {
                format!(
                    "no standard objects (read code {}, conformity level {:#04x})",
                    id.read_code, id.conformity_level
                )
            } else {
                stated.join(" ")
            };
            ctx.event("modbus", "modbus_device_identification".into(), detail);
        }
    }
}
