//! LLDP (IEEE 802.1AB) announcements a device sends to its switch port: chassis MAC, port,
//! time to live, system name, a system description naming vendor, model and firmware, and
//! a management address. The *server* of the conversation is the announcing device; the
//! client (its switch) says nothing, as LLDP is one-way. Every poll is one announcement,
//! which devices send every 30 seconds.

use super::Entry;
use crate::dialect::{
    ActionKind, Destination, DeviceSpec, Dialect, DialectContext, DialectError, Message,
    PollContext, Revealed, Transport,
};
use crate::frame::Side;

pub const ENTRY: Entry = Entry {
    name: "lldp",
    description: "LLDP announcements (EtherType 0x88cc) from the server device: chassis, port, system name and description, management address",
    build,
};

pub const ETHERTYPE_LLDP: u16 = 0x88cc;
/// The nearest-bridge group address: switches consume these frames, never forward them.
pub const LLDP_MULTICAST: [u8; 6] = [0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e];

const TLV_END: u8 = 0;
const TLV_CHASSIS_ID: u8 = 1;
const TLV_PORT_ID: u8 = 2;
const TLV_TTL: u8 = 3;
const TLV_PORT_DESCRIPTION: u8 = 4;
const TLV_SYSTEM_NAME: u8 = 5;
const TLV_SYSTEM_DESCRIPTION: u8 = 6;
const TLV_SYSTEM_CAPABILITIES: u8 = 7;
const TLV_MANAGEMENT_ADDRESS: u8 = 8;

const CHASSIS_SUBTYPE_MAC: u8 = 4;
const PORT_SUBTYPE_INTERFACE_NAME: u8 = 5;
/// Capability bit "station only": an end device, neither bridge nor router.
const CAPABILITY_STATION: u16 = 0x0080;
/// Four times the 30-second transmit interval, the standard's default hold multiplier.
const TTL_SECONDS: u16 = 120;

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    Ok(Box::new(LldpDialect {
        server: context.server.clone(),
    }))
}

struct LldpDialect {
    server: DeviceSpec,
}

impl LldpDialect {
    fn system_description(&self) -> String {
        let s = &self.server;
        let product: Vec<&str> = [s.vendor.as_deref(), s.model.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let mut text = if product.is_empty() {
            s.station_name().to_string()
        } else {
            product.join(" ")
        };
        if let Some(f) = &s.firmware {
            text.push_str(&format!(", firmware {f}"));
        }
        text
    }

    fn announcement(&self, ttl_seconds: u16) -> Message {
        let s = &self.server;
        let mut pdu = Vec::with_capacity(128);
        let mut chassis = vec![CHASSIS_SUBTYPE_MAC];
        chassis.extend_from_slice(&s.mac);
        pdu.extend(tlv(TLV_CHASSIS_ID, &chassis));
        let mut port = vec![PORT_SUBTYPE_INTERFACE_NAME];
        port.extend_from_slice(b"port-001");
        pdu.extend(tlv(TLV_PORT_ID, &port));
        pdu.extend(tlv(TLV_TTL, &ttl_seconds.to_be_bytes()));
        pdu.extend(tlv(TLV_PORT_DESCRIPTION, b"Ethernet port 1"));
        pdu.extend(tlv(TLV_SYSTEM_NAME, s.station_name().as_bytes()));
        pdu.extend(tlv(
            TLV_SYSTEM_DESCRIPTION,
            self.system_description().as_bytes(),
        ));
        let mut capabilities = CAPABILITY_STATION.to_be_bytes().to_vec();
        capabilities.extend_from_slice(&CAPABILITY_STATION.to_be_bytes());
        pdu.extend(tlv(TLV_SYSTEM_CAPABILITIES, &capabilities));
        // Management address: length of subtype + address, IANA family 1 (IPv4), the
        // address, interface numbering by ifIndex (2), interface 1, no OID.
        let mut management = vec![5, 1];
        management.extend_from_slice(&s.ip.octets());
        management.push(2);
        management.extend_from_slice(&1u32.to_be_bytes());
        management.push(0);
        pdu.extend(tlv(TLV_MANAGEMENT_ADDRESS, &management));
        pdu.extend(tlv(TLV_END, &[]));
        Message {
            from: Side::Server,
            payload: pdu,
            to: Destination::Multicast(LLDP_MULTICAST),
            delay_micros: None,
        }
    }
}

impl Dialect for LldpDialect {
    fn protocol(&self) -> &'static str {
        "lldp"
    }

    fn transport(&self) -> Transport {
        Transport::Ethernet {
            ethertype: ETHERTYPE_LLDP,
        }
    }

    fn identify(&mut self) -> Vec<Message> {
        vec![self.announcement(TTL_SECONDS)]
    }

    fn reveals(&self) -> &'static [Revealed] {
        &[Revealed::Name]
    }

    fn poll(&mut self, _poll: &PollContext) -> Vec<Message> {
        vec![self.announcement(TTL_SECONDS)]
    }

    fn action(&mut self, _kind: ActionKind, _poll: &PollContext) -> Option<Vec<Message>> {
        None
    }

    fn session_end(&mut self) -> Vec<Message> {
        // A device shutting its port down withdraws its information with a zero TTL.
        vec![self.announcement(0)]
    }
}

/// Type in the top 7 bits, length in the low 9.
fn tlv(kind: u8, value: &[u8]) -> Vec<u8> {
    let header = (u16::from(kind) << 9) | (value.len() as u16 & 0x01ff);
    let mut out = header.to_be_bytes().to_vec();
    out.extend_from_slice(value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing;

    #[test]
    fn every_announcement_renders_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("lldp", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "lldp.tlv.system.name");
    }

    #[test]
    fn announcement_names_the_device() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let messages = dialect.identify();
        assert_eq!(messages[0].from, Side::Server);
        assert_eq!(messages[0].to, Destination::Multicast(LLDP_MULTICAST));
        let pdu = &messages[0].payload;
        // Chassis ID first: type 1, length 7, MAC subtype, the device's MAC.
        assert_eq!(&pdu[..3], &[0x02, 0x07, 0x04]);
        assert_eq!(&pdu[3..9], &server.mac);
        let text = String::from_utf8_lossy(pdu).into_owned();
        assert!(text.contains("PLC-LINE1"), "{text:?}");
        assert!(
            text.contains("Schneider Electric BMX P34 2020, firmware V3.10"),
            "{text:?}"
        );
        assert_eq!(&pdu[pdu.len() - 2..], &[0, 0], "End of LLDPDU");
    }

    #[test]
    fn tlv_header_packs_type_and_length() {
        // IEEE 802.1AB: TTL is type 3 with a 2-octet value, header 0x0602.
        assert_eq!(tlv(TLV_TTL, &[0, 120]), [0x06, 0x02, 0x00, 0x78]);
        let long = vec![b'x'; 300];
        assert_eq!(&tlv(TLV_SYSTEM_DESCRIPTION, &long)[..2], &[0x0d, 0x2c]);
    }

    #[test]
    fn shutdown_withdraws_with_a_zero_ttl() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let last = dialect.session_end();
        let pdu = &last[0].payload;
        assert!(pdu.windows(4).any(|w| w == [0x06, 0x02, 0x00, 0x00]));
    }
}
