//! HTTP as a browser or a dashboard speaks it to a device's built-in web server: the start
//! page for identity (its `Server` header and title name the product), then the small JSON
//! document the page refreshes every few seconds. An operator changing a set point through
//! the web page is a form POST.

use super::Entry;
use crate::dialect::{
    process_value, ActionKind, DeviceSpec, Dialect, DialectContext, DialectError, Message,
    PollContext, Transport,
};

pub const ENTRY: Entry = Entry {
    name: "http",
    description: "HTTP on 80 to a device web server: start page with Server header and title, JSON value refresh, set point POST",
    build,
};

const USER_AGENT: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";

fn build(context: &DialectContext<'_>) -> Result<Box<dyn Dialect>, DialectError> {
    Ok(Box::new(HttpDialect {
        server: context.server.clone(),
        seed: context.seed,
    }))
}

struct HttpDialect {
    server: DeviceSpec,
    seed: u64,
}

impl HttpDialect {
    fn host(&self) -> String {
        self.server.ip.to_string()
    }

    /// The `Server` header: the scenario's own string, or the product and firmware the way
    /// embedded web servers announce themselves.
    fn server_header(&self) -> String {
        if let Some(s) = self.server.param_text("http_server") {
            return s.to_string();
        }
        let s = &self.server;
        let product: String = [s.vendor.as_deref(), s.model.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
            .replace(' ', "-");
        match (product.is_empty(), &s.firmware) {
            (true, _) => "embedded-httpd".into(),
            (false, Some(f)) => format!("{product}/{f}"),
            (false, None) => product,
        }
    }

    fn title(&self) -> String {
        let s = &self.server;
        match &s.model {
            Some(m) => format!("{m} - {}", s.station_name()),
            None => s.station_name().to_string(),
        }
    }

    fn request(&self, method: &str, path: &str, accept: &str, body: Option<&str>) -> Vec<u8> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {USER_AGENT}\r\nAccept: {accept}\r\nAccept-Language: en-US,en;q=0.5\r\nConnection: keep-alive\r\n",
            self.host()
        );
        if let Some(b) = body {
            head.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                b.len()
            ));
        }
        head.push_str("\r\n");
        head.push_str(body.unwrap_or_default());
        head.into_bytes()
    }

    fn response(&self, status: &str, content_type: &str, body: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 {status}\r\nServer: {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\n\r\n{body}",
            self.server_header(),
            body.len()
        )
        .into_bytes()
    }
}

impl Dialect for HttpDialect {
    fn protocol(&self) -> &'static str {
        "http"
    }

    fn transport(&self) -> Transport {
        Transport::Tcp { port: 80 }
    }

    fn identify(&mut self) -> Vec<Message> {
        let title = self.title();
        let body = format!(
            "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<link rel=\"stylesheet\" href=\"/css/main.css\">\n<script src=\"/js/values.js\"></script>\n</head>\n<body>\n<h1>{title}</h1>\n<div id=\"values\"></div>\n</body>\n</html>\n"
        );
        vec![
            Message::request(self.request(
                "GET",
                "/",
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                None,
            )),
            Message::response(self.response("200 OK", "text/html; charset=utf-8", &body)),
        ]
    }

    fn poll(&mut self, poll: &PollContext) -> Vec<Message> {
        let values: Vec<String> = ["level", "temperature", "flow"]
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let v = process_value(self.seed, i as u32, poll.now_micros, 0.0, 100.0);
                format!("\"{name}\":{v:.2}")
            })
            .collect();
        let body = format!("{{{},\"cycle\":{}}}", values.join(","), poll.cycle);
        vec![
            Message::request(self.request("GET", "/api/values.json", "application/json", None)),
            Message::response(self.response("200 OK", "application/json", &body)),
        ]
    }

    fn action(&mut self, kind: ActionKind, poll: &PollContext) -> Option<Vec<Message>> {
        if kind != ActionKind::Write {
            return None;
        }
        let value = process_value(self.seed, 60, poll.now_micros, 40.0, 60.0);
        let form = format!("name=setpoint&value={value:.1}");
        Some(vec![
            Message::request(self.request(
                "POST",
                "/api/setpoint",
                "application/json",
                Some(&form),
            )),
            Message::response(self.response("200 OK", "application/json", "{\"result\":\"ok\"}")),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialects::testing;

    #[test]
    fn every_action_renders_and_tshark_finds_nothing_malformed() {
        let capture = testing::render_all("http", &testing::sample_server());
        testing::assert_tshark_clean(&capture, "http.server");
    }

    #[test]
    fn start_page_names_the_product() {
        let server = testing::sample_server();
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let text = String::from_utf8(dialect.identify()[1].payload.clone()).unwrap();
        assert!(
            text.contains("\r\nServer: Schneider-Electric-BMX-P34-2020/V3.10\r\n"),
            "{text}"
        );
        assert!(
            text.contains("<title>BMX P34 2020 - PLC-LINE1</title>"),
            "{text}"
        );
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Content-Length: {}\r\n", body.len())));
    }

    #[test]
    fn the_server_parameter_wins() {
        let mut server = testing::sample_server();
        server.params.insert(
            "http_server".into(),
            crate::dialect::ParamValue::Text("Schneider-WEB/V8.1".into()),
        );
        let context = testing::context(&server);
        let mut dialect = build(&context).unwrap();
        let text = String::from_utf8(dialect.identify()[1].payload.clone()).unwrap();
        assert!(
            text.contains("\r\nServer: Schneider-WEB/V8.1\r\n"),
            "{text}"
        );
    }
}
