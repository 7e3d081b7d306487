//! ICSNPP's per-service OPC UA logs: GetEndpoints (with the endpoints, user token policies,
//! locales, profiles and discovery URLs it names), CreateSession (with the server's
//! endpoints and token policies), CloseSession, CreateSubscription and Write. Each request
//! and each response has its rows, tied to the main `opcua_binary.log` row by
//! `opcua_link_id` and to their own sub-rows by the other link ids.
//!
//! Values follow ICSNPP's forms: empty and null strings are unset, byte strings are hex
//! with `0x`, cut after 24 bytes with `...`, node id encodings are `0x..`.

use crate::app::Ctx;
use otwatch_dissect::opcua::{self, Application, Endpoint, NodeId, Request, Response};
use otwatch_model::logs::{LogSpec, Value};

const CONN_LINK: (&str, &str) = ("opcua_link_id", "string");

pub static GET_ENDPOINTS_LOG: LogSpec = LogSpec {
    name: "opcua_binary_get_endpoints",
    directional: true,
    columns: &[
        CONN_LINK,
        ("endpoint_url", "string"),
        ("locale_link_id", "string"),
        ("profile_uri_link_id", "string"),
        ("endpoint_description_link_id", "string"),
    ],
};

pub static GET_ENDPOINTS_DESCRIPTION_LOG: LogSpec = LogSpec {
    name: "opcua_binary_get_endpoints_description",
    directional: true,
    columns: &[
        ("endpoint_description_link_id", "string"),
        ("endpoint_uri", "string"),
        ("application_uri", "string"),
        ("product_uri", "string"),
        ("encoding_mask", "count"),
        ("locale", "string"),
        ("text", "string"),
        ("application_type", "count"),
        ("gateway_server_uri", "string"),
        ("discovery_profile_uri", "string"),
        ("discovery_profile_link_id", "string"),
        ("cert_size", "count"),
        ("server_cert", "string"),
        ("message_security_mode", "count"),
        ("security_policy_uri", "string"),
        ("user_token_link_id", "string"),
        ("transport_profile_uri", "string"),
        ("security_level", "count"),
    ],
};

const USER_TOKEN_COLUMNS: &[(&str, &str)] = &[
    ("user_token_link_id", "string"),
    ("user_token_policy_id", "string"),
    ("user_token_type", "count"),
    ("user_token_issued_type", "string"),
    ("user_token_endpoint_url", "string"),
    ("user_token_sec_policy_uri", "string"),
];

pub static GET_ENDPOINTS_USER_TOKEN_LOG: LogSpec = LogSpec {
    name: "opcua_binary_get_endpoints_user_token",
    directional: true,
    columns: USER_TOKEN_COLUMNS,
};

pub static GET_ENDPOINTS_DISCOVERY_LOG: LogSpec = LogSpec {
    name: "opcua_binary_get_endpoints_discovery",
    directional: true,
    columns: &[
        ("discovery_profile_link_id", "string"),
        ("discovery_profile_url", "string"),
    ],
};

pub static GET_ENDPOINTS_LOCALE_ID_LOG: LogSpec = LogSpec {
    name: "opcua_binary_get_endpoints_locale_id",
    directional: true,
    columns: &[("locale_link_id", "string"), ("locale_id", "string")],
};

pub static GET_ENDPOINTS_PROFILE_URI_LOG: LogSpec = LogSpec {
    name: "opcua_binary_get_endpoints_profile_uri",
    directional: true,
    columns: &[("profile_uri_link_id", "string"), ("profile_uri", "string")],
};

