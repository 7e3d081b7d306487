//! Writes one conversation of a protocol dialect (session start, identification, three
//! polls, every supported action) to a capture, for inspection with tshark or otwatch.
//!
//! `cargo run -p otwatch-sim --example render_dialect -- s7comm /tmp/s7.pcap`

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(protocol), Some(out)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: render_dialect PROTOCOL OUT.pcap");
        for (name, description) in otwatch_sim::dialect::protocols() {
            eprintln!("  {name:12} {description}");
        }
        std::process::exit(2);
    };
    let capture = otwatch_sim::dialects::testing::render_all(
        protocol,
        &otwatch_sim::dialects::testing::sample_server(),
    );
    std::fs::write(out, capture).expect("write the capture");
}
