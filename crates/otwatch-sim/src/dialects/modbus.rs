//! Modbus/TCP as an HMI or SCADA server speaks it to a PLC: cyclic holding-register and coil
//! reads, Read Device Identification (MEI 14) for identity, and Schneider's UMAS (function
//! 90) for stop, start and program transfer.

use super::Entry;
use crate::dialect::{
    process_value, ActionKind, DeviceSpec, Dialect, DialectContext, DialectError, DialectRng,
    Message, PollContext, Revealed, Transport,
};
use crate::modbus::*;

pub const ENTRY: Entry = Entry {
    name: "modbus",
    description: "Modbus/TCP on 502: register and coil polling, MEI 14 identification, UMAS stop/start/program transfer, function 125 firmware, function 8 restart",
    build,
};

/// UMAS functions (inside Modbus function 90) the simulated engineering software uses.
const UMAS_TAKE_RESERVATION: u8 = 0x10;
const UMAS_INITIALIZE_DOWNLOAD: u8 = 0x30;
const UMAS_DOWNLOAD_BLOCK: u8 = 0x31;
const UMAS_END_DOWNLOAD: u8 = 0x32;
const UMAS_INITIALIZE_UPLOAD: u8 = 0x33;
const UMAS_UPLOAD_BLOCK: u8 = 0x34;
const UMAS_END_UPLOAD: u8 = 0x35;
const UMAS_START_PLC: u8 = 0x40;
const UMAS_STOP_PLC: u8 = 0x41;
const FC_UMAS: u8 = 0x5a;
const FC_DIAGNOSTICS: u8 = 0x08;
const FC_FIRMWARE_REPLACEMENT: u8 = 0x7d;

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    let unit = match context.server.param_int("modbus_unit") {
        None => 1,
        Some(u) => u8::try_from(u).map_err(|_| DialectError::Device {
            device: context.server.name.clone(),
            message: format!("modbus_unit {u} is outside 0..=255"),
        })?,
    };
    let mut rng = DialectRng::new(context.seed);
    Ok(Box::new(ModbusDialect {
        server: context.server.clone(),
        unit,
        transaction: rng.next_u16(),
        seed: context.seed,
        umas_session: 0,
    }))
}

struct ModbusDialect {
    server: DeviceSpec,
    unit: u8,
    transaction: u16,
    seed: u64,
    umas_session: u8,
}

impl ModbusDialect {
    fn exchange(&mut self, request: &[u8], response: &[u8]) -> Vec<Message> {
        self.transaction = self.transaction.wrapping_add(1);
        vec![
            Message::request(adu(self.transaction, self.unit, request)),
            Message::response(adu(self.transaction, self.unit, response)),
        ]
    }

    fn umas(&mut self, function: u8, data: &[u8]) -> Vec<Message> {
        let mut request = vec![FC_UMAS, self.umas_session, function];
        request.extend_from_slice(data);
        // UMAS answers 0xFE for success, followed by the function's data.
        let response = vec![FC_UMAS, self.umas_session, 0xfe];
        self.exchange(&request, &response)
    }

    fn reserve(&mut self) -> Vec<Message> {
        let mut request = vec![FC_UMAS, 0x00, UMAS_TAKE_RESERVATION, 0x00, 0x00];
        request.extend_from_slice(b"\x0bENG-STATION");
        self.umas_session = (self.seed as u8) | 0x01;
        let response = vec![FC_UMAS, 0x00, 0xfe, self.umas_session];
        self.exchange(&request, &response)
    }
}

