//! OPC UA binary over TCP (OPC 10000-6, "UA TCP" and "UA Secure Conversation"): the
//! message header every chunk starts with, Hello / Acknowledge / Error, the security and
//! sequence headers of OpenSecureChannel, MSG and CLO chunks, and the service bodies a
//! monitor learns from — the request and response headers, the secure channel's policy and
//! mode, endpoint and application descriptions (who the server says it is, which security
//! it offers), sessions and their identity tokens, and Read, Write, Browse, Call and
//! subscription requests with their results.
//!
//! On a channel that signs and encrypts, everything after the security header is ciphertext:
//! callers only parse service bodies of channels whose mode they saw was None or Sign.
//!
//! Everything is little endian. Strings and byte strings are an `i32` length (-1 for null)
//! and the bytes; arrays are an `i32` count and the elements. Every count is checked
//! against the bytes left before anything is allocated.

use crate::Malformed;

/// Message type, chunk type and message size.
pub const HEADER_LEN: usize = 8;

/// Nesting allowed in variants, data values and diagnostic infos, which may contain
/// themselves.
const MAX_DEPTH: u8 = 8;

/// Elements kept from one array (more are read over, not stored): a log of 256 references
/// of one Browse answer says enough.
pub const MAX_ITEMS: usize = 256;

/// The header that starts every chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// `HEL`, `ACK`, `ERR`, `RHE`, `OPN`, `MSG` or `CLO`.
    pub message_type: [u8; 3],
    /// `F` final, `C` intermediate, `A` abort.
    pub chunk_type: u8,
    /// The whole chunk, header included.
    pub size: u32,
}

impl Header {
    pub fn type_str(&self) -> &'static str {
        match &self.message_type {
            b"HEL" => "HEL",
            b"ACK" => "ACK",
            b"ERR" => "ERR",
            b"RHE" => "RHE",
            b"OPN" => "OPN",
            b"MSG" => "MSG",
            _ => "CLO",
        }
    }
}

/// The header of a chunk, when the bytes start like one: a known message type, a known
/// chunk type and a size that at least covers the header.
pub fn header(data: &[u8]) -> Option<Header> {
    let h = data.get(..HEADER_LEN)?;
    let message_type = [h[0], h[1], h[2]];
    let known = matches!(
        &message_type,
        b"HEL" | b"ACK" | b"ERR" | b"RHE" | b"OPN" | b"MSG" | b"CLO"
    );
    if !known || !matches!(h[3], b'F' | b'C' | b'A') {
        return None;
    }
    let size = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
    (size as usize >= HEADER_LEN).then_some(Header {
        message_type,
        chunk_type: h[3],
        size,
    })
}

