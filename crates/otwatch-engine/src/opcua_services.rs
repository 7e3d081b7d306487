//! ICSNPP's per-service OPC UA logs: GetEndpoints (with the endpoints, user token policies,
//! locales, profiles and discovery URLs it names), CreateSession (with the server's
//! endpoints and token policies), CloseSession, CreateSubscription and Write. Each request
//! and each response has its rows, tied to the main `opcua_binary.log` row by
//! `opcua_link_id` and to their own sub-rows by the other link ids.
//!
//! Values follow ICSNPP's forms: empty and null strings are unset, byte strings are hex
//! with `0x`, cut after 24 bytes with `...`, node id encodings are `0x..`.

use crate::app::Ctx;
use crate::opcua::{status_rows, StatusSource};
use otwatch_dissect::opcua::{self, Application, Endpoint, Identity, NodeId, Request, Response};
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

pub static ACTIVATE_SESSION_LOG: LogSpec = LogSpec {
    name: "opcua_binary_activate_session",
    directional: true,
    columns: &[
        CONN_LINK,
        ("client_algorithm", "string"),
        ("client_signature", "string"),
        ("client_software_cert_link_id", "string"),
        ("opcua_locale_link_id", "string"),
        ("ext_obj_type_id_encoding_mask", "string"),
        ("ext_obj_type_id_namespace_idx", "count"),
        ("ext_obj_type_id_numeric", "count"),
        ("ext_obj_type_id_string", "string"),
        ("ext_obj_type_id_guid", "string"),
        ("ext_obj_type_id_opaque", "string"),
        ("ext_obj_type_id_str", "string"),
        ("ext_obj_encoding", "string"),
        ("ext_obj_policy_id", "string"),
        ("ext_obj_user_name", "string"),
        ("ext_obj_password", "string"),
        ("ext_obj_encryption_algorithom", "string"),
        ("ext_obj_certificate_data", "string"),
        ("ext_obj_token_data", "string"),
        ("user_token_algorithm", "string"),
        ("user_token_signature", "string"),
        ("server_nonce", "string"),
        ("status_code_link_id", "string"),
        ("activate_session_diag_info_link_id", "string"),
    ],
};

pub static ACTIVATE_SESSION_LOCALE_ID_LOG: LogSpec = LogSpec {
    name: "opcua_binary_activate_session_locale_id",
    directional: true,
    columns: &[("opcua_locale_link_id", "string"), ("local_id", "string")],
};

pub static BROWSE_LOG: LogSpec = LogSpec {
    name: "opcua_binary_browse",
    directional: true,
    columns: &[
        CONN_LINK,
        ("browse_service_type", "string"),
        ("browse_view_id_encoding_mask", "string"),
        ("browse_view_id_namespace_idx", "count"),
        ("browse_view_id_numeric", "count"),
        ("browse_view_id_string", "string"),
        ("browse_view_id_guid", "string"),
        ("browse_view_id_opaque", "string"),
        ("browse_view_description_timestamp", "time"),
        ("browse_view_description_view_version", "count"),
        ("req_max_ref_nodes", "count"),
        ("browse_description_link_id", "string"),
        ("browse_next_release_continuation_point", "bool"),
        ("browse_next_link_id", "string"),
        ("browse_response_link_id", "string"),
        ("browse_diag_info_link_id", "string"),
    ],
};

pub static BROWSE_DESCRIPTION_LOG: LogSpec = LogSpec {
    name: "opcua_binary_browse_description",
    directional: true,
    columns: &[
        ("browse_description_link_id", "string"),
        ("browse_description_encoding_mask", "string"),
        ("browse_description_namespace_idx", "count"),
        ("browse_description_numeric", "count"),
        ("browse_description_string", "string"),
        ("browse_description_guid", "string"),
        ("browse_description_opaque", "string"),
        ("browse_direction", "string"),
        ("browse_description_ref_encoding_mask", "string"),
        ("browse_description_ref_namespace_idx", "count"),
        ("browse_description_ref_numeric", "count"),
        ("browse_description_ref_string", "string"),
        ("browse_description_ref_guid", "string"),
        ("browse_description_ref_opaque", "string"),
        ("browse_description_include_subtypes", "bool"),
        ("browse_node_class_mask", "string"),
        ("browse_result_mask", "string"),
    ],
};