impl Dialect for ModbusDialect {
    fn protocol(&self) -> &'static str {
        "modbus"
    }

    fn transport(&self) -> Transport {
        Transport::Tcp {
            port: MODBUS_TCP_PORT,
        }
    }

    fn identify(&mut self) -> Vec<Message> {
        let s = &self.server;
        let mut objects: Vec<(u8, String)> = Vec::new();
        if let Some(v) = &s.vendor {
            objects.push((DEVICE_ID_VENDOR_NAME, v.clone()));
        }
        if let Some(v) = s.order_number.as_ref().or(s.model.as_ref()) {
            objects.push((DEVICE_ID_PRODUCT_CODE, v.clone()));
        }
        if let Some(v) = &s.firmware {
            objects.push((DEVICE_ID_REVISION, v.clone()));
        }
        if let Some(v) = &s.model {
            // Regular objects: product name (4) and model name (5).
            objects.push((4, v.clone()));
            objects.push((5, v.clone()));
        }
        let borrowed: Vec<(u8, &str)> = objects.iter().map(|(i, v)| (*i, v.as_str())).collect();
        let request = read_device_id_request(2, 0);
        let response = read_device_id_response(2, 0x02, &borrowed);
        self.exchange(&request, &response)
    }

    fn reveals(&self) -> &'static [Revealed] {
        &[
            Revealed::Vendor,
            Revealed::Model,
            Revealed::OrderNumber,
            Revealed::Firmware,
        ]
    }

    fn poll(&mut self, poll: &PollContext) -> Vec<Message> {
        let values: Vec<u16> = (0..10u32)
            .map(|i| process_value(self.seed, i, poll.now_micros, 200.0, 1800.0) as u16)
            .collect();
        let mut out = self.exchange(
            &read_holding_registers_request(0, 10),
            &read_holding_registers_response(&values),
        );
        if poll.cycle.is_multiple_of(5) {
            let coils: Vec<bool> = (0..16u32)
                .map(|i| process_value(self.seed, 100 + i, poll.now_micros, 0.0, 1.0) > 0.5)
                .collect();
            out.extend(self.exchange(&read_coils_request(0, 16), &read_coils_response(&coils)));
        }
        out
    }

    fn action(&mut self, kind: ActionKind, poll: &PollContext) -> Option<Vec<Message>> {
        Some(match kind {
            ActionKind::Write => {
                let value = process_value(self.seed, 50, poll.now_micros, 500.0, 1500.0) as u16;
                let pdu = write_single_register(4, value);
                self.exchange(&pdu, &pdu)
            }
            ActionKind::PlcStop => {
                let mut out = self.reserve();
                out.extend(self.umas(UMAS_STOP_PLC, &[]));
                out
            }
            ActionKind::PlcStart => {
                let mut out = self.reserve();
                out.extend(self.umas(UMAS_START_PLC, &[]));
                out
            }
            ActionKind::ProgramDownload => {
                let mut out = self.reserve();
                out.extend(self.umas(UMAS_INITIALIZE_DOWNLOAD, &[0x01, 0x00]));
                for block in 0..4u16 {
                    let mut data = vec![0x01, 0x00];
                    data.extend_from_slice(&block.to_le_bytes());
                    data.extend_from_slice(&[0x00, 0x01]);
                    data.extend((0..200u32).map(|i| (i as u8).wrapping_mul(block as u8 + 3)));
                    out.extend(self.umas(UMAS_DOWNLOAD_BLOCK, &data));
                }
                out.extend(self.umas(UMAS_END_DOWNLOAD, &[0x01, 0x00]));
                out
            }
            ActionKind::ProgramUpload => {
                let mut out = self.reserve();
                out.extend(self.umas(UMAS_INITIALIZE_UPLOAD, &[0x01, 0x00]));
                for block in 0..4u16 {
                    let mut data = vec![0x01, 0x00];
                    data.extend_from_slice(&block.to_le_bytes());
                    out.extend(self.umas(UMAS_UPLOAD_BLOCK, &data));
                }
                out.extend(self.umas(UMAS_END_UPLOAD, &[0x01, 0x00]));
                out
            }
            ActionKind::FirmwareUpdate => {
                let mut request = vec![FC_FIRMWARE_REPLACEMENT];
                request.extend((0..240u32).map(|i| (i * 7) as u8));
                self.exchange(&request, &[FC_FIRMWARE_REPLACEMENT, 0x00])
            }
            ActionKind::Restart => {
                let pdu = [FC_DIAGNOSTICS, 0x00, 0x01, 0x00, 0x00];
                self.exchange(&pdu, &pdu)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing;

    #[test]
    fn every_action_renders_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("modbus", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "modbus");
    }

    #[test]
    fn identification_carries_the_scenario_identity() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let messages = dialect.identify();
        let response = &messages[1].payload;
        let text = String::from_utf8_lossy(response);
        assert!(text.contains("Schneider Electric"), "{text}");
        assert!(text.contains("V3.10"), "{text}");
    }
}