/// A cursor over a message, every read checked.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }

    fn short(&self) -> Malformed {
        Malformed::new("opcua_truncated", self.pos)
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.short())?;
        let bytes = self.data.get(self.pos..end).ok_or_else(|| self.short())?;
        self.pos = end;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Malformed> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.array::<1>()?[0])
    }
    pub fn bool(&mut self) -> Result<bool, Malformed> {
        Ok(self.u8()? != 0)
    }
    pub fn u16(&mut self) -> Result<u16, Malformed> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    pub fn u32(&mut self) -> Result<u32, Malformed> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub fn i32(&mut self) -> Result<i32, Malformed> {
        Ok(i32::from_le_bytes(self.array()?))
    }
    pub fn i64(&mut self) -> Result<i64, Malformed> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    pub fn f64(&mut self) -> Result<f64, Malformed> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// A byte string: `None` for null (any negative length).
    pub fn bytes(&mut self) -> Result<Option<&'a [u8]>, Malformed> {
        let at = self.pos;
        let len = self.i32()?;
        if len < 0 {
            return Ok(None);
        }
        let len = len as usize;
        if len > self.remaining() {
            return Err(Malformed::new("opcua_length_beyond_message", at));
        }
        self.take(len).map(Some)
    }

    /// A string, lossy UTF-8: `None` for null.
    pub fn string(&mut self) -> Result<Option<String>, Malformed> {
        Ok(self
            .bytes()?
            .map(|b| String::from_utf8_lossy(b).into_owned()))
    }

    /// An array's element count; `None` for a null array. Every element takes at least
    /// `min_size` bytes, so a count the message cannot hold is refused before any loop.
    pub fn count(&mut self, min_size: usize) -> Result<usize, Malformed> {
        let at = self.pos;
        let n = self.i32()?;
        if n <= 0 {
            return Ok(0);
        }
        let n = n as usize;
        if n.saturating_mul(min_size.max(1)) > self.remaining() {
            return Err(Malformed::new("opcua_count_beyond_message", at));
        }
        Ok(n)
    }

    /// An array of strings, at most [`MAX_ITEMS`] kept (null strings as empty).
    pub fn strings(&mut self) -> Result<Vec<String>, Malformed> {
        let n = self.count(4)?;
        let mut out = Vec::with_capacity(n.min(MAX_ITEMS));
        for _ in 0..n {
            let s = self.string()?.unwrap_or_default();
            if out.len() < MAX_ITEMS {
                out.push(s);
            }
        }
        Ok(out)
    }

    pub fn guid(&mut self) -> Result<String, Malformed> {
        let g: [u8; 16] = self.array()?;
        Ok(format_guid(&g))
    }

    pub fn node_id(&mut self) -> Result<NodeId, Malformed> {
        let encoding = self.u8()?;
        let (namespace, id) = match encoding & 0x0f {
            0 => (None, Identifier::Numeric(u32::from(self.u8()?))),
            1 => {
                let ns = self.u8()?;
                (
                    Some(u16::from(ns)),
                    Identifier::Numeric(u32::from(self.u16()?)),
                )
            }
            2 => {
                let ns = self.u16()?;
                (Some(ns), Identifier::Numeric(self.u32()?))
            }
            3 => {
                let ns = self.u16()?;
                (
                    Some(ns),
                    Identifier::String(self.string()?.unwrap_or_default()),
                )
            }
            4 => {
                let ns = self.u16()?;
                (Some(ns), Identifier::Guid(self.guid()?))
            }
            5 => {
                let ns = self.u16()?;
                (
                    Some(ns),
                    Identifier::Opaque(self.bytes()?.unwrap_or_default().to_vec()),
                )
            }
            _ => return Err(Malformed::new("opcua_bad_node_id_encoding", self.pos - 1)),
        };
        Ok(NodeId {
            encoding,
            namespace,
            id,
        })
    }

    pub fn expanded_node_id(&mut self) -> Result<ExpandedNodeId, Malformed> {
        let node = self.node_id()?;
        let namespace_uri = if node.encoding & 0x80 != 0 {
            Some(self.string()?.unwrap_or_default())
        } else {
            None
        };
        let server_index = if node.encoding & 0x40 != 0 {
            Some(self.u32()?)
        } else {
            None
        };
        Ok(ExpandedNodeId {
            node,
            namespace_uri,
            server_index,
        })
    }

    pub fn qualified_name(&mut self) -> Result<(u16, Option<String>), Malformed> {
        Ok((self.u16()?, self.string()?))
    }

    pub fn localized_text(&mut self) -> Result<LocalizedText, Malformed> {
        let mask = self.u8()?;
        let locale = if mask & 1 != 0 { self.string()? } else { None };
        let text = if mask & 2 != 0 { self.string()? } else { None };
        Ok(LocalizedText { mask, locale, text })
    }

    /// An extension object: its type, its encoding byte and, for a binary body, the body.
    pub fn extension_object(&mut self) -> Result<ExtensionObject<'a>, Malformed> {
        let type_id = self.node_id()?;
        let encoding = self.u8()?;
        let body = match encoding {
            0 => None,
            1 | 2 => self.bytes()?,
            _ => return Err(Malformed::new("opcua_bad_extension_encoding", self.pos - 1)),
        };
        Ok(ExtensionObject {
            type_id,
            encoding,
            body,
        })
    }

    /// A diagnostic info, read over; its encoding mask is returned.
    pub fn diagnostic_info(&mut self, depth: u8) -> Result<u8, Malformed> {
        if depth > MAX_DEPTH {
            return Err(Malformed::new("opcua_nesting_too_deep", self.pos));
        }
        let mask = self.u8()?;
        for bit in [0x01, 0x02, 0x04, 0x08] {
            if mask & bit != 0 {
                self.i32()?;
            }
        }
        if mask & 0x10 != 0 {
            self.string()?;
        }
        if mask & 0x20 != 0 {
            self.u32()?;
        }
        if mask & 0x40 != 0 {
            self.diagnostic_info(depth + 1)?;
        }
        Ok(mask)
    }

    /// Diagnostic infos of a response, read over.
    pub fn diagnostic_infos(&mut self) -> Result<(), Malformed> {
        let n = self.count(1)?;
        for _ in 0..n {
            self.diagnostic_info(0)?;
        }
        Ok(())
    }

    /// A variant; a scalar string (the one a monitor shows, such as a product name) is
    /// returned, anything else read over.
    pub fn variant(&mut self, depth: u8) -> Result<Option<String>, Malformed> {
        if depth > MAX_DEPTH {
            return Err(Malformed::new("opcua_nesting_too_deep", self.pos));
        }
        let mask = self.u8()?;
        let kind = mask & 0x3f;
        let mut text = None;
        if mask & 0x80 != 0 {
            let n = self.count(builtin_min_size(kind))?;
            for _ in 0..n {
                self.builtin(kind, depth)?;
            }
            if mask & 0x40 != 0 {
                let dims = self.count(4)?;
                self.take(dims.saturating_mul(4))?;
            }
        } else if kind == 12 || kind == 21 {
            text = self.builtin(kind, depth)?;
        } else {
            self.builtin(kind, depth)?;
        }
        Ok(text)
    }

    /// One value of a built-in type (OPC 10000-6 5.1.2); strings and localized text are
    /// returned.
    fn builtin(&mut self, kind: u8, depth: u8) -> Result<Option<String>, Malformed> {
        match kind {
            0 => {}
            1..=3 => {
                self.take(1)?;
            }
            4 | 5 => {
                self.take(2)?;
            }
            6 | 7 | 10 | 19 => {
                self.take(4)?;
            }
            8 | 9 | 11 | 13 => {
                self.take(8)?;
            }
            12 => return self.string(),
            14 => {
                self.take(16)?;
            }
            15 | 16 => {
                self.bytes()?;
            }
            17 => {
                self.node_id()?;
            }
            18 => {
                self.expanded_node_id()?;
            }
            20 => {
                self.qualified_name()?;
            }
            21 => return Ok(self.localized_text()?.text),
            22 => {
                self.extension_object()?;
            }
            23 => {
                self.data_value(depth + 1)?;
            }
            24 => {
                self.variant(depth + 1)?;
            }
            25 => {
                self.diagnostic_info(depth + 1)?;
            }
            _ => return Err(Malformed::new("opcua_bad_variant_type", self.pos)),
        }
        Ok(None)
    }

    pub fn data_value(&mut self, depth: u8) -> Result<DataValue, Malformed> {
        if depth > MAX_DEPTH {
            return Err(Malformed::new("opcua_nesting_too_deep", self.pos));
        }
        let mask = self.u8()?;
        let text = if mask & 0x01 != 0 {
            self.variant(depth + 1)?
        } else {
            None
        };
        let status = if mask & 0x02 != 0 {
            Some(self.u32()?)
        } else {
            None
        };
        let source_timestamp = if mask & 0x04 != 0 {
            Some(self.i64()?)
        } else {
            None
        };
        let source_picoseconds = if mask & 0x10 != 0 {
            Some(self.u16()?)
        } else {
            None
        };
        let server_timestamp = if mask & 0x08 != 0 {
            Some(self.i64()?)
        } else {
            None
        };
        let server_picoseconds = if mask & 0x20 != 0 {
            Some(self.u16()?)
        } else {
            None
        };
        Ok(DataValue {
            mask,
            text,
            status,
            source_timestamp,
            source_picoseconds,
            server_timestamp,
            server_picoseconds,
        })
    }

    pub fn signature(&mut self) -> Result<Signature, Malformed> {
        Ok(Signature {
            algorithm: self.string()?,
            signature: self.bytes()?.map(<[u8]>::to_vec),
        })
    }

    pub fn application(&mut self) -> Result<Application, Malformed> {
        Ok(Application {
            application_uri: self.string()?,
            product_uri: self.string()?,
            name: self.localized_text()?,
            application_type: self.u32()?,
            gateway_server_uri: self.string()?,
            discovery_profile_uri: self.string()?,
            discovery_urls: self.strings()?,
        })
    }

    pub fn endpoint(&mut self) -> Result<Endpoint, Malformed> {
        let endpoint_url = self.string()?;
        let server = self.application()?;
        let certificate = self.bytes()?.map(<[u8]>::to_vec);
        let security_mode = self.u32()?;
        let security_policy_uri = self.string()?;
        let n = self.count(20)?;
        let mut user_tokens = Vec::with_capacity(n.min(MAX_ITEMS));
        for _ in 0..n {
            let token = UserTokenPolicy {
                policy_id: self.string()?,
                token_type: self.u32()?,
                issued_token_type: self.string()?,
                issuer_endpoint_url: self.string()?,
                security_policy_uri: self.string()?,
            };
            if user_tokens.len() < MAX_ITEMS {
                user_tokens.push(token);
            }
        }
        Ok(Endpoint {
            endpoint_url,
            server,
            certificate,
            security_mode,
            security_policy_uri,
            user_tokens,
            transport_profile_uri: self.string()?,
            security_level: self.u8()?,
        })
    }

    fn endpoints(&mut self) -> Result<Vec<Endpoint>, Malformed> {
        let n = self.count(40)?;
        let mut out = Vec::with_capacity(n.min(MAX_ITEMS));
        for _ in 0..n {
            let e = self.endpoint()?;
            if out.len() < MAX_ITEMS {
                out.push(e);
            }
        }
        Ok(out)
    }

    pub fn read_value_id(&mut self) -> Result<ReadValueId, Malformed> {
        Ok(ReadValueId {
            node: self.node_id()?,
            attribute: self.u32()?,
            index_range: self.string()?,
            data_encoding: self.qualified_name()?,
        })
    }

    fn browse_results(&mut self) -> Result<Vec<BrowseResult>, Malformed> {
        let n = self.count(12)?;
        let mut results = Vec::with_capacity(n.min(MAX_ITEMS));
        for _ in 0..n {
            let status = self.u32()?;
            let continuation_point = self.bytes()?.map(<[u8]>::to_vec);
            let refs = self.count(10)?;
            let mut references = Vec::with_capacity(refs.min(MAX_ITEMS));
            for _ in 0..refs {
                let r = Reference {
                    reference_type: self.node_id()?,
                    is_forward: self.bool()?,
                    target: self.expanded_node_id()?,
                    browse_name: self.qualified_name()?,
                    display_name: self.localized_text()?,
                    node_class: self.u32()?,
                    type_definition: self.expanded_node_id()?,
                };
                if references.len() < MAX_ITEMS {
                    references.push(r);
                }
            }
            if results.len() < MAX_ITEMS {
                results.push(BrowseResult {
                    status,
                    continuation_point,
                    references,
                });
            }
        }
        Ok(results)
    }

    fn status_codes(&mut self) -> Result<Vec<u32>, Malformed> {
        let n = self.count(4)?;
        let mut out = Vec::with_capacity(n.min(MAX_ITEMS));
        for _ in 0..n {
            let s = self.u32()?;
            if out.len() < MAX_ITEMS {
                out.push(s);
            }
        }
        Ok(out)
    }
}

