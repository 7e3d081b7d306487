//! GE SRTP on one TCP flow (port 18245): service requests counted per edge, and those
//! that change the PLC (writes, run/stop, program load and store, logons, privilege
//! changes) reported as events.
//!
//! A message is a 56-byte header, and for some services data after it whose length the
//! header does not state in one place for every message type: requests are read at the
//! start of each chunk the client sends, which is where a client that waits for each reply
//! puts them.

use crate::app::Ctx;
use otwatch_dissect::srtp;

const PROTOCOL: &str = "ge_srtp";
const MAX_REPORTED: usize = 16;

#[derive(Debug, Default)]
pub struct SrtpFlow {
    reported: crate::reported::Reported<u8>,
}

impl SrtpFlow {
    pub fn chunk(&mut self, from_client: bool, data: &[u8], ctx: &mut Ctx<'_>) {
        if !from_client {
            return;
        }
        let Ok(Some(r)) = srtp::request(data) else {
            return;
        };
        let service = r.service;
        ctx.obs.function(
            ctx.src,
            ctx.dst,
            PROTOCOL,
            u16::from(service),
            || function_label(service),
            ctx.ev.ts,
        );
        if srtp::is_notable(service) && self.reported.first(service, MAX_REPORTED) {
            let detail = format!(
                "{} (service 0x{service:02x}, segment selector 0x{:02x})",
                function_label(service),
                r.segment_selector
            );
            ctx.event(PROTOCOL, "srtp_service_request".into(), detail);
        }
    }
}

/// The label of an SRTP service in the function aggregates.
pub fn function_label(code: u8) -> String {
    srtp::service_name(code).map_or_else(|| format!("Service 0x{code:02x}"), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_flow::TestFlow;

    #[test]
    fn program_load_is_reported_once() {
        let mut t = TestFlow::new(("10.0.0.5", 50000), ("10.0.0.9", 18245));
        let mut f = SrtpFlow::default();
        let mut b = vec![0u8; srtp::HEADER_LEN];
        b[0] = srtp::TYPE_REQUEST;
        b[42] = 0x40;
        f.chunk(true, &b, &mut t.ctx(true, 1, 1));
        f.chunk(true, &b, &mut t.ctx(true, 2, 2));
        f.chunk(false, &b, &mut t.ctx(false, 3, 3));
        assert_eq!(t.events.len(), 1);
        assert!(t.events[0].detail.starts_with("Program Load"));
    }
}
