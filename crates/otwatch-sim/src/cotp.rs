//! ISO transport on TCP (RFC 1006): the TPKT header and the COTP class 0 TPDUs that S7comm
//! and IEC 61850 MMS both ride on.
//!
//! Only what a connection of those protocols shows is covered: connection request and
//! confirm with their TSAPs and TPDU size, data TPDUs, and the disconnect request. Every
//! function returns a complete TPKT message ready to be one application message of a TCP
//! conversation.

/// The ISO-on-TCP port (S7comm and MMS share it).
pub const ISO_TSAP_PORT: u16 = 102;

const TPKT_VERSION: u8 = 3;
const TPDU_CONNECTION_REQUEST: u8 = 0xe0;
const TPDU_CONNECTION_CONFIRM: u8 = 0xd0;
const TPDU_DISCONNECT_REQUEST: u8 = 0x80;
const TPDU_DATA: u8 = 0xf0;
const PARAMETER_TPDU_SIZE: u8 = 0xc0;
const PARAMETER_CALLING_TSAP: u8 = 0xc1;
const PARAMETER_CALLED_TSAP: u8 = 0xc2;
/// TPDU size code 10: 1024 bytes, what S7 CPUs and MMS stacks offer.
pub const TPDU_SIZE_1024: u8 = 0x0a;

/// Wraps a TPDU in the 4-byte TPKT header.
pub fn tpkt(tpdu: &[u8]) -> Vec<u8> {
    let length = u16::try_from(tpdu.len() + 4).expect("TPKT message longer than 65535 bytes");
    let mut out = Vec::with_capacity(tpdu.len() + 4);
    out.extend_from_slice(&[TPKT_VERSION, 0]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(tpdu);
    out
}

/// The TSAPs and size of a connection request or confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection<'a> {
    pub calling_tsap: &'a [u8],
    pub called_tsap: &'a [u8],
    pub tpdu_size: u8,
}

fn connection_tpdu(code: u8, destination_ref: u16, source_ref: u16, c: &Connection) -> Vec<u8> {
    let mut tpdu = vec![0, code];
    tpdu.extend_from_slice(&destination_ref.to_be_bytes());
    tpdu.extend_from_slice(&source_ref.to_be_bytes());
    // Class 0, no extended formats: all that ISO on TCP allows.
    tpdu.push(0x00);
    tpdu.extend_from_slice(&[PARAMETER_TPDU_SIZE, 1, c.tpdu_size]);
    for (parameter, value) in [
        (PARAMETER_CALLING_TSAP, c.calling_tsap),
        (PARAMETER_CALLED_TSAP, c.called_tsap),
    ] {
        tpdu.push(parameter);
        tpdu.push(u8::try_from(value.len()).expect("TSAP longer than 255 bytes"));
        tpdu.extend_from_slice(value);
    }
    tpdu[0] = u8::try_from(tpdu.len() - 1).expect("COTP header longer than 255 bytes");
    tpkt(&tpdu)
}

/// CR from the client: destination reference 0, the client's own reference.
pub fn connection_request(source_ref: u16, connection: &Connection) -> Vec<u8> {
    connection_tpdu(TPDU_CONNECTION_REQUEST, 0, source_ref, connection)
}

/// CC from the server: the client's reference back, and the server's own.
pub fn connection_confirm(destination_ref: u16, source_ref: u16, c: &Connection) -> Vec<u8> {
    connection_tpdu(TPDU_CONNECTION_CONFIRM, destination_ref, source_ref, c)
}

/// The CR from the client and the server's CC that open a transport connection, as the
/// first two messages of a conversation.
pub fn connect(
    client_ref: u16,
    server_ref: u16,
    connection: &Connection,
) -> Vec<crate::dialect::Message> {
    use crate::dialect::Message;
    vec![
        Message::request(connection_request(client_ref, connection)),
        Message::response(connection_confirm(client_ref, server_ref, connection)),
    ]
}

/// One data TPDU carrying a whole user message (end of TSDU set).
pub fn data(user_data: &[u8]) -> Vec<u8> {
    let mut tpdu = Vec::with_capacity(user_data.len() + 3);
    tpdu.extend_from_slice(&[2, TPDU_DATA, 0x80]);
    tpdu.extend_from_slice(user_data);
    tpkt(&tpdu)
}

/// DR with reason 0 (normal disconnect initiated by the session entity).
pub fn disconnect_request(destination_ref: u16, source_ref: u16) -> Vec<u8> {
    let mut tpdu = vec![6, TPDU_DISCONNECT_REQUEST];
    tpdu.extend_from_slice(&destination_ref.to_be_bytes());
    tpdu.extend_from_slice(&source_ref.to_be_bytes());
    tpdu.push(0x00);
    tpkt(&tpdu)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A connection confirm of an S7-300 (rack 0, slot 2) as captured from a snap7 client
    /// session: TPDU size 512, calling TSAP 0x0100, called TSAP 0x0102.
    #[test]
    fn connection_confirm_matches_a_captured_s7_confirm() {
        let cc = connection_confirm(
            0x0001,
            0x0003,
            &Connection {
                calling_tsap: &[0x01, 0x00],
                called_tsap: &[0x01, 0x02],
                tpdu_size: 0x09,
            },
        );
        assert_eq!(hex(&cc), "0300001611d00001000300c00109c1020100c2020102");
    }

    #[test]
    fn data_tpdu_marks_the_end_of_the_message() {
        assert_eq!(hex(&data(&[0x32, 0x01])), "0300000902f0803201");
    }
}