/// The sixteen bytes in wire order, grouped 4-2-2-2-6 (`39121615-46f3-...`). OPC UA
/// stores the first three groups little endian, but ICSNPP prints the bytes as they come;
/// the logs follow it so that both tools name a session token alike.
pub fn format_guid(g: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in g.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The fewest bytes a value of a built-in type takes, for bounding array counts.
fn builtin_min_size(kind: u8) -> usize {
    match kind {
        4 | 5 => 2,
        6 | 7 | 10 | 12 | 15 | 16 | 19 => 4,
        8 | 9 | 11 | 13 => 8,
        14 => 16,
        _ => 1,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    Numeric(u32),
    String(String),
    Guid(String),
    Opaque(Vec<u8>),
}

/// A node id with the encoding byte it was sent with (the expanded-node-id flags kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeId {
    pub encoding: u8,
    /// Absent in the two-byte encoding, which implies namespace 0.
    pub namespace: Option<u16>,
    pub id: Identifier,
}

impl NodeId {
    pub fn numeric(&self) -> Option<u32> {
        match self.id {
            Identifier::Numeric(n) => Some(n),
            _ => None,
        }
    }

    /// `ns=1;i=85`, `i=2258`, `ns=2;s=Temperature`: the form OPC UA tools print.
    pub fn display(&self) -> String {
        let ns = match self.namespace {
            Some(n) if n != 0 => format!("ns={n};"),
            _ => String::new(),
        };
        match &self.id {
            Identifier::Numeric(n) => format!("{ns}i={n}"),
            Identifier::String(s) => format!("{ns}s={s}"),
            Identifier::Guid(g) => format!("{ns}g={g}"),
            Identifier::Opaque(b) => format!("{ns}b={}", hex(b)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandedNodeId {
    pub node: NodeId,
    pub namespace_uri: Option<String>,
    pub server_index: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalizedText {
    pub mask: u8,
    pub locale: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionObject<'a> {
    pub type_id: NodeId,
    pub encoding: u8,
    pub body: Option<&'a [u8]>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DataValue {
    pub mask: u8,
    /// The value, when it is a scalar string or localized text.
    pub text: Option<String>,
    pub status: Option<u32>,
    pub source_timestamp: Option<i64>,
    pub source_picoseconds: Option<u16>,
    pub server_timestamp: Option<i64>,
    pub server_picoseconds: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub algorithm: Option<String>,
    pub signature: Option<Vec<u8>>,
}

/// An application description: who a server (or client) says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub application_uri: Option<String>,
    pub product_uri: Option<String>,
    pub name: LocalizedText,
    /// 0 server, 1 client, 2 client and server, 3 discovery server.
    pub application_type: u32,
    pub gateway_server_uri: Option<String>,
    pub discovery_profile_uri: Option<String>,
    pub discovery_urls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTokenPolicy {
    pub policy_id: Option<String>,
    /// 0 anonymous, 1 user name, 2 certificate, 3 issued token.
    pub token_type: u32,
    pub issued_token_type: Option<String>,
    pub issuer_endpoint_url: Option<String>,
    pub security_policy_uri: Option<String>,
}

/// An endpoint a server offers: where, with which security, for which users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub endpoint_url: Option<String>,
    pub server: Application,
    pub certificate: Option<Vec<u8>>,
    /// 1 None, 2 Sign, 3 SignAndEncrypt.
    pub security_mode: u32,
    pub security_policy_uri: Option<String>,
    pub user_tokens: Vec<UserTokenPolicy>,
    pub transport_profile_uri: Option<String>,
    pub security_level: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    pub version: u32,
    pub receive_buffer_size: u32,
    pub send_buffer_size: u32,
    pub max_message_size: u32,
    pub max_chunk_count: u32,
    /// Hello only.
    pub endpoint_url: Option<String>,
}

/// Hello (with `hello` true) or Acknowledge, after the message header.
pub fn hello(body: &[u8], hello: bool) -> Result<Hello, Malformed> {
    let mut r = Reader::new(body);
    Ok(Hello {
        version: r.u32()?,
        receive_buffer_size: r.u32()?,
        send_buffer_size: r.u32()?,
        max_message_size: r.u32()?,
        max_chunk_count: r.u32()?,
        endpoint_url: if hello { r.string()? } else { None },
    })
}

/// Error message, after the message header.
pub fn error(body: &[u8]) -> Result<(u32, Option<String>), Malformed> {
    let mut r = Reader::new(body);
    Ok((r.u32()?, r.string()?))
}

/// The asymmetric security header of an OpenSecureChannel chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsymmetricHeader<'a> {
    pub policy_uri_len: i32,
    pub policy_uri: Option<String>,
    pub sender_certificate_len: i32,
    pub sender_certificate: Option<&'a [u8]>,
    pub receiver_thumbprint_len: i32,
    pub receiver_thumbprint: Option<&'a [u8]>,
}

impl AsymmetricHeader<'_> {
    /// The policy that leaves the body in clear.
    pub fn is_none_policy(&self) -> bool {
        self.policy_uri
            .as_deref()
            .is_some_and(|u| u.ends_with("#None"))
    }
}

/// The parts of a secured chunk (OPN, MSG, CLO) before its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secured<'a> {
    pub channel_id: u32,
    /// OPN chunks only.
    pub asymmetric: Option<AsymmetricHeader<'a>>,
    /// MSG and CLO chunks only.
    pub token_id: Option<u32>,
    /// What follows the security header: the sequence header and the body, both ciphertext
    /// on an encrypting channel.
    pub payload: &'a [u8],
}

/// The security header of an OPN, MSG or CLO chunk (`data` after the message header).
pub fn secured(open: bool, data: &[u8]) -> Result<Secured<'_>, Malformed> {
    let mut r = Reader::new(data);
    let channel_id = r.u32()?;
    let (asymmetric, token_id) = if open {
        let policy_uri_len = peek_len(&r);
        let policy_uri = r.string()?;
        let sender_certificate_len = peek_len(&r);
        let sender_certificate = r.bytes()?;
        let receiver_thumbprint_len = peek_len(&r);
        let receiver_thumbprint = r.bytes()?;
        (
            Some(AsymmetricHeader {
                policy_uri_len,
                policy_uri,
                sender_certificate_len,
                sender_certificate,
                receiver_thumbprint_len,
                receiver_thumbprint,
            }),
            None,
        )
    } else {
        (None, Some(r.u32()?))
    };
    Ok(Secured {
        channel_id,
        asymmetric,
        token_id,
        payload: r.rest(),
    })
}

fn peek_len(r: &Reader<'_>) -> i32 {
    r.clone().i32().unwrap_or(-1)
}

/// Sequence number and request id, and the body after them.
pub fn sequence(payload: &[u8]) -> Result<(u32, u32, &[u8]), Malformed> {
    let mut r = Reader::new(payload);
    Ok((r.u32()?, r.u32()?, r.rest()))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHeader {
    pub auth_token: NodeId,
    pub timestamp: i64,
    pub handle: u32,
    pub return_diagnostics: u32,
    pub audit_entry_id: Option<String>,
    pub timeout_hint: u32,
    pub additional_type: NodeId,
    pub additional_encoding: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHeader {
    pub timestamp: i64,
    pub handle: u32,
    pub service_result: u32,
    pub diagnostics_mask: u8,
    pub additional_type: NodeId,
    pub additional_encoding: u8,
}

/// What a service message is, by the type id it starts with.
#[derive(Debug, Clone, PartialEq)]
pub struct Service<'a> {
    /// The type id: its encoding byte, namespace and numeric identifier.
    pub type_encoding: u8,
    pub type_namespace: u16,
    pub type_id: u32,
    pub kind: ServiceKind<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ServiceKind<'a> {
    Request(RequestHeader, Box<Request<'a>>),
    Response(ResponseHeader, Box<Response>),
    /// A type this parser does not know: neither header is read.
    Unknown,
}

/// The requests read beyond their header.
#[derive(Debug, Clone, PartialEq)]
pub enum Request<'a> {
    OpenSecureChannel {
        client_protocol_version: u32,
        request_type: u32,
        security_mode: u32,
        client_nonce: Option<Vec<u8>>,
        requested_lifetime: u32,
    },
    GetEndpoints {
        endpoint_url: Option<String>,
        locale_ids: Vec<String>,
        profile_uris: Vec<String>,
    },
    FindServers {
        endpoint_url: Option<String>,
    },
    CreateSession {
        client: Application,
        server_uri: Option<String>,
        endpoint_url: Option<String>,
        session_name: Option<String>,
        client_nonce: Option<Vec<u8>>,
        client_certificate: Option<Vec<u8>>,
        requested_timeout: f64,
        max_response_size: u32,
    },
    ActivateSession {
        client_signature: Signature,
        locale_ids: Vec<String>,
        token: ExtensionObject<'a>,
        identity: Identity,
        user_token_signature: Signature,
    },
    CloseSession {
        delete_subscriptions: bool,
    },
    Read {
        max_age: f64,
        timestamps_to_return: u32,
        nodes: Vec<ReadValueId>,
    },
    Write {
        nodes: Vec<WriteValue>,
    },
    Browse {
        view: NodeId,
        view_timestamp: i64,
        view_version: u32,
        max_references: u32,
        nodes: Vec<BrowseDescription>,
    },
    BrowseNext {
        release_continuation_points: bool,
        continuation_points: Vec<Vec<u8>>,
    },
    CreateMonitoredItems {
        subscription_id: u32,
        timestamps_to_return: u32,
        items: Vec<MonitoredItemRequest>,
    },
    Call {
        /// Object and method of each call.
        methods: Vec<(NodeId, NodeId)>,
    },
    CreateSubscription {
        publishing_interval: f64,
        lifetime_count: u32,
        max_keep_alive_count: u32,
        max_notifications: u32,
        publishing_enabled: bool,
        priority: u8,
    },
    Other,
}

/// The user a session is activated for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    Anonymous {
        policy_id: Option<String>,
    },
    UserName {
        policy_id: Option<String>,
        user_name: Option<String>,
        /// The password as sent: clear text unless an encryption algorithm is named.
        password_len: usize,
        encryption_algorithm: Option<String>,
    },
    Certificate {
        policy_id: Option<String>,
        certificate: Option<Vec<u8>>,
    },
    IssuedToken {
        policy_id: Option<String>,
        token: Option<Vec<u8>>,
        encryption_algorithm: Option<String>,
    },
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    OpenSecureChannel {
        server_protocol_version: u32,
        channel_id: u32,
        token_id: u32,
        created_at: i64,
        revised_lifetime: u32,
        server_nonce: Option<Vec<u8>>,
    },
    GetEndpoints {
        endpoints: Vec<Endpoint>,
    },
    FindServers {
        servers: Vec<Application>,
    },
    CreateSession {
        session_id: NodeId,
        auth_token: NodeId,
        revised_timeout: f64,
        server_nonce: Option<Vec<u8>>,
        server_certificate: Option<Vec<u8>>,
        endpoints: Vec<Endpoint>,
        server_signature: Signature,
        max_request_size: u32,
    },
    ActivateSession {
        server_nonce: Option<Vec<u8>>,
        results: Vec<u32>,
    },
    Read {
        results: Vec<DataValue>,
    },
    Write {
        results: Vec<u32>,
    },
    Browse {
        /// BrowseNext answers in the same form.
        next: bool,
        results: Vec<BrowseResult>,
    },
    CreateSubscription {
        subscription_id: u32,
        publishing_interval: f64,
        lifetime_count: u32,
        max_keep_alive_count: u32,
    },
    CreateMonitoredItems {
        results: Vec<MonitoredItemResult>,
    },
    Other,
}