pub static CREATE_SESSION_LOG: LogSpec = LogSpec {
    name: "opcua_binary_create_session",
    directional: true,
    columns: &[
        CONN_LINK,
        ("application_uri", "string"),
        ("product_uri", "string"),
        ("encoding_mask", "count"),
        ("locale", "string"),
        ("text", "string"),
        ("application_type", "count"),
        ("gateway_server_uri", "string"),
        ("discovery_profile_uri", "string"),
        ("discovery_profile_link_id", "string"),
        ("server_uri", "string"),
        ("endpoint_url", "string"),
        ("session_name", "string"),
        ("client_nonce", "string"),
        ("client_cert_size", "count"),
        ("client_cert", "string"),
        ("req_session_timeout", "count"),
        ("max_res_msg_size", "count"),
        ("session_id_encoding_mask", "string"),
        ("session_id_namespace_idx", "count"),
        ("session_id_numeric", "count"),
        ("session_id_string", "string"),
        ("session_id_guid", "string"),
        ("session_id_opaque", "string"),
        ("auth_token_encoding_mask", "string"),
        ("auth_token_namespace_idx", "count"),
        ("auth_token_numeric", "count"),
        ("auth_token_string", "string"),
        ("auth_token_guid", "string"),
        ("auth_token_opaque", "string"),
        ("revised_session_timeout", "count"),
        ("server_nonce", "string"),
        ("server_cert_size", "count"),
        ("server_cert", "string"),
        ("endpoint_link_id", "string"),
        ("algorithm", "string"),
        ("signature", "string"),
        ("max_req_msg_size", "count"),
    ],
};

pub static CREATE_SESSION_DISCOVERY_LOG: LogSpec = LogSpec {
    name: "opcua_binary_create_session_discovery",
    directional: true,
    columns: &[
        ("discovery_profile_link_id", "string"),
        ("discovery_profile_uri", "string"),
        ("discovery_profile_url", "string"),
    ],
};

pub static CREATE_SESSION_ENDPOINTS_LOG: LogSpec = LogSpec {
    name: "opcua_binary_create_session_endpoints",
    directional: true,
    columns: &[
        ("endpoint_link_id", "string"),
        ("endpoint_url", "string"),
        ("application_uri", "string"),
        ("product_uri", "string"),
        ("encoding_mask", "count"),
        ("locale", "string"),
        ("text", "string"),
        ("application_type", "count"),
        ("gateway_server_uri", "string"),
        ("discovery_profile_uri", "string"),
        ("discovery_profile_link_id", "string"),
        ("cert_size", "count"),
        ("server_cert", "string"),
        ("message_security_mode", "count"),
        ("security_policy_uri", "string"),
        ("user_token_link_id", "string"),
        ("transport_profile_uri", "string"),
        ("security_level", "count"),
    ],
};

pub static CREATE_SESSION_USER_TOKEN_LOG: LogSpec = LogSpec {
    name: "opcua_binary_create_session_user_token",
    directional: true,
    columns: USER_TOKEN_COLUMNS,
};

pub static CLOSE_SESSION_LOG: LogSpec = LogSpec {
    name: "opcua_binary_close_session",
    directional: true,
    columns: &[CONN_LINK, ("del_subscriptions", "bool")],
};

pub static CREATE_SUBSCRIPTION_LOG: LogSpec = LogSpec {
    name: "opcua_binary_create_subscription",
    directional: true,
    columns: &[
        CONN_LINK,
        ("requested_publishing_interval", "count"),
        ("requested_lifetime_count", "count"),
        ("requested_max_keep_alive_count", "count"),
        ("max_notifications_per_publish", "count"),
        ("publishing_enabled", "bool"),
        ("priority", "count"),
        ("subscription_id", "count"),
        ("revised_publishing_interval", "count"),
        ("revised_lifetime_count", "count"),
        ("revised_max_keep_alive_count", "count"),
    ],
};

pub static WRITE_LOG: LogSpec = LogSpec {
    name: "opcua_binary_write",
    directional: true,
    columns: &[
        CONN_LINK,
        ("node_id_encoding_mask", "string"),
        ("node_id_namespace_idx", "count"),
        ("node_id_numeric", "count"),
        ("node_id_string", "string"),
        ("node_id_guid", "string"),
        ("node_id_opaque", "string"),
        ("attribute_id", "count"),
        ("attribute_id_str", "string"),
        ("index_range", "string"),
        ("data_value_encoding_mask", "string"),
        ("req_status_code_link_id", "string"),
        ("source_timestamp", "time"),
        ("source_pico_sec", "count"),
        ("server_timestamp", "time"),
        ("server_pico_sec", "count"),
        ("write_results_variant_metadata_link_id", "string"),
        ("res_status_code_link_id", "string"),
        ("diag_info_link_id", "string"),
    ],
};

