//! Writes the demo plant capture to a file so it can be inspected with other tools.
//!
//! Usage: `write_demo OUT.pcap [SEED]`. The ground truth is printed to stdout as JSON.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: write_demo OUT.pcap [SEED]");
        return ExitCode::from(2);
    };
    let seed = match args.next().map(|s| s.parse::<u64>()) {
        None => otwatch_sim::demo::DEFAULT_SEED,
        Some(Ok(seed)) => seed,
        Some(Err(e)) => {
            eprintln!("invalid seed: {e}");
            return ExitCode::from(2);
        }
    };
    let plant = otwatch_sim::demo_plant(seed);
    if let Err(e) = std::fs::write(&path, &plant.pcap) {
        eprintln!("cannot write {path}: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!("{path}: {} packets, seed {seed}", plant.truth.packet_count);
    println!("{}", plant.truth.to_json_pretty());
    ExitCode::SUCCESS
}