/// One node of a Write request: what is written where.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteValue {
    pub node: NodeId,
    pub attribute: u32,
    pub index_range: Option<String>,
    pub value: DataValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowseResult {
    pub status: u32,
    pub continuation_point: Option<Vec<u8>>,
    /// At most [`MAX_ITEMS`] kept.
    pub references: Vec<Reference>,
}

/// A reference a Browse answer lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub reference_type: NodeId,
    pub is_forward: bool,
    pub target: ExpandedNodeId,
    pub browse_name: (u16, Option<String>),
    pub display_name: LocalizedText,
    pub node_class: u32,
    pub type_definition: ExpandedNodeId,
}

/// One node to browse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowseDescription {
    pub node: NodeId,
    /// 0 forward, 1 inverse, 2 both.
    pub direction: u32,
    pub reference_type: NodeId,
    pub include_subtypes: bool,
    pub node_class_mask: u32,
    pub result_mask: u32,
}

/// One node (and attribute) to read or monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadValueId {
    pub node: NodeId,
    pub attribute: u32,
    pub index_range: Option<String>,
    pub data_encoding: (u16, Option<String>),
}

/// One item of a CreateMonitoredItems request.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitoredItemRequest {
    pub item: ReadValueId,
    /// 0 disabled, 1 sampling, 2 reporting.
    pub mode: u32,
    pub client_handle: u32,
    pub sampling_interval: f64,
    pub filter_type: NodeId,
    pub filter_encoding: u8,
    pub queue_size: u32,
    pub discard_oldest: bool,
}

/// One result of a CreateMonitoredItems response.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitoredItemResult {
    pub status: u32,
    pub id: u32,
    pub revised_sampling_interval: f64,
    pub revised_queue_size: u32,
}

/// A service message: the type id, then, for known requests and responses, their header
/// and what this parser reads of their body. A body cut short after the header still
/// yields the header, with the body as `Other`.
pub fn service(body: &[u8]) -> Result<Service<'_>, Malformed> {
    let mut r = Reader::new(body);
    let type_node = r.node_id()?;
    let type_id = type_node.numeric().unwrap_or(u32::MAX);
    let type_namespace = type_node.namespace.unwrap_or(0);
    let name = if type_namespace == 0 {
        service_name(type_id)
    } else {
        None
    };
    let kind = match name {
        Some(n) if n.ends_with("Request") => {
            let header = request_header(&mut r)?;
            let request = request_body(type_id, &mut r).unwrap_or(Request::Other);
            ServiceKind::Request(header, Box::new(request))
        }
        Some(_) => {
            let header = response_header(&mut r)?;
            let response = response_body(type_id, &mut r).unwrap_or(Response::Other);
            ServiceKind::Response(header, Box::new(response))
        }
        None => ServiceKind::Unknown,
    };
    Ok(Service {
        type_encoding: type_node.encoding,
        type_namespace,
        type_id,
        kind,
    })
}

fn request_header(r: &mut Reader<'_>) -> Result<RequestHeader, Malformed> {
    let auth_token = r.node_id()?;
    let timestamp = r.i64()?;
    let handle = r.u32()?;
    let return_diagnostics = r.u32()?;
    let audit_entry_id = r.string()?;
    let timeout_hint = r.u32()?;
    let additional = r.extension_object()?;
    Ok(RequestHeader {
        auth_token,
        timestamp,
        handle,
        return_diagnostics,
        audit_entry_id,
        timeout_hint,
        additional_type: additional.type_id,
        additional_encoding: additional.encoding,
    })
}

fn response_header(r: &mut Reader<'_>) -> Result<ResponseHeader, Malformed> {
    let timestamp = r.i64()?;
    let handle = r.u32()?;
    let service_result = r.u32()?;
    let diagnostics_mask = r.diagnostic_info(0)?;
    r.strings()?;
    let additional = r.extension_object()?;
    Ok(ResponseHeader {
        timestamp,
        handle,
        service_result,
        diagnostics_mask,
        additional_type: additional.type_id,
        additional_encoding: additional.encoding,
    })
}

