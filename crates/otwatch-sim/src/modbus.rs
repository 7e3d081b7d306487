//! Modbus/TCP application data units, as masters and servers put them on the wire.
//!
//! Functions return either a PDU (function code plus data) or, through [`adu`], the PDU
//! wrapped in the MBAP header. Only the function codes the simulated plant uses are covered;
//! they are also the ones an OT monitor most needs to recognise: cyclic reads, writes, and
//! the identification requests engineering tools send.

pub const MODBUS_TCP_PORT: u16 = 502;

pub const FC_READ_COILS: u8 = 1;
pub const FC_READ_HOLDING_REGISTERS: u8 = 3;
pub const FC_WRITE_SINGLE_REGISTER: u8 = 6;
pub const FC_WRITE_MULTIPLE_REGISTERS: u8 = 16;
pub const FC_REPORT_SERVER_ID: u8 = 17;
pub const FC_ENCAPSULATED_INTERFACE: u8 = 43;

/// MEI type of Read Device Identification inside function 43.
pub const MEI_READ_DEVICE_ID: u8 = 14;

pub const DEVICE_ID_VENDOR_NAME: u8 = 0;
pub const DEVICE_ID_PRODUCT_CODE: u8 = 1;
pub const DEVICE_ID_REVISION: u8 = 2;

/// Wraps a PDU in the 7-byte MBAP header (protocol identifier 0).
pub fn adu(transaction_id: u16, unit_id: u8, pdu: &[u8]) -> Vec<u8> {
    let length = u16::try_from(pdu.len() + 1).expect("Modbus PDU too long");
    let mut out = Vec::with_capacity(7 + pdu.len());
    out.extend_from_slice(&transaction_id.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&length.to_be_bytes());
    out.push(unit_id);
    out.extend_from_slice(pdu);
    out
}

fn address_and_count(fc: u8, address: u16, count: u16) -> Vec<u8> {
    let mut pdu = vec![fc];
    pdu.extend_from_slice(&address.to_be_bytes());
    pdu.extend_from_slice(&count.to_be_bytes());
    pdu
}

pub fn read_coils_request(address: u16, quantity: u16) -> Vec<u8> {
    address_and_count(FC_READ_COILS, address, quantity)
}

/// Coil states packed LSB-first, the last byte zero-filled.
pub fn read_coils_response(coils: &[bool]) -> Vec<u8> {
    let mut bytes = vec![0u8; coils.len().div_ceil(8)];
    for (i, _) in coils.iter().enumerate().filter(|(_, &on)| on) {
        bytes[i / 8] |= 1 << (i % 8);
    }
    let mut pdu = vec![
        FC_READ_COILS,
        u8::try_from(bytes.len()).expect("too many coils"),
    ];
    pdu.extend_from_slice(&bytes);
    pdu
}

pub fn read_holding_registers_request(address: u16, quantity: u16) -> Vec<u8> {
    address_and_count(FC_READ_HOLDING_REGISTERS, address, quantity)
}

pub fn read_holding_registers_response(values: &[u16]) -> Vec<u8> {
    let byte_count = u8::try_from(values.len() * 2).expect("too many registers");
    let mut pdu = vec![FC_READ_HOLDING_REGISTERS, byte_count];
    for v in values {
        pdu.extend_from_slice(&v.to_be_bytes());
    }
    pdu
}

/// Function 6. The normal response is an exact echo of the request.
pub fn write_single_register(address: u16, value: u16) -> Vec<u8> {
    address_and_count(FC_WRITE_SINGLE_REGISTER, address, value)
}

pub fn write_multiple_registers_request(address: u16, values: &[u16]) -> Vec<u8> {
    let quantity = u16::try_from(values.len()).expect("too many registers");
    let mut pdu = address_and_count(FC_WRITE_MULTIPLE_REGISTERS, address, quantity);
    pdu.push(u8::try_from(values.len() * 2).expect("too many registers"));
    for v in values {
        pdu.extend_from_slice(&v.to_be_bytes());
    }
    pdu
}

pub fn write_multiple_registers_response(address: u16, quantity: u16) -> Vec<u8> {
    address_and_count(FC_WRITE_MULTIPLE_REGISTERS, address, quantity)
}

pub fn report_server_id_request() -> Vec<u8> {
    vec![FC_REPORT_SERVER_ID]
}

/// `additional` is the device-specific trailer, typically a model string.
pub fn report_server_id_response(server_id: u8, running: bool, additional: &[u8]) -> Vec<u8> {
    let byte_count = u8::try_from(2 + additional.len()).expect("server id data too long");
    let mut pdu = vec![FC_REPORT_SERVER_ID, byte_count, server_id];
    pdu.push(if running { 0xff } else { 0x00 });
    pdu.extend_from_slice(additional);
    pdu
}

/// Function 43 / MEI 14. `read_code` 1 requests the basic stream starting at `object_id`.
pub fn read_device_id_request(read_code: u8, object_id: u8) -> Vec<u8> {
    vec![
        FC_ENCAPSULATED_INTERFACE,
        MEI_READ_DEVICE_ID,
        read_code,
        object_id,
    ]
}

/// Response carrying all `objects` in one message (no "more follows").
pub fn read_device_id_response(
    read_code: u8,
    conformity_level: u8,
    objects: &[(u8, &str)],
) -> Vec<u8> {
    let mut pdu = vec![
        FC_ENCAPSULATED_INTERFACE,
        MEI_READ_DEVICE_ID,
        read_code,
        conformity_level,
        0x00, // more follows: no
        0x00, // next object id, meaningless without more follows
        u8::try_from(objects.len()).expect("too many objects"),
    ];
    for (id, value) in objects {
        pdu.push(*id);
        pdu.push(u8::try_from(value.len()).expect("object value too long"));
        pdu.extend_from_slice(value.as_bytes());
    }
    pdu
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_holding_registers_adu() {
        assert_eq!(
            adu(0x0001, 1, &read_holding_registers_request(0, 10)),
            [0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x0a]
        );
        assert_eq!(
            read_holding_registers_response(&[0x1234, 0x0005]),
            [0x03, 0x04, 0x12, 0x34, 0x00, 0x05]
        );
    }

    #[test]
    fn coils_pack_lsb_first() {
        let mut coils = [false; 10];
        coils[0] = true;
        coils[3] = true;
        coils[9] = true;
        assert_eq!(read_coils_response(&coils), [0x01, 0x02, 0x09, 0x02]);
    }

    #[test]
    fn writes() {
        assert_eq!(
            write_single_register(4, 1200),
            [0x06, 0x00, 0x04, 0x04, 0xb0]
        );
        assert_eq!(
            write_multiple_registers_request(10, &[0x0000, 0x1068]),
            [0x10, 0x00, 0x0a, 0x00, 0x02, 0x04, 0x00, 0x00, 0x10, 0x68]
        );
        assert_eq!(
            write_multiple_registers_response(10, 2),
            [0x10, 0x00, 0x0a, 0x00, 0x02]
        );
    }

    #[test]
    fn device_identification() {
        assert_eq!(read_device_id_request(1, 0), [0x2b, 0x0e, 0x01, 0x00]);
        let resp = read_device_id_response(1, 0x01, &[(0, "AB"), (2, "v1")]);
        assert_eq!(
            resp,
            [
                0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 0x02, 0x00, 0x02, b'A', b'B', 0x02, 0x02, b'v',
                b'1'
            ]
        );
        assert_eq!(
            report_server_id_response(1, true, b"X"),
            [0x11, 0x03, 0x01, 0xff, b'X']
        );
    }
}