/// A string as ICSNPP logs it: null and empty are unset.
fn text(s: &Option<String>) -> Value {
    match s {
        Some(s) if !s.is_empty() => Value::Str(s.clone()),
        _ => Value::Unset,
    }
}

/// A byte string as ICSNPP logs it: `0x` and hex, at most 24 bytes then `...`.
pub fn short_hex(bytes: Option<&[u8]>) -> Value {
    const SHOWN: usize = 24;
    match bytes {
        Some(b) if !b.is_empty() => {
            let head = b.get(..SHOWN).unwrap_or(b);
            let more = if b.len() > SHOWN { "..." } else { "" };
            Value::Str(format!("0x{}{more}", opcua::hex(head)))
        }
        _ => Value::Unset,
    }
}

/// The size of a byte string, unset when null.
fn size(bytes: Option<&[u8]>) -> Value {
    Value::opt_count(bytes.map(|b| b.len() as u64))
}

/// Whole numbers (intervals and timeouts in milliseconds, sent as doubles) as counts.
fn number(d: f64) -> Value {
    if d.fract() == 0.0 && (0.0..9.0e15).contains(&d) {
        Value::Count(d as u64)
    } else {
        Value::Double(d)
    }
}

/// Encoding, namespace, numeric, string, GUID, opaque.
fn node(n: &NodeId) -> [Value; 6] {
    use opcua::Identifier;
    let mut v = [
        Value::Str(format!("0x{:02x}", n.encoding)),
        Value::opt_count(n.namespace),
        Value::Unset,
        Value::Unset,
        Value::Unset,
        Value::Unset,
    ];
    match &n.id {
        Identifier::Numeric(i) => v[2] = (*i).into(),
        Identifier::String(s) => v[3] = Value::Str(s.clone()),
        Identifier::Guid(g) => v[4] = Value::Str(g.clone()),
        Identifier::Opaque(b) => v[5] = Value::Str(format!("0x{}", opcua::hex(b))),
    }
    v
}

/// The application-description columns shared by several logs: application URI to
/// discovery profile URI, then the discovery link.
fn application(app: &Application, discovery_link: Option<String>) -> Vec<Value> {
    vec![
        text(&app.application_uri),
        text(&app.product_uri),
        app.name.mask.into(),
        text(&app.name.locale),
        text(&app.name.text),
        app.application_type.into(),
        text(&app.gateway_server_uri),
        text(&app.discovery_profile_uri),
        Value::opt_str(discovery_link),
    ]
}

/// Rows are written through this: the link counter of the flow and the context.
pub struct Rows<'c, 'a, 'l> {
    pub ctx: &'c mut Ctx<'a>,
    pub next_link: &'l mut dyn FnMut() -> String,
}