/// Type ids (binary encodings) of the services read beyond their header.
pub mod ids {
    pub const SERVICE_FAULT: u32 = 397;
    pub const FIND_SERVERS_REQUEST: u32 = 422;
    pub const FIND_SERVERS_RESPONSE: u32 = 425;
    pub const GET_ENDPOINTS_REQUEST: u32 = 428;
    pub const GET_ENDPOINTS_RESPONSE: u32 = 431;
    pub const OPEN_SECURE_CHANNEL_REQUEST: u32 = 446;
    pub const OPEN_SECURE_CHANNEL_RESPONSE: u32 = 449;
    pub const CLOSE_SECURE_CHANNEL_REQUEST: u32 = 452;
    pub const CREATE_SESSION_REQUEST: u32 = 461;
    pub const CREATE_SESSION_RESPONSE: u32 = 464;
    pub const ACTIVATE_SESSION_REQUEST: u32 = 467;
    pub const ACTIVATE_SESSION_RESPONSE: u32 = 470;
    pub const CLOSE_SESSION_REQUEST: u32 = 473;
    pub const BROWSE_REQUEST: u32 = 527;
    pub const BROWSE_RESPONSE: u32 = 530;
    pub const BROWSE_NEXT_REQUEST: u32 = 533;
    pub const BROWSE_NEXT_RESPONSE: u32 = 536;
    pub const READ_REQUEST: u32 = 631;
    pub const READ_RESPONSE: u32 = 634;
    pub const WRITE_REQUEST: u32 = 673;
    pub const WRITE_RESPONSE: u32 = 676;
    pub const CALL_REQUEST: u32 = 712;
    pub const CREATE_MONITORED_ITEMS_REQUEST: u32 = 751;
    pub const CREATE_MONITORED_ITEMS_RESPONSE: u32 = 754;
    pub const CREATE_SUBSCRIPTION_REQUEST: u32 = 787;
    pub const CREATE_SUBSCRIPTION_RESPONSE: u32 = 790;
    /// Identity tokens of ActivateSession.
    pub const ANONYMOUS_IDENTITY_TOKEN: u32 = 321;
    pub const USER_NAME_IDENTITY_TOKEN: u32 = 324;
    pub const X509_IDENTITY_TOKEN: u32 = 327;
    pub const ISSUED_IDENTITY_TOKEN: u32 = 940;
}

fn request_body<'a>(id: u32, r: &mut Reader<'a>) -> Result<Request<'a>, Malformed> {
    use ids::*;
    Ok(match id {
        OPEN_SECURE_CHANNEL_REQUEST => Request::OpenSecureChannel {
            client_protocol_version: r.u32()?,
            request_type: r.u32()?,
            security_mode: r.u32()?,
            client_nonce: r.bytes()?.map(<[u8]>::to_vec),
            requested_lifetime: r.u32()?,
        },
        GET_ENDPOINTS_REQUEST => Request::GetEndpoints {
            endpoint_url: r.string()?,
            locale_ids: r.strings()?,
            profile_uris: r.strings()?,
        },
        FIND_SERVERS_REQUEST => Request::FindServers {
            endpoint_url: r.string()?,
        },
        CREATE_SESSION_REQUEST => Request::CreateSession {
            client: r.application()?,
            server_uri: r.string()?,
            endpoint_url: r.string()?,
            session_name: r.string()?,
            client_nonce: r.bytes()?.map(<[u8]>::to_vec),
            client_certificate: r.bytes()?.map(<[u8]>::to_vec),
            requested_timeout: r.f64()?,
            max_response_size: r.u32()?,
        },
        ACTIVATE_SESSION_REQUEST => {
            let client_signature = r.signature()?;
            let n = r.count(8)?;
            for _ in 0..n {
                r.bytes()?;
                r.bytes()?;
            }
            let locale_ids = r.strings()?;
            let token = r.extension_object()?;
            let identity = identity(&token);
            Request::ActivateSession {
                client_signature,
                locale_ids,
                token,
                identity,
                user_token_signature: r.signature()?,
            }
        }
        CLOSE_SESSION_REQUEST => Request::CloseSession {
            delete_subscriptions: r.bool()?,
        },
        READ_REQUEST => {
            let max_age = r.f64()?;
            let timestamps_to_return = r.u32()?;
            let n = r.count(12)?;
            let mut nodes = Vec::with_capacity(n.min(MAX_ITEMS));
            for _ in 0..n {
                let v = r.read_value_id()?;
                if nodes.len() < MAX_ITEMS {
                    nodes.push(v);
                }
            }
            Request::Read {
                max_age,
                timestamps_to_return,
                nodes,
            }
        }
        WRITE_REQUEST => {
            let n = r.count(10)?;
            let mut nodes = Vec::with_capacity(n.min(MAX_ITEMS));
            for _ in 0..n {
                let w = WriteValue {
                    node: r.node_id()?,
                    attribute: r.u32()?,
                    index_range: r.string()?,
                    value: r.data_value(0)?,
                };
                if nodes.len() < MAX_ITEMS {
                    nodes.push(w);
                }
            }
            Request::Write { nodes }
        }
        BROWSE_REQUEST => {
            let view = r.node_id()?;
            let view_timestamp = r.i64()?;
            let view_version = r.u32()?;
            let max_references = r.u32()?;
            let n = r.count(14)?;
            let mut nodes = Vec::with_capacity(n.min(MAX_ITEMS));
            for _ in 0..n {
                let d = BrowseDescription {
                    node: r.node_id()?,
                    direction: r.u32()?,
                    reference_type: r.node_id()?,
                    include_subtypes: r.bool()?,
                    node_class_mask: r.u32()?,
                    result_mask: r.u32()?,
                };
                if nodes.len() < MAX_ITEMS {
                    nodes.push(d);
                }
            }
            Request::Browse {
                view,
                view_timestamp,
                view_version,
                max_references,
                nodes,
            }
        }
        BROWSE_NEXT_REQUEST => {
            let release_continuation_points = r.bool()?;
            let n = r.count(4)?;
            let mut continuation_points = Vec::with_capacity(n.min(MAX_ITEMS));
            for _ in 0..n {
                let p = r.bytes()?.unwrap_or_default().to_vec();
                if continuation_points.len() < MAX_ITEMS {
                    continuation_points.push(p);
                }
            }
            Request::BrowseNext {
                release_continuation_points,
                continuation_points,
            }
        }
        CREATE_MONITORED_ITEMS_REQUEST => {
            let subscription_id = r.u32()?;
            let timestamps_to_return = r.u32()?;
            let n = r.count(30)?;
            let mut items = Vec::with_capacity(n.min(MAX_ITEMS));
            for _ in 0..n {
                let item = r.read_value_id()?;
                let mode = r.u32()?;
                let client_handle = r.u32()?;
                let sampling_interval = r.f64()?;
                let filter = r.extension_object()?;
                let m = MonitoredItemRequest {
                    item,
                    mode,
                    client_handle,
                    sampling_interval,
                    filter_type: filter.type_id,
                    filter_encoding: filter.encoding,
                    queue_size: r.u32()?,
                    discard_oldest: r.bool()?,
                };
                if items.len() < MAX_ITEMS {
                    items.push(m);
                }
            }
            Request::CreateMonitoredItems {
                subscription_id,
                timestamps_to_return,
                items,
            }
        }
        CALL_REQUEST => {
            let n = r.count(8)?;
            let mut methods = Vec::with_capacity(n.min(MAX_ITEMS));
            for _ in 0..n {
                let object = r.node_id()?;
                let method = r.node_id()?;
                let args = r.count(1)?;
                for _ in 0..args {
                    r.variant(0)?;
                }
                if methods.len() < MAX_ITEMS {
                    methods.push((object, method));
                }
            }
            Request::Call { methods }
        }
        CREATE_SUBSCRIPTION_REQUEST => Request::CreateSubscription {
            publishing_interval: r.f64()?,
            lifetime_count: r.u32()?,
            max_keep_alive_count: r.u32()?,
            max_notifications: r.u32()?,
            publishing_enabled: r.bool()?,
            priority: r.u8()?,
        },
        _ => Request::Other,
    })
}

