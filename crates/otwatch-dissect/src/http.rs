//! HTTP/1.x message heads: the request line with Host, User-Agent and the Authorization
//! scheme; the status line with Server; and the HTML `<title>` of a page.
//!
//! Device web servers (PLC, HMI, switch and gateway configuration pages) name themselves in
//! the Server header and the page title, which makes them strong identity evidence. Basic
//! authentication sends a password in base64, that is in clear: the parser decodes the user
//! name and only says that a password was there.

use crate::Malformed;

/// Longest message head parsed; device pages answer with a few hundred bytes of headers.
pub const MAX_HEAD: usize = 8 * 1024;
/// Header lines read per message.
const MAX_HEADERS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub uri: String,
    pub version: String,
    pub host: Option<String>,
    pub user_agent: Option<String>,
    pub authorization: Option<Authorization>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorization {
    /// Basic: the user name, and whether a password followed it. The password is dropped.
    Basic {
        user: Option<String>,
        password_present: bool,
    },
    /// NTLM (alone or inside Negotiate) with a message the token carries: the client's
    /// AUTHENTICATE names its domain, user and workstation.
    Ntlm(crate::sessions::Ntlm),
    /// Any other scheme (Digest, Negotiate with Kerberos, Bearer), by name.
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub version: String,
    pub status: u16,
    pub reason: String,
    pub server: Option<String>,
    pub content_type: Option<String>,
    pub content_length: Option<usize>,
    /// The body is compressed (gzip, deflate, br): its title cannot be read.
    pub encoded: bool,
    /// Scheme of a WWW-Authenticate challenge (a 401 asking for Basic is worth knowing).
    pub authenticate: Option<String>,
}

impl Response {
    /// Whether the body may be an HTML page whose title is worth looking for.
    pub fn may_have_title(&self) -> bool {
        !self.encoded
            && self
                .content_type
                .as_deref()
                .is_none_or(|t| t.to_ascii_lowercase().contains("html"))
    }
}

/// Where the head ends (the index after the blank line), if it has.
pub fn head_end(b: &[u8]) -> Option<usize> {
    let window = &b[..b.len().min(MAX_HEAD)];
    if let Some(i) = window.windows(4).position(|w| w == b"\r\n\r\n") {
        return Some(i + 4);
    }
    // Some embedded servers end lines with a bare LF.
    window.windows(2).position(|w| w == b"\n\n").map(|i| i + 2)
}

/// A header line's name and value.
type Header<'a> = (&'a [u8], &'a [u8]);

/// Splits a head into its first line and its headers.
fn lines(head: &[u8]) -> (&[u8], Vec<Header<'_>>) {
    let mut it = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let first = it.next().unwrap_or_default();
    let headers = it
        .take_while(|l| !l.is_empty())
        .take(MAX_HEADERS)
        .filter_map(|l| {
            let colon = l.iter().position(|&b| b == b':')?;
            Some((l[..colon].trim_ascii(), l[colon + 1..].trim_ascii()))
        })
        .collect();
    (first, headers)
}

fn header<'a>(headers: &[Header<'a>], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
        .map(|(_, v)| *v)
}

fn text(b: &[u8]) -> Option<String> {
    crate::printable(b)
}

/// Parses a request head (from the method up to the blank line).
pub fn parse_request(head: &[u8]) -> Result<Request, Malformed> {
    let (first, headers) = lines(head);
    let mut parts = first.split(|&b| b == b' ').filter(|p| !p.is_empty());
    let method = parts.next().ok_or(Malformed::new("http_no_method", 0))?;
    if method.is_empty() || !method.iter().all(u8::is_ascii_uppercase) || method.len() > 16 {
        return Err(Malformed::new("http_bad_method", 0));
    }
    let uri = parts
        .next()
        .ok_or(Malformed::new("http_no_uri", method.len()))?;
    let version = parts.next().unwrap_or(b"HTTP/0.9");
    if !version.starts_with(b"HTTP/") {
        return Err(Malformed::new("http_bad_version", 0));
    }
    Ok(Request {
        method: String::from_utf8_lossy(method).into_owned(),
        uri: text(uri).unwrap_or_default(),
        version: String::from_utf8_lossy(&version[5..]).into_owned(),
        host: header(&headers, "host").and_then(text),
        user_agent: header(&headers, "user-agent").and_then(text),
        authorization: header(&headers, "authorization").map(authorization),
    })
}