pub static BROWSE_CONTINUATION_POINT_LOG: LogSpec = LogSpec {
    name: "opcua_binary_browse_request_continuation_point",
    directional: true,
    columns: &[
        ("browse_next_link_id", "string"),
        ("continuation_point", "string"),
    ],
};

pub static BROWSE_RESULT_LOG: LogSpec = LogSpec {
    name: "opcua_binary_browse_result",
    directional: true,
    columns: &[
        ("browse_response_link_id", "string"),
        ("status_code_link_id", "string"),
        ("browse_result_continuation_point", "string"),
        ("browse_reference_link_id", "string"),
    ],
};

pub static BROWSE_REFERENCES_LOG: LogSpec = LogSpec {
    name: "opcua_binary_browse_response_references",
    directional: true,
    columns: &[
        ("browse_reference_link_id", "string"),
        ("browse_response_ref_encoding_mask", "string"),
        ("browse_response_ref_namespace_idx", "count"),
        ("browse_response_ref_numeric", "count"),
        ("browse_response_ref_string", "string"),
        ("browse_response_ref_guid", "string"),
        ("browse_response_ref_opaque", "string"),
        ("browse_response_is_forward", "bool"),
        ("browse_response_ref_type_encoding_mask", "string"),
        ("browse_response_ref_type_namespace_idx", "count"),
        ("browse_response_ref_type_numeric", "count"),
        ("browse_response_ref_type_string", "string"),
        ("browse_response_ref_type_guid", "string"),
        ("browse_response_ref_type_opaque", "string"),
        ("browse_response_ref_type_namespace_uri", "string"),
        ("browse_response_ref_type_server_idx", "count"),
        ("browse_response_ref_name_idx", "count"),
        ("browse_response_ref_name", "string"),
        ("browse_response_display_name_mask", "string"),
        ("browse_response_display_name_locale", "string"),
        ("browse_response_display_name_text", "string"),
        ("browse_response_node_class", "string"),
        ("browse_response_type_def_encoding_mask", "string"),
        ("browse_response_type_def_namespace_idx", "count"),
        ("browse_response_type_def_numeric", "count"),
        ("browse_response_type_def_string", "string"),
        ("browse_response_type_def_guid", "string"),
        ("browse_response_type_def_opaque", "string"),
        ("browse_response_type_def_namespace_uri", "string"),
        ("browse_response_type_def_server_idx", "count"),
    ],
};

pub static READ_LOG: LogSpec = LogSpec {
    name: "opcua_binary_read",
    directional: true,
    columns: &[
        CONN_LINK,
        ("max_age", "count"),
        ("timestamps_to_return", "count"),
        ("timestamps_to_return_str", "string"),
        ("nodes_to_read_link_id", "string"),
        ("read_results_link_id", "string"),
        ("diag_info_link_id", "string"),
    ],
};

pub static READ_NODES_LOG: LogSpec = LogSpec {
    name: "opcua_binary_read_nodes_to_read",
    directional: true,
    columns: &[
        ("nodes_to_read_link_id", "string"),
        ("node_id_encoding_mask", "string"),
        ("node_id_namespace_idx", "count"),
        ("node_id_numeric", "count"),
        ("node_id_string", "string"),
        ("node_id_guid", "string"),
        ("node_id_opaque", "string"),
        ("attribute_id", "count"),
        ("attribute_id_str", "string"),
        ("index_range", "string"),
        ("data_encoding_name_idx", "count"),
        ("data_encoding_name", "string"),
    ],
};

pub static READ_RESULTS_LOG: LogSpec = LogSpec {
    name: "opcua_binary_read_results",
    directional: true,
    columns: &[
        ("results_link_id", "string"),
        ("level", "count"),
        ("data_value_encoding_mask", "string"),
        ("status_code_link_id", "string"),
        ("source_timestamp", "time"),
        ("source_pico_sec", "count"),
        ("server_timestamp", "time"),
        ("server_pico_sec", "count"),
        ("read_results_variant_metadata_link_id", "string"),
    ],
};