/// The user identity token of an ActivateSession request.
fn identity(token: &ExtensionObject<'_>) -> Identity {
    let Some(body) = token.body else {
        return Identity::Unknown;
    };
    let mut r = Reader::new(body);
    let read = |r: &mut Reader<'_>| -> Result<Identity, Malformed> {
        Ok(match token.type_id.numeric() {
            Some(ids::ANONYMOUS_IDENTITY_TOKEN) => Identity::Anonymous {
                policy_id: r.string()?,
            },
            Some(ids::USER_NAME_IDENTITY_TOKEN) => Identity::UserName {
                policy_id: r.string()?,
                user_name: r.string()?,
                password_len: r.bytes()?.map_or(0, <[u8]>::len),
                encryption_algorithm: r.string()?,
            },
            Some(ids::X509_IDENTITY_TOKEN) => Identity::Certificate {
                policy_id: r.string()?,
                certificate: r.bytes()?.map(<[u8]>::to_vec),
            },
            Some(ids::ISSUED_IDENTITY_TOKEN) => Identity::IssuedToken {
                policy_id: r.string()?,
                token: r.bytes()?.map(<[u8]>::to_vec),
                encryption_algorithm: r.string()?,
            },
            _ => Identity::Unknown,
        })
    };
    read(&mut r).unwrap_or(Identity::Unknown)
}

fn response_body(id: u32, r: &mut Reader<'_>) -> Result<Response, Malformed> {
    use ids::*;
    Ok(match id {
        OPEN_SECURE_CHANNEL_RESPONSE => Response::OpenSecureChannel {
            server_protocol_version: r.u32()?,
            channel_id: r.u32()?,
            token_id: r.u32()?,
            created_at: r.i64()?,
            revised_lifetime: r.u32()?,
            server_nonce: r.bytes()?.map(<[u8]>::to_vec),
        },
        GET_ENDPOINTS_RESPONSE => Response::GetEndpoints {
            endpoints: r.endpoints()?,
        },
        FIND_SERVERS_RESPONSE => {
            let n = r.count(20)?;
            let mut servers = Vec::with_capacity(n.min(MAX_ITEMS));
            for _ in 0..n {
                let a = r.application()?;
                if servers.len() < MAX_ITEMS {
                    servers.push(a);
                }
            }
            Response::FindServers { servers }
        }
        CREATE_SESSION_RESPONSE => {
            let session_id = r.node_id()?;
            let auth_token = r.node_id()?;
            let revised_timeout = r.f64()?;
            let server_nonce = r.bytes()?.map(<[u8]>::to_vec);
            let server_certificate = r.bytes()?.map(<[u8]>::to_vec);
            let endpoints = r.endpoints()?;
            let software_certificates = r.count(8)?;
            for _ in 0..software_certificates {
                r.bytes()?;
                r.bytes()?;
            }
            Response::CreateSession {
                session_id,
                auth_token,
                revised_timeout,
                server_nonce,
                server_certificate,
                endpoints,
                server_signature: r.signature()?,
                max_request_size: r.u32()?,
            }
        }
        ACTIVATE_SESSION_RESPONSE => Response::ActivateSession {
            server_nonce: r.bytes()?.map(<[u8]>::to_vec),
            results: r.status_codes()?,
        },
        READ_RESPONSE => {
            let n = r.count(1)?;
            let mut results = Vec::with_capacity(n.min(MAX_ITEMS));
            for _ in 0..n {
                let v = r.data_value(0)?;
                if results.len() < MAX_ITEMS {
                    results.push(v);
                }
            }
            Response::Read { results }
        }
        WRITE_RESPONSE => Response::Write {
            results: r.status_codes()?,
        },
        BROWSE_RESPONSE | BROWSE_NEXT_RESPONSE => Response::Browse {
            next: id == BROWSE_NEXT_RESPONSE,
            results: r.browse_results()?,
        },
        CREATE_SUBSCRIPTION_RESPONSE => Response::CreateSubscription {
            subscription_id: r.u32()?,
            publishing_interval: r.f64()?,
            lifetime_count: r.u32()?,
            max_keep_alive_count: r.u32()?,
        },
        CREATE_MONITORED_ITEMS_RESPONSE => {
            let n = r.count(24)?;
            let mut results = Vec::with_capacity(n.min(MAX_ITEMS));
            for _ in 0..n {
                let m = MonitoredItemResult {
                    status: r.u32()?,
                    id: r.u32()?,
                    revised_sampling_interval: r.f64()?,
                    revised_queue_size: r.u32()?,
                };
                r.extension_object()?;
                if results.len() < MAX_ITEMS {
                    results.push(m);
                }
            }
            Response::CreateMonitoredItems { results }
        }
        _ => Response::Other,
    })
}

/// Services by the numeric id of their binary encoding (namespace 0), as OPC 10000-4
/// names them.
const SERVICES: &[(u32, &str)] = &[
    (397, "ServiceFault"),
    (422, "FindServersRequest"),
    (425, "FindServersResponse"),
    (428, "GetEndpointsRequest"),
    (431, "GetEndpointsResponse"),
    (437, "RegisterServerRequest"),
    (440, "RegisterServerResponse"),
    (446, "OpenSecureChannelRequest"),
    (449, "OpenSecureChannelResponse"),
    (452, "CloseSecureChannelRequest"),
    (455, "CloseSecureChannelResponse"),
    (461, "CreateSessionRequest"),
    (464, "CreateSessionResponse"),
    (467, "ActivateSessionRequest"),
    (470, "ActivateSessionResponse"),
    (473, "CloseSessionRequest"),
    (476, "CloseSessionResponse"),
    (479, "CancelRequest"),
    (482, "CancelResponse"),
    (488, "AddNodesRequest"),
    (491, "AddNodesResponse"),
    (494, "AddReferencesRequest"),
    (497, "AddReferencesResponse"),
    (500, "DeleteNodesRequest"),
    (503, "DeleteNodesResponse"),
    (506, "DeleteReferencesRequest"),
    (509, "DeleteReferencesResponse"),
    (527, "BrowseRequest"),
    (530, "BrowseResponse"),
    (533, "BrowseNextRequest"),
    (536, "BrowseNextResponse"),
    (554, "TranslateBrowsePathsToNodeIdsRequest"),
    (557, "TranslateBrowsePathsToNodeIdsResponse"),
    (560, "RegisterNodesRequest"),
    (563, "RegisterNodesResponse"),
    (566, "UnregisterNodesRequest"),
    (569, "UnregisterNodesResponse"),
    (615, "QueryFirstRequest"),
    (618, "QueryFirstResponse"),
    (621, "QueryNextRequest"),
    (624, "QueryNextResponse"),
    (631, "ReadRequest"),
    (634, "ReadResponse"),
    (664, "HistoryReadRequest"),
    (667, "HistoryReadResponse"),
    (673, "WriteRequest"),
    (676, "WriteResponse"),
    (700, "HistoryUpdateRequest"),
    (703, "HistoryUpdateResponse"),
    (712, "CallRequest"),
    (715, "CallResponse"),
    (751, "CreateMonitoredItemsRequest"),
    (754, "CreateMonitoredItemsResponse"),
    (763, "ModifyMonitoredItemsRequest"),
    (766, "ModifyMonitoredItemsResponse"),
    (769, "SetMonitoringModeRequest"),
    (772, "SetMonitoringModeResponse"),
    (775, "SetTriggeringRequest"),
    (778, "SetTriggeringResponse"),
    (781, "DeleteMonitoredItemsRequest"),
    (784, "DeleteMonitoredItemsResponse"),
    (787, "CreateSubscriptionRequest"),
    (790, "CreateSubscriptionResponse"),
    (793, "ModifySubscriptionRequest"),
    (796, "ModifySubscriptionResponse"),
    (799, "SetPublishingModeRequest"),
    (802, "SetPublishingModeResponse"),
    (826, "PublishRequest"),
    (829, "PublishResponse"),
    (832, "RepublishRequest"),
    (835, "RepublishResponse"),
    (841, "TransferSubscriptionsRequest"),
    (844, "TransferSubscriptionsResponse"),
    (847, "DeleteSubscriptionsRequest"),
    (850, "DeleteSubscriptionsResponse"),
    (12208, "FindServersOnNetworkRequest"),
    (12209, "FindServersOnNetworkResponse"),
    (12211, "RegisterServer2Request"),
    (12212, "RegisterServer2Response"),
];

