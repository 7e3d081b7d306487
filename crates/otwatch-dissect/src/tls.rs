//! TLS handshakes up to version 1.2, as far as they travel in clear: the ClientHello's
//! server name (SNI), the ServerHello's version and cipher suite, and the server's
//! certificates (subject, issuer, validity).
//!
//! A device's certificate often names it (a PLC's or HMI's self-signed certificate carries
//! its model or station name) and says how well its cryptography is kept (expired,
//! self-signed, an old protocol version). TLS 1.3 encrypts the certificate; its hellos are
//! still read.

use crate::der;
use crate::Malformed;

/// Handshake bytes gathered from the records of one direction.
pub const MAX_HANDSHAKE: usize = 32 * 1024;
/// Certificates of a chain that are decoded; the first is the server's own.
const MAX_CERTIFICATES: usize = 4;

const CHANGE_CIPHER_SPEC: u8 = 20;
const ALERT: u8 = 21;
const HANDSHAKE: u8 = 22;
const APPLICATION_DATA: u8 = 23;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientHello {
    pub version: u16,
    pub server_name: Option<String>,
    /// Versions offered in the supported_versions extension (TLS 1.3 clients).
    pub supported_versions: Vec<u16>,
    pub alpn: Vec<String>,
    pub cipher_suites: usize,
}

impl ClientHello {
    /// The highest version offered.
    pub fn max_version(&self) -> u16 {
        self.supported_versions
            .iter()
            .copied()
            .filter(|v| v >> 8 == 3)
            .max()
            .unwrap_or(self.version)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerHello {
    /// The negotiated version: supported_versions when present (TLS 1.3), else the
    /// legacy field.
    pub version: u16,
    pub cipher_suite: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Certificate {
    /// Distinguished names in the order Zeek's x509.log writes them ("CN=..,O=..").
    pub subject: String,
    pub issuer: String,
    pub subject_cn: Option<String>,
    pub issuer_cn: Option<String>,
    pub serial: String,
    pub not_before: Option<(String, i64)>,
    pub not_after: Option<(String, i64)>,
    /// Subject and issuer are the same name: self-signed, as device certificates often are.
    pub self_issued: bool,
}

/// What one direction's handshake showed so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Flight {
    pub client_hello: Option<ClientHello>,
    pub server_hello: Option<ServerHello>,
    pub certificates: Vec<Certificate>,
    /// Nothing more will come in clear: ChangeCipherSpec, application data, an alert,
    /// ServerHelloDone, or a handshake larger than [`MAX_HANDSHAKE`].
    pub done: bool,
}

/// Reads the records at the start of one direction of a TLS stream and the handshake
/// messages they carry. Records cut short at the end are left for the next call with more
/// bytes.
pub fn read_flight(stream: &[u8]) -> Result<Flight, Malformed> {
    let mut handshake: Vec<u8> = Vec::new();
    let mut flight = Flight::default();
    let mut at = 0usize;
    while let Some(header) = stream.get(at..at + 5) {
        let (kind, major, len) = (
            header[0],
            header[1],
            usize::from(u16::from_be_bytes([header[3], header[4]])),
        );
        if major != 3 || !(CHANGE_CIPHER_SPEC..=APPLICATION_DATA).contains(&kind) {
            return Err(Malformed::new("tls_bad_record", at));
        }
        let Some(body) = stream.get(at + 5..at + 5 + len) else {
            break;
        };
        at += 5 + len;
        if kind != HANDSHAKE {
            flight.done = matches!(kind, CHANGE_CIPHER_SPEC | APPLICATION_DATA | ALERT);
            break;
        }
        if handshake.len() + body.len() > MAX_HANDSHAKE {
            flight.done = true;
            break;
        }
        handshake.extend_from_slice(body);
    }
    let mut rest = &handshake[..];
    while rest.len() >= 4 {
        let kind = rest[0];
        let len = usize::from(rest[1]) << 16 | usize::from(rest[2]) << 8 | usize::from(rest[3]);
        let Some(body) = rest.get(4..4 + len) else {
            break;
        };
        rest = &rest[4 + len..];
        match kind {
            1 => flight.client_hello = Some(client_hello(body)?),
            2 => flight.server_hello = Some(server_hello(body)?),
            11 => flight.certificates = certificates(body)?,
            14 => flight.done = true,
            _ => {}
        }
    }
    Ok(flight)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let head = self
            .0
            .get(..n)
            .ok_or(Malformed::new("tls_truncated_hello", 0))?;
        self.0 = &self.0[n..];
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, Malformed> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn vec8(&mut self) -> Result<&'a [u8], Malformed> {
        let n = usize::from(self.u8()?);
        self.take(n)
    }
    fn vec16(&mut self) -> Result<&'a [u8], Malformed> {
        let n = usize::from(self.u16()?);
        self.take(n)
    }
}