pub static CREATE_MONITORED_ITEMS_LOG: LogSpec = LogSpec {
    name: "opcua_binary_create_monitored_items",
    directional: true,
    columns: &[
        CONN_LINK,
        ("subscription_id", "count"),
        ("timestamps_to_return", "count"),
        ("timestamps_to_return_str", "string"),
        ("create_item_link_id", "string"),
        ("create_monitored_items_diag_info_link_id", "string"),
    ],
};

pub static CREATE_ITEM_LOG: LogSpec = LogSpec {
    name: "opcua_binary_create_monitored_items_create_item",
    directional: true,
    columns: &[
        ("create_item_link_id", "string"),
        ("item_to_monitor_node_id_encoding_mask", "string"),
        ("item_to_monitor_node_id_namespace_idx", "count"),
        ("item_to_monitor_node_id_numeric", "count"),
        ("item_to_monitor_node_id_string", "string"),
        ("item_to_monitor_node_id_guid", "string"),
        ("item_to_monitor_node_id_opaque", "string"),
        ("item_to_monitor_attribute_id", "string"),
        ("item_to_monitor_index_range", "string"),
        ("item_to_monitor_namespace_idx", "count"),
        ("item_to_monitor_name", "string"),
        ("monitoring_mode", "string"),
        ("monitoring_parameters_client_handle", "count"),
        ("monitoring_parameters_sampling_interval", "double"),
        ("monitoring_parameters_queue_size", "count"),
        ("monitoring_parameters_discard_oldest", "bool"),
        (
            "monitoring_parameters_filter_info_type_id_node_id_encoding_mask",
            "string",
        ),
        (
            "monitoring_parameters_filter_info_type_id_node_id_namespace_idx",
            "count",
        ),
        (
            "monitoring_parameters_filter_info_type_id_node_id_numeric",
            "count",
        ),
        (
            "monitoring_parameters_filter_info_type_id_node_id_string",
            "string",
        ),
        (
            "monitoring_parameters_filter_info_type_id_node_id_guid",
            "string",
        ),
        (
            "monitoring_parameters_filter_info_type_id_node_id_opaque",
            "string",
        ),
        ("monitoring_parameters_filter_info_type_id_string", "string"),
        (
            "monitoring_parameters_filter_info_type_id_encoding",
            "string",
        ),
        ("filter_info_details_link_id", "string"),
        ("monitoring_parameters_status_code_link_id", "string"),
        ("monitored_item_index_id", "count"),
        ("monitoring_parameters_revised_sampling_interval", "double"),
        ("monitoring_parameters_revised_queue_size", "count"),
    ],
};

/// TimestampsToReturn names.
fn timestamps_name(t: u32) -> &'static str {
    match t {
        0 => "Source",
        1 => "Server",
        2 => "Both",
        3 => "Neither",
        _ => "Invalid",
    }
}

/// NodeClass names as ICSNPP writes them.
fn node_class_name(c: u32) -> String {
    match c {
        0 => "UnspecifiedNodeClass".into(),
        1 => "ObjectNodeClass".into(),
        2 => "VariableNodeClass".into(),
        4 => "MethodNodeClass".into(),
        8 => "ObjectTypeNodeClass".into(),
        16 => "VariableTypeNodeClass".into(),
        32 => "ReferenceTypeNodeClass".into(),
        64 => "DataTypeNodeClass".into(),
        128 => "ViewNodeClass".into(),
        _ => format!("NodeClass {c}"),
    }
}