/// The name of a service message by its binary encoding id (namespace 0).
pub fn service_name(id: u32) -> Option<&'static str> {
    SERVICES
        .binary_search_by_key(&id, |(i, _)| *i)
        .ok()
        .map(|i| SERVICES[i].1)
}

/// The service a request or response belongs to: `Read` for ReadRequest and ReadResponse.
pub fn service_stem(name: &str) -> &str {
    name.strip_suffix("Request")
        .or_else(|| name.strip_suffix("Response"))
        .unwrap_or(name)
}

/// The status code's name (severity and sub-code), when OPC UA defines it.
pub fn status_name(code: u32) -> Option<&'static str> {
    let key = code & 0xffff_0000;
    let table = crate::opcua_status::STATUS_CODES;
    table
        .binary_search_by_key(&key, |(c, _)| *c)
        .ok()
        .map(|i| table[i].1)
}

/// `None`, `Sign`, `SignAndEncrypt` for MessageSecurityMode 1-3.
pub fn security_mode_name(mode: u32) -> &'static str {
    match mode {
        1 => "None",
        2 => "Sign",
        3 => "SignAndEncrypt",
        _ => "Invalid",
    }
}

/// `Server`, `Client`, `ClientAndServer`, `DiscoveryServer`.
pub fn application_type_name(t: u32) -> &'static str {
    match t {
        0 => "Server",
        1 => "Client",
        2 => "ClientAndServer",
        3 => "DiscoveryServer",
        _ => "Unknown",
    }
}