fn authorization(v: &[u8]) -> Authorization {
    let mut parts = v.splitn(2, |&b| b == b' ');
    let scheme = parts.next().unwrap_or_default();
    let decoded = base64(parts.next().unwrap_or_default().trim_ascii());
    if scheme.eq_ignore_ascii_case(b"ntlm") || scheme.eq_ignore_ascii_case(b"negotiate") {
        let ntlm = decoded
            .windows(8)
            .position(|w| w == b"NTLMSSP\0")
            .and_then(|at| crate::sessions::ntlmssp(&decoded[at..]));
        if let Some(n) = ntlm {
            return Authorization::Ntlm(n);
        }
    }
    if !scheme.eq_ignore_ascii_case(b"basic") {
        return Authorization::Other(text(scheme).unwrap_or_default());
    }
    let (user, password_present) = match decoded.iter().position(|&b| b == b':') {
        Some(i) => (&decoded[..i], i + 1 < decoded.len()),
        None => (&decoded[..], false),
    };
    Authorization::Basic {
        user: text(user),
        password_present,
    }
}

/// Standard base64 (padding optional); stops at the first byte outside the alphabet.
fn base64(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len() / 4 * 3 + 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in b.iter().take(4096) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => break,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Parses a response head (from "HTTP/" up to the blank line).
pub fn parse_response(head: &[u8]) -> Result<Response, Malformed> {
    let (first, headers) = lines(head);
    let rest = first
        .strip_prefix(b"HTTP/")
        .ok_or(Malformed::new("http_bad_status_line", 0))?;
    let mut parts = rest.splitn(3, |&b| b == b' ');
    let version = parts.next().unwrap_or_default();
    let status = parts
        .next()
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|s| (100..1000).contains(s))
        .ok_or(Malformed::new("http_bad_status", 9))?;
    let reason = parts.next().and_then(text).unwrap_or_default();
    let encoding = header(&headers, "content-encoding").unwrap_or_default();
    Ok(Response {
        version: String::from_utf8_lossy(version).into_owned(),
        status,
        reason,
        server: header(&headers, "server").and_then(text),
        content_type: header(&headers, "content-type").and_then(text),
        content_length: header(&headers, "content-length")
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.parse().ok()),
        encoded: !encoding.is_empty() && !encoding.eq_ignore_ascii_case(b"identity"),
        authenticate: header(&headers, "www-authenticate")
            .and_then(|v| v.split(|&b| b == b' ').next())
            .and_then(text),
    })
}