/// An expanded node id: the six node columns, its namespace URI and server index.
fn expanded(e: &opcua::ExpandedNodeId) -> [Value; 8] {
    let [a, b, c, d, f, g] = node(&e.node);
    [
        a,
        b,
        c,
        d,
        f,
        g,
        text(&e.namespace_uri),
        Value::opt_count(e.server_index),
    ]
}

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
            Request::ActivateSession {
                client_signature,
                locale_ids,
                token,
                identity,
                user_token_signature,
            } => {
                let locales = self.linked(locale_ids, |rows, l, id| {
                    rows.ctx.log(
                        &ACTIVATE_SESSION_LOCALE_ID_LOG,
                        vec![Value::Str(l.to_string()), Value::Str(id.clone())],
                    );
                });
                let mut v = vec![
                    link_value(),
                    text(&client_signature.algorithm),
                    short_hex(client_signature.signature.as_deref()),
                    Value::Unset,
                    locales,
                ];
                v.extend(node(&token.type_id));
                v.push(Value::opt_str(
                    token
                        .type_id
                        .numeric()
                        .and_then(token_name)
                        .map(str::to_string),
                ));
                v.push(Value::Str(format!("0x{:02x}", token.encoding)));
                // The password is never written: a log is no place for a credential, even
                // one the wire shows in clear (the `opcua_cleartext_session` event says so).
                let (policy, user, algorithm, certificate, token_data) = match identity {
                    Identity::Anonymous { policy_id } => (policy_id, &None, &None, None, None),
                    Identity::UserName {
                        policy_id,
                        user_name,
                        encryption_algorithm,
                        ..
                    } => (policy_id, user_name, encryption_algorithm, None, None),
                    Identity::Certificate {
                        policy_id,
                        certificate,
                    } => (policy_id, &None, &None, certificate.as_deref(), None),
                    Identity::IssuedToken {
                        policy_id,
                        token,
                        encryption_algorithm,
                    } => (
                        policy_id,
                        &None,
                        encryption_algorithm,
                        None,
                        token.as_deref(),
                    ),
                    Identity::Unknown => (&None, &None, &None, None, None),
                };
                v.extend([
                    text(policy),
                    text(user),
                    Value::Unset,
                    text(algorithm),
                    short_hex(certificate),
                    short_hex(token_data),
                    text(&user_token_signature.algorithm),
                    short_hex(user_token_signature.signature.as_deref()),
                ]);
                v.resize(ACTIVATE_SESSION_LOG.columns.len(), Value::Unset);
                self.ctx.log(&ACTIVATE_SESSION_LOG, v);
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
            Request::Browse {
                view,
                view_timestamp,
                view_version,
                max_references,
                nodes,
            } => {
                let described = self.linked(nodes, |rows, l, d| {
                    let mut v = vec![Value::Str(l.to_string())];
                    v.extend(node(&d.node));
                    v.push(
                        match d.direction {
                            0 => "FWD",
                            1 => "INVERSE",
                            2 => "BOTH",
                            _ => "INVALID",
                        }
                        .into(),
                    );
                    v.extend(node(&d.reference_type));
                    v.extend([
                        Value::Bool(d.include_subtypes),
                        if d.node_class_mask == 0 {
                            "All".into()
                        } else {
                            Value::Str(format!("0x{:08x}", d.node_class_mask))
                        },
                        Value::Str(format!("0x{:08x}", d.result_mask)),
                    ]);
                    rows.ctx.log(&BROWSE_DESCRIPTION_LOG, v);
                });
                let mut v = vec![link_value(), "BrowseRequest".into()];
                v.extend(node(view));
                v.extend([
                    Value::Time(opcua::datetime_micros(*view_timestamp)),
                    (*view_version).into(),
                    (*max_references).into(),
                    described,
                ]);
                v.resize(BROWSE_LOG.columns.len(), Value::Unset);
                self.ctx.log(&BROWSE_LOG, v);
            }
            Request::BrowseNext {
                release_continuation_points,
                continuation_points,
            } => {
                let points = self.linked(continuation_points, |rows, l, p| {
                    rows.ctx.log(
                        &BROWSE_CONTINUATION_POINT_LOG,
                        vec![Value::Str(l.to_string()), short_hex(Some(p))],
                    );
                });
                let mut v = vec![link_value(), "BrowseNextRequest".into()];
                v.resize(12, Value::Unset);
                v.push(Value::Bool(*release_continuation_points));
                v.push(points);
                v.resize(BROWSE_LOG.columns.len(), Value::Unset);
                self.ctx.log(&BROWSE_LOG, v);
            }
            Request::Read {
                max_age,
                timestamps_to_return,
                nodes,
            } => {
                let listed = self.linked(nodes, |rows, l, r| {
                    let mut v = vec![Value::Str(l.to_string())];
                    v.extend(node(&r.node));
                    v.extend([
                        r.attribute.into(),
                        Value::opt_str(attribute_name(r.attribute)),
                        text(&r.index_range),
                        r.data_encoding.0.into(),
                        text(&r.data_encoding.1),
                    ]);
                    rows.ctx.log(&READ_NODES_LOG, v);
                });
                self.ctx.log(
                    &READ_LOG,
                    vec![
                        link_value(),
                        number(*max_age),
                        (*timestamps_to_return).into(),
                        timestamps_name(*timestamps_to_return).into(),
                        listed,
                        Value::Unset,
                        Value::Unset,
                    ],
                );
            }
            Request::CreateMonitoredItems {
                subscription_id,
                timestamps_to_return,
                items,
            } => {
                let created = self.linked(items, |rows, l, m| {
                    let mut v = vec![Value::Str(l.to_string())];
                    v.extend(node(&m.item.node));
                    let filtered = m.filter_encoding != 0 || m.filter_type.numeric() != Some(0);
                    v.extend([
                        Value::opt_str(attribute_name(m.item.attribute)),
                        text(&m.item.index_range),
                        match m.item.data_encoding.0 {
                            0 => Value::Unset,
                            n => n.into(),
                        },
                        text(&m.item.data_encoding.1),
                        match m.mode {
                            0 => "Disabled",
                            1 => "Sampling",
                            2 => "Reporting",
                            _ => "Invalid",
                        }
                        .into(),
                        m.client_handle.into(),
                        Value::Double(m.sampling_interval),
                        m.queue_size.into(),
                        Value::Bool(m.discard_oldest),
                    ]);
                    if filtered {
                        v.extend(node(&m.filter_type));
                        v.push(Value::opt_str(
                            m.filter_type
                                .numeric()
                                .and_then(filter_name)
                                .map(str::to_string),
                        ));
                        v.push(Value::Str(format!("0x{:02x}", m.filter_encoding)));
                    }
                    v.resize(CREATE_ITEM_LOG.columns.len(), Value::Unset);
                    rows.ctx.log(&CREATE_ITEM_LOG, v);
                });
                self.ctx.log(
                    &CREATE_MONITORED_ITEMS_LOG,
                    vec![
                        link_value(),
                        (*subscription_id).into(),
                        (*timestamps_to_return).into(),
                        timestamps_name(*timestamps_to_return).into(),
                        created,
                        Value::Unset,
                    ],
                );
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

    /// Status-code rows under a new link, returned (unset when there are none).
    fn statuses(&mut self, source: StatusSource, codes: &[u32]) -> Value {
        if codes.is_empty() {
            return Value::Unset;
        }
        let link = self.link();
        for code in codes {
            status_rows(self.ctx, &link, source, *code);
        }
        Value::Str(link)
    }

    /// The rows of a response, `link` being its main-log link; each result's status codes
    /// get rows (and a link) of their own.
    pub fn response(&mut self, response: &Response, link: &str) {
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
            Response::ActivateSession {
                server_nonce,
                results,
            } => {
                let statuses = self.statuses(StatusSource::ActivateSession, results);
                let mut v = vec![link_value()];
                v.resize(21, Value::Unset);
                v.push(short_hex(server_nonce.as_deref()));
                v.push(statuses);
                v.push(Value::Unset);
                self.ctx.log(&ACTIVATE_SESSION_LOG, v);
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
            Response::Browse { next, results } => {
                let answered = self.linked(results, |rows, l, r| {
                    let references = rows.linked(&r.references, |rows, l, f| {
                        let mut v = vec![Value::Str(l.to_string())];
                        v.extend(node(&f.reference_type));
                        v.push(Value::Bool(f.is_forward));
                        v.extend(expanded(&f.target));
                        v.extend([
                            match f.browse_name.0 {
                                0 => Value::Unset,
                                n => n.into(),
                            },
                            text(&f.browse_name.1),
                            Value::Str(format!("0x{:02x}", f.display_name.mask)),
                            text(&f.display_name.locale),
                            text(&f.display_name.text),
                            Value::Str(node_class_name(f.node_class)),
                        ]);
                        v.extend(expanded(&f.type_definition));
                        rows.ctx.log(&BROWSE_REFERENCES_LOG, v);
                    });
                    let status = rows.statuses(StatusSource::Browse, &[r.status]);
                    rows.ctx.log(
                        &BROWSE_RESULT_LOG,
                        vec![
                            Value::Str(l.to_string()),
                            status,
                            short_hex(r.continuation_point.as_deref()),
                            references,
                        ],
                    );
                });
                let kind = if *next {
                    "BrowseNextResponse"
                } else {
                    "BrowseResponse"
                };
                let mut v = vec![link_value(), kind.into()];
                v.resize(14, Value::Unset);
                v.push(answered);
                v.push(Value::Unset);
                self.ctx.log(&BROWSE_LOG, v);
            }
            Response::Read { results } => {
                let listed = self.linked(results, |rows, l, d| {
                    let status = rows.statuses(StatusSource::Read, d.status.as_slice());
                    let time = |t: Option<i64>| {
                        t.map_or(Value::Unset, |t| Value::Time(opcua::datetime_micros(t)))
                    };
                    rows.ctx.log(
                        &READ_RESULTS_LOG,
                        vec![
                            Value::Str(l.to_string()),
                            Value::Count(0),
                            Value::Str(format!("0x{:02x}", d.mask)),
                            status,
                            time(d.source_timestamp),
                            Value::opt_count(d.source_picoseconds),
                            time(d.server_timestamp),
                            Value::opt_count(d.server_picoseconds),
                            Value::Unset,
                        ],
                    );
                });
                let mut v = vec![link_value()];
                v.resize(5, Value::Unset);
                v.push(listed);
                v.push(Value::Unset);
                self.ctx.log(&READ_LOG, v);
            }
            Response::CreateMonitoredItems { results } => {
                let created = self.linked(results, |rows, l, r| {
                    let mut v = vec![Value::Str(l.to_string())];
                    v.resize(25, Value::Unset);
                    let status = rows.statuses(StatusSource::CreateMonitoredItems, &[r.status]);
                    v.extend([
                        status,
                        r.id.into(),
                        Value::Double(r.revised_sampling_interval),
                        r.revised_queue_size.into(),
                    ]);
                    rows.ctx.log(&CREATE_ITEM_LOG, v);
                });
                let mut v = vec![link_value()];
                v.resize(4, Value::Unset);
                v.push(created);
                v.push(Value::Unset);
                self.ctx.log(&CREATE_MONITORED_ITEMS_LOG, v);
            }
            Response::Write { results } => {
                if results.is_empty() {
                    let mut v = vec![link_value()];
                    v.resize(WRITE_LOG.columns.len(), Value::Unset);
                    self.ctx.log(&WRITE_LOG, v);
                }
                for r in results {
                    let status = self.statuses(StatusSource::Write, &[*r]);
                    let mut v = vec![link_value()];
                    v.resize(WRITE_LOG.columns.len(), Value::Unset);
                    v[17] = status;
                    self.ctx.log(&WRITE_LOG, v);
                }
            }
            _ => {}
        }
    }
}

/// User identity token types by the id of their binary encoding.
fn token_name(id: u32) -> Option<&'static str> {
    match id {
        321 => Some("AnonymousIdentityToken"),
        324 => Some("UserNameIdentityToken"),
        327 => Some("X509IdentityToken"),
        940 => Some("IssuedIdentityToken"),
        _ => None,
    }
}

/// Monitoring filter types by the id of their binary encoding.
fn filter_name(id: u32) -> Option<&'static str> {
    match id {
        724 => Some("DataChangeFilter"),
        727 => Some("EventFilter"),
        730 => Some("AggregateFilter"),
        _ => None,
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