/// OPC UA DateTime (100 ns ticks since 1601-01-01) as microseconds since the Unix epoch.
pub fn datetime_micros(ticks: i64) -> i64 {
    const EPOCH_DIFFERENCE_TICKS: i64 = 116_444_736_000_000_000;
    ticks.saturating_sub(EPOCH_DIFFERENCE_TICKS) / 10
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The service kinds with their bodies unboxed, for matching in one pattern.
    #[allow(clippy::large_enum_variant)]
    enum ServiceKind<'a> {
        Request(RequestHeader, Request<'a>),
        Response(ResponseHeader, Response),
        Unknown,
    }

    fn unbox(kind: super::ServiceKind<'_>) -> ServiceKind<'_> {
        match kind {
            super::ServiceKind::Request(h, r) => ServiceKind::Request(h, *r),
            super::ServiceKind::Response(h, r) => ServiceKind::Response(h, *r),
            super::ServiceKind::Unknown => ServiceKind::Unknown,
        }
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn tables_are_sorted() {
        assert!(SERVICES.windows(2).all(|w| w[0].0 < w[1].0));
        let codes = crate::opcua_status::STATUS_CODES;
        assert!(codes.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(status_name(0x8079_0000), Some("BadNoSubscription"));
        assert_eq!(status_name(0x0000_0000), Some("Good"));
        assert_eq!(service_name(446), Some("OpenSecureChannelRequest"));
        assert_eq!(service_stem("ReadResponse"), "Read");
    }

    #[test]
    fn guid_is_printed_in_wire_order() {
        let g = unhex("3912161546f36d34fecffcbfbacb4c14");
        let g: [u8; 16] = g.try_into().unwrap();
        assert_eq!(format_guid(&g), "39121615-46f3-6d34-fecf-fcbfbacb4c14");
    }

    #[test]
    fn header_needs_a_known_type_and_chunk() {
        assert!(header(b"HELF\x38\x00\x00\x00").is_some());
        assert!(header(b"HELX\x38\x00\x00\x00").is_none());
        assert!(header(b"FOOF\x38\x00\x00\x00").is_none());
        assert!(header(b"MSGF\x04\x00\x00\x00").is_none());
    }

    // Frames of the ICSNPP capture `open62541_client-server_mainloop.pcap` (open62541
    // client and server on ::1, port 4840), TCP payloads as captured.
    /// Frame 6: Hello.
    const HEL: &str = "48454c463800000000000000ffff0000ffff00000000000000000000180000006f70632e7463703a2f2f6c6f63616c686f73743a34383430";
    /// Frame 10: OpenSecureChannel request, policy None.
    const OPN_REQUEST: &str = "4f504e4684000000000000002f000000687474703a2f2f6f7063666f756e646174696f6e2e6f72672f55412f5365637572697479506f6c696379234e6f6e65ffffffffffffffff01000000010000000100be010000caa2e64e2dd1d5010000000000000000ffffffff00000000000000000000000000000001000000ffffffffc0270900";
    /// Frame 12: OpenSecureChannel response.
    const OPN_RESPONSE: &str = "4f504e4687000000030000002f000000687474703a2f2f6f7063666f756e646174696f6e2e6f72672f55412f5365637572697479506f6c696379234e6f6e65ffffffffffffffff01000000010000000100c1013a3fee4e2dd1d501000000000000000000ffffffff000000000000000300000003000000263fee4e2dd1d501c0270900ffffffff";
    /// Frame 16: GetEndpoints response.
    const GET_ENDPOINTS_RESPONSE: &str = concat!(
        "4d534746dc010000030000000300000002000000020000000100af01b264f64e2dd1d501010000000000000000ffffffff00",
        "000001000000180000006f70632e7463703a2f2f6c6f63616c686f73743a343834302000000075726e3a6f70656e36323534",
        "312e7365727665722e6170706c69636174696f6e14000000687474703a2f2f6f70656e36323534312e6f7267030200000065",
        "6e220000006f70656e36323534312d6261736564204f5043205541204170706c69636174696f6e00000000ffffffffffffff",
        "ffffffffffffffffff010000002f000000687474703a2f2f6f7063666f756e646174696f6e2e6f72672f55412f5365637572",
        "697479506f6c696379234e6f6e65020000001a0000006f70656e36323534312d616e6f6e796d6f75732d706f6c6963790000",
        "0000ffffffffffffffffffffffff190000006f70656e36323534312d757365726e616d652d706f6c69637901000000ffffff",
        "ffffffffff2f000000687474703a2f2f6f7063666f756e646174696f6e2e6f72672f55412f5365637572697479506f6c6963",
        "79234e6f6e6541000000687474703a2f2f6f7063666f756e646174696f6e2e6f72672f55412d50726f66696c652f5472616e",
        "73706f72742f75617463702d756173632d756162696e61727901"
    );
    /// Frame 44: ActivateSession request with a user name and password.
    const ACTIVATE_SESSION: &str = "4d534746a1000000040000000400000004000000040000000100d3010401003912161546f36d34fecffcbfbacb4c14c0ec1e4f2dd1d5010500000000000000ffffffffc0270900000000ffffffffffffffffffffffffffffffff010044010136000000190000006f70656e36323534312d757365726e616d652d706f6c6963790500000075736572310800000070617373776f7264ffffffffffffffffffffffff";
    /// Frame 88: Write request.
    const WRITE_REQUEST: &str = "4d5347466d000000040000000400000015000000150000000100a1020401003912161546f36d34fecffcbfbacb4c14b28f934f2dd1d5011600000000000000ffffffff00000000000000010000000301000a0000007468652e616e737765720d000000ffffffff010601000000";
    /// Frame 90: Write response, BadNodeIdUnknown.
    const WRITE_RESPONSE: &str = "4d5347464000000004000000040000000b000000150000000100a402ac4c9b4f2dd1d501160000000000000000ffffffff0000000100000000003480ffffffff";
    /// Frame 50: Browse response, one result with four references.
    const BROWSE_RESPONSE: &str = "4d5347461d01000004000000040000000500000005000000010012020c272f4f2dd1d501060000000000000000ffffffff0000000100000000000000ffffffff04000000002801003d00000a000000466f6c6465725479706503000000000a000000466f6c646572547970650800000000000023010100cd08000006000000536572766572030000000006000000536572766572010000000100d407002301010150e301000c00000054686547726561744e6f64650305000000656e2d55530f0000005468654e657747726561744e6f6465010000000101662f002301010135d200000c0000005661726961626c654e6f64650305000000656e2d5553120000005468654e65775661726961626c654e6f646502000000003fffffffff";

    /// Security header, sequence header and service of a MSG chunk.
    fn msg_service(hex: &str) -> (u32, u32, Service<'static>) {
        let bytes: &'static [u8] = Box::leak(unhex(hex).into_boxed_slice());
        let h = header(bytes).unwrap();
        assert_eq!(h.size as usize, bytes.len());
        let s = secured(h.message_type == *b"OPN", &bytes[HEADER_LEN..]).unwrap();
        let (seq, request_id, body) = sequence(s.payload).unwrap();
        (seq, request_id, service(body).unwrap())
    }

    #[test]
    fn hello_from_open62541() {
        let bytes = unhex(HEL);
        let h = header(&bytes).unwrap();
        assert_eq!((h.type_str(), h.chunk_type, h.size), ("HEL", b'F', 56));
        let hel = hello(&bytes[HEADER_LEN..], true).unwrap();
        assert_eq!(hel.receive_buffer_size, 65535);
        assert_eq!(
            hel.endpoint_url.as_deref(),
            Some("opc.tcp://localhost:4840")
        );
    }

    #[test]
    fn open_secure_channel_request_and_response() {
        let bytes = unhex(OPN_REQUEST);
        let s = secured(true, &bytes[HEADER_LEN..]).unwrap();
        let a = s.asymmetric.as_ref().unwrap();
        assert!(a.is_none_policy());
        assert_eq!((a.policy_uri_len, a.sender_certificate_len), (47, -1));
        let (_, request_id, service) = msg_service(OPN_REQUEST);
        assert_eq!(request_id, 1);
        assert_eq!(service.type_id, 446);
        let ServiceKind::Request(
            h,
            Request::OpenSecureChannel {
                security_mode,
                requested_lifetime,
                ..
            },
        ) = unbox(service.kind)
        else {
            panic!("another service")
        };
        assert_eq!(
            (h.timeout_hint, security_mode, requested_lifetime),
            (0, 1, 600_000)
        );
        let (_, _, service) = msg_service(OPN_RESPONSE);
        let ServiceKind::Response(
            h,
            Response::OpenSecureChannel {
                channel_id,
                token_id,
                revised_lifetime,
                ..
            },
        ) = unbox(service.kind)
        else {
            panic!("another service")
        };
        assert_eq!(h.service_result, 0);
        assert_eq!((channel_id, token_id, revised_lifetime), (3, 3, 600_000));
    }

    #[test]
    fn endpoints_say_who_the_server_is() {
        let (_, request_id, service) = msg_service(GET_ENDPOINTS_RESPONSE);
        assert_eq!(request_id, 2);
        let ServiceKind::Response(_, Response::GetEndpoints { endpoints }) = unbox(service.kind)
        else {
            panic!("another service")
        };
        assert_eq!(endpoints.len(), 1);
        let e = &endpoints[0];
        assert_eq!(
            e.server.application_uri.as_deref(),
            Some("urn:open62541.server.application")
        );
        assert_eq!(
            e.server.product_uri.as_deref(),
            Some("http://open62541.org")
        );
        assert_eq!(
            e.server.name.text.as_deref(),
            Some("open62541-based OPC UA Application")
        );
        assert_eq!((e.security_mode, e.security_level), (1, 1));
        assert_eq!(e.user_tokens.len(), 2);
        assert_eq!(e.user_tokens[1].token_type, 1);
        assert!(e.certificate.is_none());
    }

    #[test]
    fn activate_session_shows_a_user_name_token() {
        let (_, _, service) = msg_service(ACTIVATE_SESSION);
        let ServiceKind::Request(h, Request::ActivateSession { identity, .. }) =
            unbox(service.kind)
        else {
            panic!("another service")
        };
        assert_eq!(
            h.auth_token.id,
            Identifier::Guid("39121615-46f3-6d34-fecf-fcbfbacb4c14".into())
        );
        assert_eq!(
            identity,
            Identity::UserName {
                policy_id: Some("open62541-username-policy".into()),
                user_name: Some("user1".into()),
                password_len: 8,
                encryption_algorithm: None,
            }
        );
    }

    #[test]
    fn write_and_its_result() {
        let (_, _, service) = msg_service(WRITE_REQUEST);
        let ServiceKind::Request(_, Request::Write { nodes }) = unbox(service.kind) else {
            panic!("another service")
        };
        assert_eq!(nodes.len(), 1);
        assert_eq!(nodes[0].node.display(), "ns=1;s=the.answer");
        assert_eq!(nodes[0].attribute, 13);
        assert_eq!(nodes[0].value.mask, 0x01);
        let (_, _, service) = msg_service(WRITE_RESPONSE);
        let ServiceKind::Response(_, Response::Write { results }) = unbox(service.kind) else {
            panic!("another service")
        };
        assert_eq!(results, vec![0x8034_0000]);
    }

    #[test]
    fn browse_results_are_read_to_the_end() {
        let (_, _, service) = msg_service(BROWSE_RESPONSE);
        let ServiceKind::Response(_, Response::Browse { results, .. }) = unbox(service.kind) else {
            panic!("another service")
        };
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].status, 0);
        assert_eq!(results[0].references.len(), 4);
        let r = &results[0].references[2];
        assert_eq!(r.browse_name, (1, Some("TheGreatNode".into())));
        assert_eq!(r.display_name.text.as_deref(), Some("TheNewGreatNode"));
        assert_eq!(r.node_class, 1);
    }

    fn parse_everything(data: &[u8]) {
        let Some(h) = header(data) else { return };
        let body = &data[HEADER_LEN..];
        match &h.message_type {
            b"HEL" | b"ACK" => {
                let _ = hello(body, h.message_type == *b"HEL");
            }
            b"ERR" => {
                let _ = error(body);
            }
            _ => {
                if let Ok(s) = secured(h.message_type == *b"OPN", body) {
                    if let Ok((_, _, body)) = sequence(s.payload) {
                        let _ = service(body);
                    }
                }
            }
        }
    }

    #[test]
    fn hostile_input_never_panics() {
        let valid: Vec<Vec<u8>> = [
            HEL,
            OPN_REQUEST,
            OPN_RESPONSE,
            GET_ENDPOINTS_RESPONSE,
            ACTIVATE_SESSION,
            WRITE_REQUEST,
            WRITE_RESPONSE,
            BROWSE_RESPONSE,
        ]
        .iter()
        .map(|h| unhex(h))
        .collect();
        crate::hostile::never_panics(
            &valid,
            0x0ac4_a000,
            |buf, i| {
                if buf.len() >= 24 {
                    let t: &[u8; 3] = [b"MSG", b"OPN", b"HEL", b"ERR"][i % 4];
                    buf[..3].copy_from_slice(t);
                    buf[3] = b'F';
                    // A known service type id in the four-byte encoding.
                    buf[16] = 1;
                    buf[17] = 0;
                    let id = SERVICES[i % SERVICES.len()].0 as u16;
                    buf[18..20].copy_from_slice(&id.to_le_bytes());
                }
            },
            parse_everything,
        );
    }
}
