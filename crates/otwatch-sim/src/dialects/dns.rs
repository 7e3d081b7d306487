//! DNS as a host's resolver asks the site's name server: A lookups of the names of the
//! two devices in the conversation (the name server's own name first, then the host
//! checking its own registration, in turn with the server's), answered from the server's
//! zone.

use super::Entry;
use crate::dialect::{
    ActionKind, DeviceSpec, Dialect, DialectContext, DialectError, DialectRng, Message,
    PollContext, Revealed, Transport,
};
use crate::dns::{query_a, response_a, DNS_PORT};

pub const ENTRY: Entry = Entry {
    name: "dns",
    description: "DNS on 53: A lookups of the conversation's hosts and the name server's answers",
    build,
};

/// TTL the zone gives host records: one hour, common for internal zones.
const RECORD_TTL: u32 = 3_600;

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    for device in [context.client, context.server] {
        let name = device.station_name();
        if name
            .split('.')
            .any(|label| label.is_empty() || label.len() > 63)
        {
            return Err(DialectError::Device {
                device: device.name.clone(),
                message: format!("{name:?} is not a valid DNS name"),
            });
        }
    }
    let mut rng = DialectRng::new(context.seed);
    Ok(Box::new(DnsDialect {
        client: context.client.clone(),
        server: context.server.clone(),
        id: rng.next_u16(),
        rng,
    }))
}

struct DnsDialect {
    client: DeviceSpec,
    server: DeviceSpec,
    id: u16,
    rng: DialectRng,
}

impl DnsDialect {
    fn lookup(&mut self, device: &DeviceSpec) -> Vec<Message> {
        // Resolvers pick a fresh random id for every query.
        self.id = self.id.wrapping_add(self.rng.range(1, 0x7fff) as u16);
        let name = device.station_name();
        vec![
            Message::request(query_a(self.id, name)),
            Message::response(response_a(self.id, name, device.ip, RECORD_TTL)),
        ]
    }
}

impl Dialect for DnsDialect {
    fn protocol(&self) -> &'static str {
        "dns"
    }

    fn transport(&self) -> Transport {
        Transport::Udp {
            port: DNS_PORT,
            client_port: None,
        }
    }

    /// The name server's own name, as `nslookup` and resolvers checking their server ask.
    fn identify(&mut self) -> Vec<Message> {
        let server = self.server.clone();
        self.lookup(&server)
    }

    fn reveals(&self) -> &'static [Revealed] {
        &[Revealed::Name]
    }

    fn poll(&mut self, poll: &PollContext) -> Vec<Message> {
        let device = if poll.cycle.is_multiple_of(2) {
            self.client.clone()
        } else {
            self.server.clone()
        };
        self.lookup(&device)
    }

    fn action(&mut self, _kind: ActionKind, _poll: &PollContext) -> Option<Vec<Message>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing;

    #[test]
    fn lookups_render_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("dns", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "dns.a");
    }

    #[test]
    fn answers_give_the_devices_addresses() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let at = |cycle| PollContext {
            now_micros: 1_772_438_400_000_000,
            cycle,
        };
        let identify = dialect.identify();
        assert!(String::from_utf8_lossy(&identify[0].payload).contains("PLC-LINE1"));
        assert!(identify[1].payload.ends_with(&[10, 10, 1, 10]));
        let first = dialect.poll(&at(0));
        let second = dialect.poll(&at(1));
        assert!(first[1].payload.ends_with(&[10, 10, 1, 20]));
        assert!(second[1].payload.ends_with(&[10, 10, 1, 10]));
        // Query and answer share the id; consecutive queries do not.
        assert_eq!(first[0].payload[..2], first[1].payload[..2]);
        assert_ne!(first[0].payload[..2], second[0].payload[..2]);
    }
}