/// The text of the first `<title>` element of an HTML page (any case, attributes
/// allowed), with white space collapsed and the commonest entities decoded.
pub fn title(body: &[u8]) -> Option<String> {
    let lower: Vec<u8> = body.iter().map(u8::to_ascii_lowercase).collect();
    let open = lower.windows(6).position(|w| w == b"<title")?;
    let after = open + 6;
    // "<title>" or "<title lang=..>", not "<titlefoo>".
    if !matches!(lower.get(after), Some(b'>' | b' ' | b'\t' | b'\r' | b'\n')) {
        return None;
    }
    let start = after + lower[after..].iter().position(|&b| b == b'>')? + 1;
    let len = lower[start..].windows(7).position(|w| w == b"</title")?;
    let raw = String::from_utf8_lossy(&body[start..start + len]);
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let decoded = collapsed
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    crate::printable(decoded.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// modbus-and-non-modbus-p502.pcap (Zeek's Modbus traces), frame 65: an internet
    /// scanner's request to the Modbus port.
    const SCANNER_FRAME_65: &[u8] = b"GET / HTTP/1.1\r\nHost: 160.97.70.34\r\nAccept: */*\r\nAccept-Encoding: gzip\r\nUser-Agent: Mozilla/5.0 zgrab/0.x\r\n\r\n";
    /// m-send-req.mms.pcap (ITI IEC 61850 captures), frame 5: the start of a response.
    const RESPONSE_FRAME_5: &[u8] = b"HTTP/1.1 200 Okay\r\nConnection: close\r\nContent-Type: application/vnd.wap.mms-message\r\nServer: Mu Dynamics\r\nContent-Length: 23032\r\n\r\n\x8c\x80\x98ABC\x00";

    #[test]
    fn request_from_the_corpus() {
        let end = head_end(SCANNER_FRAME_65).unwrap();
        assert_eq!(end, SCANNER_FRAME_65.len());
        let r = parse_request(&SCANNER_FRAME_65[..end]).unwrap();
        assert_eq!((r.method.as_str(), r.uri.as_str()), ("GET", "/"));
        assert_eq!(r.version, "1.1");
        assert_eq!(r.host.as_deref(), Some("160.97.70.34"));
        assert_eq!(r.user_agent.as_deref(), Some("Mozilla/5.0 zgrab/0.x"));
        assert_eq!(r.authorization, None);
    }

    #[test]
    fn response_from_the_corpus() {
        let end = head_end(RESPONSE_FRAME_5).unwrap();
        let r = parse_response(&RESPONSE_FRAME_5[..end]).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.reason, "Okay");
        assert_eq!(r.server.as_deref(), Some("Mu Dynamics"));
        assert_eq!(r.content_length, Some(23032));
        assert!(!r.may_have_title());
    }

    #[test]
    fn basic_authentication_keeps_the_user_only() {
        // "admin:s3cret" in base64 (RFC 7617 2.).
        let head = b"GET /cgi-bin/config HTTP/1.0\r\nAuthorization: Basic YWRtaW46czNjcmV0\r\n\r\n";
        let r = parse_request(head).unwrap();
        assert_eq!(
            r.authorization,
            Some(Authorization::Basic {
                user: Some("admin".into()),
                password_present: true
            })
        );
        let digest =
            parse_request(b"GET / HTTP/1.1\r\nauthorization: Digest username=\"x\"\r\n\r\n");
        assert_eq!(
            digest.unwrap().authorization,
            Some(Authorization::Other("Digest".into()))
        );
        assert_eq!(base64(b"YQ=="), b"a");
        // NTLM over HTTP carries the same AUTHENTICATE as SMB: the message of
        // Sample_File_MMS_and_GOOSE.pcap frame 16 (user MicroSCADA), base64-encoded.
        let token = "TlRMTVNTUAADAAAAGAAYAGwAAAAYABgAhAAAAAgACABIAAAAFAAUAFAAAAAIAAgAZAAAAAAAAACcAAAABYKIogUCzg4AAAAPRABFAE0ATwBNAGkAYwByAG8AUwBDAEEARABBAEQARQBNAE8A";
        let head = format!("GET / HTTP/1.1\r\nAuthorization: NTLM {token}\r\n\r\n");
        match parse_request(head.as_bytes()).unwrap().authorization {
            Some(Authorization::Ntlm(n)) => {
                assert_eq!(n.user.as_deref(), Some("MicroSCADA"));
                assert_eq!(n.workstation.as_deref(), Some("DEMO"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn page_titles() {
        assert_eq!(
            title(b"<html><head><TITLE>\r\n  SIMATIC&nbsp;S7-1200 &amp; Web  </TITLE>").as_deref(),
            Some("SIMATIC S7-1200 & Web")
        );
        assert_eq!(
            title(b"<title lang=en>Moxa EDS</title>").as_deref(),
            Some("Moxa EDS")
        );
        assert_eq!(title(b"<titles>x</titles>"), None);
        assert_eq!(title(b"<title>never closed"), None);
        assert_eq!(title(b"<title></title>"), None);
    }

    #[test]
    fn not_http() {
        assert!(parse_request(b"\x16\x03\x01 / HTTP/1.1\r\n\r\n").is_err());
        assert!(parse_response(b"HTTP/1.1 abc\r\n\r\n").is_err());
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
    }

    #[test]
    fn hostile_input() {
        let valid = vec![SCANNER_FRAME_65.to_vec(), RESPONSE_FRAME_5.to_vec()];
        crate::hostile::never_panics(
            &valid,
            80,
            |buf, i| {
                let start: &[u8] = if i % 4 == 0 {
                    b"HTTP/1.1 200 "
                } else {
                    b"GET / HTTP/1.1\r\n"
                };
                if buf.len() > start.len() {
                    buf[..start.len()].copy_from_slice(start);
                }
            },
            |b| {
                let _ = parse_request(b);
                let _ = parse_response(b);
                let _ = head_end(b);
                let _ = title(b);
            },
        );
    }
}