/// Calls `f` with each extension (type, body) of a hello.
fn extensions<'a>(
    r: &mut Reader<'a>,
    mut f: impl FnMut(u16, &'a [u8]) -> Result<(), Malformed>,
) -> Result<(), Malformed> {
    if r.0.is_empty() {
        return Ok(());
    }
    let mut list = Reader(r.vec16()?);
    while !list.0.is_empty() {
        let kind = list.u16()?;
        let body = list.vec16()?;
        f(kind, body)?;
    }
    Ok(())
}

fn client_hello(body: &[u8]) -> Result<ClientHello, Malformed> {
    let mut r = Reader(body);
    let mut hello = ClientHello {
        version: r.u16()?,
        ..Default::default()
    };
    r.take(32)?; // random
    r.vec8()?; // session id
    hello.cipher_suites = r.vec16()?.len() / 2;
    r.vec8()?; // compression methods
    extensions(&mut r, |kind, ext| {
        let mut e = Reader(ext);
        match kind {
            0 => {
                // server_name: a list of (type, name); type 0 is a host name.
                let mut names = Reader(e.vec16()?);
                while !names.0.is_empty() {
                    let name_type = names.u8()?;
                    let name = names.vec16()?;
                    if name_type == 0 && hello.server_name.is_none() {
                        hello.server_name = crate::printable(name);
                    }
                }
            }
            16 => {
                let mut protocols = Reader(e.vec16()?);
                while !protocols.0.is_empty() && hello.alpn.len() < 8 {
                    if let Some(p) = crate::printable(protocols.vec8()?) {
                        hello.alpn.push(p);
                    }
                }
            }
            43 => {
                let mut versions = Reader(e.vec8()?);
                while versions.0.len() >= 2 && hello.supported_versions.len() < 16 {
                    hello.supported_versions.push(versions.u16()?);
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(hello)
}

fn server_hello(body: &[u8]) -> Result<ServerHello, Malformed> {
    let mut r = Reader(body);
    let mut hello = ServerHello {
        version: r.u16()?,
        ..Default::default()
    };
    r.take(32)?;
    r.vec8()?;
    hello.cipher_suite = r.u16()?;
    r.u8()?; // compression method
    extensions(&mut r, |kind, ext| {
        if kind == 43 {
            hello.version = Reader(ext).u16()?;
        }
        Ok(())
    })?;
    Ok(hello)
}

fn certificates(body: &[u8]) -> Result<Vec<Certificate>, Malformed> {
    let mut r = Reader(body);
    let total = usize::from(r.u8()?) << 16 | usize::from(r.u16()?);
    let mut list = Reader(r.take(total)?);
    let mut out = Vec::new();
    while !list.0.is_empty() && out.len() < MAX_CERTIFICATES {
        let len = usize::from(list.u8()?) << 16 | usize::from(list.u16()?);
        out.push(parse_certificate(list.take(len)?)?);
    }
    Ok(out)
}

/// The subject, issuer, serial and validity of a DER-encoded X.509 certificate.
pub fn parse_certificate(der_bytes: &[u8]) -> Result<Certificate, Malformed> {
    let (cert, _) = der::expect(der_bytes, der::SEQUENCE)?;
    let (tbs, _) = der::expect(cert, der::SEQUENCE)?;
    let (first, mut rest) = der::read(tbs)?;
    let serial = if first.tag == 0xa0 {
        let (serial, r) = der::expect(rest, der::INTEGER)?;
        rest = r;
        serial
    } else if first.tag == der::INTEGER {
        first.value
    } else {
        return Err(Malformed::new("x509_bad_serial", 0));
    };
    let (_, rest) = der::expect(rest, der::SEQUENCE)?; // signature algorithm
    let (issuer, rest) = der::expect(rest, der::SEQUENCE)?;
    let (validity, rest) = der::expect(rest, der::SEQUENCE)?;
    let (subject, _) = der::expect(rest, der::SEQUENCE)?;
    let (not_before, v) = der::read(validity)?;
    let (not_after, _) = der::read(v)?;
    let subject_name = name(subject)?;
    let issuer_name = name(issuer)?;
    Ok(Certificate {
        subject: subject_name.0,
        issuer: issuer_name.0,
        subject_cn: subject_name.1,
        issuer_cn: issuer_name.1,
        serial: serial
            .iter()
            .skip_while(|&&b| b == 0)
            .take(32)
            .map(|b| format!("{b:02X}"))
            .collect(),
        not_before: der::time(not_before.tag, not_before.value),
        not_after: der::time(not_after.tag, not_after.value),
        self_issued: subject == issuer,
    })
}

/// A Name as text (attributes last-to-first, as RFC 4514 writes them) and its common name.
fn name(mut rdns: &[u8]) -> Result<(String, Option<String>), Malformed> {
    let mut parts = Vec::new();
    let mut cn = None;
    while !rdns.is_empty() && parts.len() < 32 {
        let (set, next) = der::expect(rdns, der::SET)?;
        rdns = next;
        let (attribute, _) = der::expect(set, der::SEQUENCE)?;
        let (oid, value) = der::expect(attribute, der::OID)?;
        let (value, _) = der::read(value)?;
        let label = match oid {
            [0x55, 0x04, 0x03] => "CN",
            [0x55, 0x04, 0x06] => "C",
            [0x55, 0x04, 0x07] => "L",
            [0x55, 0x04, 0x08] => "ST",
            [0x55, 0x04, 0x0a] => "O",
            [0x55, 0x04, 0x0b] => "OU",
            [0x55, 0x04, 0x05] => "serialNumber",
            _ => continue,
        };
        let Some(text) = string(value.tag, value.value) else {
            continue;
        };
        if label == "CN" && cn.is_none() {
            cn = Some(text.clone());
        }
        parts.push(format!("{label}={}", text.replace(',', "\\,")));
    }
    parts.reverse();
    Ok((parts.join(","), cn))
}

fn string(tag: u8, v: &[u8]) -> Option<String> {
    match tag {
        der::UTF8_STRING | der::PRINTABLE_STRING | der::IA5_STRING | der::T61_STRING => {
            crate::printable(v)
        }
        der::BMP_STRING => {
            let units: Vec<u16> = v
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            crate::printable(String::from_utf16_lossy(&units).as_bytes())
        }
        _ => None,
    }
}

/// Version names as Zeek's ssl.log writes them.
pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSLv3".into(),
        0x0301 => "TLSv10".into(),
        0x0302 => "TLSv11".into(),
        0x0303 => "TLSv12".into(),
        0x0304 => "TLSv13".into(),
        other => format!("0x{other:04x}"),
    }
}

/// Whether a negotiated version is one that current guidance retires (SSL 3.0, TLS 1.0
/// and 1.1, RFC 8996).
pub fn is_deprecated(v: u16) -> bool {
    (0x0200..0x0303).contains(&v)
}

/// Cipher suite names from the IANA "TLS Cipher Suites" registry, for the suites servers
/// commonly pick; others are shown by number.
pub fn cipher_name(c: u16) -> String {
    let name = match c {
        0x0004 => "TLS_RSA_WITH_RC4_128_MD5",
        0x0005 => "TLS_RSA_WITH_RC4_128_SHA",
        0x000a => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0033 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x0039 => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        0x003d => "TLS_RSA_WITH_AES_256_CBC_SHA256",
        0x0067 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        0x006b => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0x009e => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        0x009f => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        0x1301 => "TLS_AES_128_GCM_SHA256",
        0x1302 => "TLS_AES_256_GCM_SHA384",
        0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xc012 => "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xc023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        0xc024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        0xc027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        0xc028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xccaa => "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        other => return format!("0x{other:04x}"),
    };
    name.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TLS 1.2 handshake between `openssl s_client -servername hmi-01.plant.example` and
    /// `openssl s_server` with a self-signed certificate (O=Example Plant,
    /// CN=hmi-01.plant.example, valid 2026-11-28 to 2027-11-28), captured on loopback: the
    /// corpus holds no server certificate. Frame 4, the ClientHello record.
    const CLIENT_HELLO: &[u8] = include_bytes!("../testdata/tls12_client_hello.bin");
    /// Frame 6: ServerHello, Certificate, ServerKeyExchange, ServerHelloDone in one record.
    const SERVER_FLIGHT: &[u8] = include_bytes!("../testdata/tls12_server_flight.bin");
    /// modbus-and-non-modbus-p502.pcap (Zeek's Modbus traces), frame 49: a scanner's
    /// ClientHello sent to the Modbus port, without SNI.
    const SCANNER_HELLO_FRAME_49: &str = "1603010085010000810303736ff818542129f78f492d9b1557dafcc7926f075fa314dc76a47a73d1b6f109000020c02fc030c02bc02ccca8cca9c013c009c014c00a009c009d002f0035c012000a01000038000500050100000000000a000a0008001d001700180019000b00020100000d000e000c040104030501050302010203ff0100010000120000";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn client_hello_with_sni() {
        let f = read_flight(CLIENT_HELLO).unwrap();
        let hello = f.client_hello.unwrap();
        assert_eq!(hello.server_name.as_deref(), Some("hmi-01.plant.example"));
        assert_eq!(hello.max_version(), 0x0303);
        assert!(!f.done);
    }

    #[test]
    fn scanner_hello_from_the_corpus() {
        let f = read_flight(&hex(SCANNER_HELLO_FRAME_49)).unwrap();
        let hello = f.client_hello.unwrap();
        assert_eq!(hello.server_name, None);
        assert_eq!(hello.version, 0x0303);
        assert_eq!(hello.cipher_suites, 16);
    }

    #[test]
    fn server_flight_with_certificate() {
        let f = read_flight(SERVER_FLIGHT).unwrap();
        let hello = f.server_hello.unwrap();
        assert_eq!(version_name(hello.version), "TLSv12");
        assert_eq!(
            cipher_name(hello.cipher_suite),
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        );
        assert!(f.done, "ServerHelloDone ends the clear part");
        let cert = &f.certificates[0];
        assert_eq!(cert.subject, "CN=hmi-01.plant.example,O=Example Plant");
        assert_eq!(cert.subject_cn.as_deref(), Some("hmi-01.plant.example"));
        assert_eq!(cert.issuer_cn.as_deref(), Some("hmi-01.plant.example"));
        assert!(cert.self_issued);
        assert_eq!(
            cert.not_before.as_ref().map(|t| t.0.as_str()),
            Some("2026-11-28T00:51:59Z")
        );
        assert_eq!(
            cert.not_after.as_ref().map(|t| t.0.as_str()),
            Some("2027-11-28T00:51:59Z")
        );
    }

    #[test]
    fn records_cut_short_wait_for_more() {
        let f = read_flight(&SERVER_FLIGHT[..60]).unwrap();
        assert_eq!(f.server_hello, None);
        let f = read_flight(&SERVER_FLIGHT[..600]).unwrap();
        assert!(f.server_hello.is_some());
        assert!(
            f.certificates.is_empty(),
            "the certificate record is incomplete"
        );
        assert!(!f.done);
        assert!(read_flight(b"\x17\x02\x00\x00\x00").is_err());
    }

    #[test]
    fn hostile_input() {
        let valid = vec![
            CLIENT_HELLO.to_vec(),
            SERVER_FLIGHT.to_vec(),
            hex(SCANNER_HELLO_FRAME_49),
        ];
        crate::hostile::never_panics(
            &valid,
            443,
            |buf, i| {
                if buf.len() > 9 {
                    let len = (buf.len() - 5) as u16;
                    buf[..5].copy_from_slice(&[22, 3, 3, (len >> 8) as u8, len as u8]);
                    buf[5] = [1, 2, 11][i % 3];
                    let hs = (buf.len() - 9) as u32;
                    buf[6..9].copy_from_slice(&hs.to_be_bytes()[1..]);
                }
            },
            |b| {
                let _ = read_flight(b);
                let _ = parse_certificate(b);
            },
        );
    }
}