impl Rows<'_, '_, '_> {
    fn link(&mut self) -> String {
        (self.next_link)()
    }

    /// A link to rows written by `write` for each item, or unset when there are none.
    fn linked<T>(&mut self, items: &[T], mut write: impl FnMut(&mut Self, &str, &T)) -> Value {
        if items.is_empty() {
            return Value::Unset;
        }
        let link = self.link();
        for item in items {
            write(self, &link, item);
        }
        Value::Str(link)
    }

    fn discovery(&mut self, spec: &'static LogSpec, app: &Application) -> Option<String> {
        match self.linked(&app.discovery_urls, |rows, link, url| {
            let mut v = vec![Value::Str(link.to_string())];
            if spec.columns.len() == 3 {
                v.push(text(&app.discovery_profile_uri));
            }
            v.push(Value::Str(url.clone()));
            rows.ctx.log(spec, v);
        }) {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    fn endpoints(
        &mut self,
        spec: &'static LogSpec,
        tokens: &'static LogSpec,
        discovery: &'static LogSpec,
        endpoints: &[Endpoint],
    ) -> Value {
        self.linked(endpoints, |rows, link, e| {
            let discovery_link = rows.discovery(discovery, &e.server);
            let token_link = rows.linked(&e.user_tokens, |rows, link, t| {
                rows.ctx.log(
                    tokens,
                    vec![
                        Value::Str(link.to_string()),
                        text(&t.policy_id),
                        t.token_type.into(),
                        text(&t.issued_token_type),
                        text(&t.issuer_endpoint_url),
                        text(&t.security_policy_uri),
                    ],
                );
            });
            let mut v = vec![Value::Str(link.to_string()), text(&e.endpoint_url)];
            v.extend(application(&e.server, discovery_link));
            v.extend([
                size(e.certificate.as_deref()),
                short_hex(e.certificate.as_deref()),
                e.security_mode.into(),
                text(&e.security_policy_uri),
                token_link,
                text(&e.transport_profile_uri),
                e.security_level.into(),
            ]);
            rows.ctx.log(spec, v);
        })
    }

    /// The rows of a request, `link` being its main-log link.
    pub fn request(&mut self, request: &Request<'_>, link: &str) {
        let link_value = || Value::Str(link.to_string());
        match request {
            Request::GetEndpoints {
                endpoint_url,
                locale_ids,
                profile_uris,
            } => {
                let locales = self.linked(locale_ids, |rows, l, id| {
                    rows.ctx.log(
                        &GET_ENDPOINTS_LOCALE_ID_LOG,
                        vec![Value::Str(l.to_string()), Value::Str(id.clone())],
                    );
                });
                let profiles = self.linked(profile_uris, |rows, l, uri| {
                    rows.ctx.log(
                        &GET_ENDPOINTS_PROFILE_URI_LOG,
                        vec![Value::Str(l.to_string()), Value::Str(uri.clone())],
                    );
                });
                self.ctx.log(
                    &GET_ENDPOINTS_LOG,
                    vec![
                        link_value(),
                        text(endpoint_url),
                        locales,
                        profiles,
                        Value::Unset,
                    ],
                );
            }
            Request::CreateSession {
                client,
                server_uri,
                endpoint_url,
                session_name,
                client_nonce,
                client_certificate,
                requested_timeout,
                max_response_size,
            } => {
                let discovery = self.discovery(&CREATE_SESSION_DISCOVERY_LOG, client);
                let mut v = vec![link_value()];
                v.extend(application(client, discovery));
                v.extend([
                    text(server_uri),
                    text(endpoint_url),
                    text(session_name),
                    short_hex(client_nonce.as_deref()),
                    size(client_certificate.as_deref()),
                    short_hex(client_certificate.as_deref()),
                    number(*requested_timeout),
                    (*max_response_size).into(),
                ]);
                v.resize(CREATE_SESSION_LOG.columns.len(), Value::Unset);
                self.ctx.log(&CREATE_SESSION_LOG, v);
            }
            Request::CloseSession {
                delete_subscriptions,
            } => {
                self.ctx.log(
                    &CLOSE_SESSION_LOG,
                    vec![link_value(), Value::Bool(*delete_subscriptions)],
                );
            }
            Request::CreateSubscription {
                publishing_interval,
                lifetime_count,
                max_keep_alive_count,
                max_notifications,
                publishing_enabled,
                priority,
            } => {
                let mut v = vec![
                    link_value(),
                    number(*publishing_interval),
                    (*lifetime_count).into(),
                    (*max_keep_alive_count).into(),
                    (*max_notifications).into(),
                    Value::Bool(*publishing_enabled),
                    (*priority).into(),
                ];
                v.resize(CREATE_SUBSCRIPTION_LOG.columns.len(), Value::Unset);
                self.ctx.log(&CREATE_SUBSCRIPTION_LOG, v);
            }
            Request::Write { nodes } => {
                for w in nodes {
                    let d = &w.value;
                    let time = |t: Option<i64>| {
                        t.map_or(Value::Unset, |t| Value::Time(opcua::datetime_micros(t)))
                    };
                    let mut v = vec![link_value()];
                    v.extend(node(&w.node));
                    v.extend([
                        w.attribute.into(),
                        Value::opt_str(attribute_name(w.attribute)),
                        text(&w.index_range),
                        Value::Str(format!("0x{:02x}", d.mask)),
                        Value::Unset,
                        time(d.source_timestamp),
                        Value::opt_count(d.source_picoseconds),
                        time(d.server_timestamp),
                        Value::opt_count(d.server_picoseconds),
                    ]);
                    v.resize(WRITE_LOG.columns.len(), Value::Unset);
                    self.ctx.log(&WRITE_LOG, v);
                }
            }
            _ => {}
        }
    }

    /// The rows of a response, `link` being its main-log link and `status_link` the link of
    /// its status codes.
    pub fn response(&mut self, response: &Response, link: &str, status_link: &str) {
        let link_value = || Value::Str(link.to_string());
        match response {
            Response::GetEndpoints { endpoints } => {
                let described = self.endpoints(
                    &GET_ENDPOINTS_DESCRIPTION_LOG,
                    &GET_ENDPOINTS_USER_TOKEN_LOG,
                    &GET_ENDPOINTS_DISCOVERY_LOG,
                    endpoints,
                );
                self.ctx.log(
                    &GET_ENDPOINTS_LOG,
                    vec![
                        link_value(),
                        Value::Unset,
                        Value::Unset,
                        Value::Unset,
                        described,
                    ],
                );
            }
            Response::CreateSession {
                session_id,
                auth_token,
                revised_timeout,
                server_nonce,
                server_certificate,
                endpoints,
                server_signature,
                max_request_size,
            } => {
                let endpoint_link = self.endpoints(
                    &CREATE_SESSION_ENDPOINTS_LOG,
                    &CREATE_SESSION_USER_TOKEN_LOG,
                    &CREATE_SESSION_DISCOVERY_LOG,
                    endpoints,
                );
                let mut v = vec![link_value()];
                v.resize(18, Value::Unset);
                v.extend(node(session_id));
                v.extend(node(auth_token));
                v.extend([
                    number(*revised_timeout),
                    short_hex(server_nonce.as_deref()),
                    size(server_certificate.as_deref()),
                    short_hex(server_certificate.as_deref()),
                    endpoint_link,
                    text(&server_signature.algorithm),
                    short_hex(server_signature.signature.as_deref()),
                    (*max_request_size).into(),
                ]);
                self.ctx.log(&CREATE_SESSION_LOG, v);
            }
            Response::CreateSubscription {
                subscription_id,
                publishing_interval,
                lifetime_count,
                max_keep_alive_count,
            } => {
                let mut v = vec![link_value()];
                v.resize(7, Value::Unset);
                v.extend([
                    (*subscription_id).into(),
                    number(*publishing_interval),
                    (*lifetime_count).into(),
                    (*max_keep_alive_count).into(),
                ]);
                self.ctx.log(&CREATE_SUBSCRIPTION_LOG, v);
            }
            Response::Write { results } => {
                for _ in 0..results.len().max(1) {
                    let mut v = vec![link_value()];
                    v.resize(WRITE_LOG.columns.len(), Value::Unset);
                    v[17] = Value::Str(status_link.to_string());
                    self.ctx.log(&WRITE_LOG, v);
                }
            }
            _ => {}
        }
    }
}

/// Attribute names of OPC 10000-3 5.9 by attribute id.
pub fn attribute_name(id: u32) -> Option<&'static str> {
    const NAMES: [&str; 27] = [
        "NodeId",
        "NodeClass",
        "BrowseName",
        "DisplayName",
        "Description",
        "WriteMask",
        "UserWriteMask",
        "IsAbstract",
        "Symmetric",
        "InverseName",
        "ContainsNoLoops",
        "EventNotifier",
        "Value",
        "DataType",
        "ValueRank",
        "ArrayDimensions",
        "AccessLevel",
        "UserAccessLevel",
        "MinimumSamplingInterval",
        "Historizing",
        "Executable",
        "UserExecutable",
        "DataTypeDefinition",
        "RolePermissions",
        "UserRolePermissions",
        "AccessRestrictions",
        "AccessLevelEx",
    ];
    usize::try_from(id)
        .ok()
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| NAMES.get(i))
        .copied()
}
