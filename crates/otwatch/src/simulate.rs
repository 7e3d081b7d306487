//! `otwatch simulate`: write the capture of a simulated site, its ground truth and its zones.

use anyhow::{bail, Context, Result};
use clap::Args;
use otwatch_sim::builtin::{builtin_sized, BUILTIN};
use otwatch_sim::engine::{generate, GenerateOptions, Generated};
use otwatch_sim::scenario::Scenario;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct SimulateArgs {
    /// A built-in scenario (small-plant, water-utility, factory, building, large) or a
    /// scenario file (TOML, see docs/simulator.md). `--list` shows the built-in ones.
    #[arg(value_name = "SCENARIO", required_unless_present = "list")]
    pub scenario: Option<String>,
    /// Where to write the capture (classic pcap).
    #[arg(long, value_name = "FILE.pcap", required_unless_present = "list")]
    pub out: Option<PathBuf>,
    /// Also write the ground truth: assets, designed findings and expected alerts (JSON).
    #[arg(long, value_name = "FILE.json")]
    pub truth: Option<PathBuf>,
    /// Also write the scenario's zones and conduits as an otwatch zone file (TOML).
    #[arg(long, value_name = "FILE.toml")]
    pub zones: Option<PathBuf>,
    /// Seed of the simulation (default: the scenario's): the same seed gives the same capture.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Capture length instead of the scenario's (e.g. 30m, 2h); events after it are left out.
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Stop writing once the capture holds this many bytes (e.g. 1GB, 200MB).
    #[arg(long, value_name = "SIZE")]
    pub max_size: Option<String>,
    /// Size of the `large` scenario in devices (default 2000).
    #[arg(long, value_name = "N")]
    pub devices: Option<usize>,
    /// List the built-in scenarios and the protocols scenario files can use.
    #[arg(long)]
    pub list: bool,
}

/// A built-in scenario (`devices` sizes `large`) or a scenario file.
pub fn load_sized(name_or_path: &str, devices: Option<usize>) -> Result<Scenario> {
    if devices.is_some() && name_or_path != "large" {
        bail!("--devices sizes the built-in scenario large only");
    }
    if let Some(n) = devices {
        let max = otwatch_sim::large::MAX_DEVICES;
        if n == 0 || n > max {
            bail!("--devices {n}: the large scenario holds 1 to {max} devices");
        }
    }
    if let Some(scenario) = builtin_sized(name_or_path, devices) {
        return scenario.map_err(|e| anyhow::anyhow!("{e}"));
    }
    let path = Path::new(name_or_path);
    if !path.exists() {
        let names: Vec<&str> = BUILTIN.iter().map(|(n, _, _)| *n).collect();
        bail!(
            "{name_or_path:?} is neither a built-in scenario ({}) nor a file",
            names.join(", ")
        );
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the scenario file {}", path.display()))?;
    Scenario::parse(&text, &path.display().to_string()).map_err(|e| anyhow::anyhow!("{e}"))
}

fn parse_size(text: &str) -> Result<u64> {
    let t = text.trim().to_ascii_uppercase();
    let (number, unit) = t.split_at(
        t.find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(t.len()),
    );
    let n: f64 = number
        .parse()
        .with_context(|| format!("{text:?} is not a size; write e.g. 1GB, 200MB, 5000000"))?;
    let factor = match unit.trim() {
        "" | "B" => 1.0,
        "K" | "KB" => 1e3,
        "M" | "MB" => 1e6,
        "G" | "GB" => 1e9,
        "KIB" => 1024.0,
        "MIB" => 1048576.0,
        "GIB" => 1073741824.0,
        _ => bail!("{text:?} is not a size; write e.g. 1GB, 200MB, 5000000"),
    };
    Ok((n * factor) as u64)
}

/// Generates `scenario` into `out`; prints progress on stderr for long runs.
pub fn write_capture(scenario: &Scenario, out: &Path, max_bytes: Option<u64>) -> Result<Generated> {
    let file = File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    let started = Instant::now();
    let total = scenario.duration;
    let start = scenario.start;
    let mut progress = |now: i64, bytes: u64| {
        if started.elapsed().as_secs() >= 1 {
            eprint!(
                "\r{:>5.1} % of the capture time, {:.0} MB written",
                (now - start) as f64 * 100.0 / total as f64,
                bytes as f64 / 1e6
            );
        }
    };
    let generated = generate(
        scenario,
        BufWriter::with_capacity(1 << 20, file),
        GenerateOptions {
            max_bytes,
            progress: Some(&mut progress),
        },
    )
    .with_context(|| format!("cannot generate {}", out.display()))?;
    if started.elapsed().as_secs() >= 1 {
        eprintln!();
    }
    Ok(generated)
}

pub fn run(args: SimulateArgs) -> Result<u8> {
    if args.list {
        println!("built-in scenarios:");
        for (name, description, _) in BUILTIN {
            println!("  {name:14} {description}");
        }
        println!("\nprotocols:");
        for (name, description) in otwatch_sim::dialect::protocols() {
            println!("  {name:14} {description}");
        }
        return Ok(0);
    }
    let name = args.scenario.as_deref().expect("clap requires it");
    let out = args.out.as_deref().expect("clap requires it");
    let mut scenario = load_sized(name, args.devices)?;
    if let Some(seed) = args.seed {
        scenario = scenario.with_seed(seed);
    }
    if let Some(d) = &args.duration {
        let micros = otwatch_model::parse_duration(&d.to_ascii_lowercase())
            .map_err(|e| anyhow::anyhow!("--duration: {e}"))?;
        scenario = scenario.with_duration(micros);
    }
    let max_bytes = args.max_size.as_deref().map(parse_size).transpose()?;
    let started = Instant::now();
    let generated = write_capture(&scenario, out, max_bytes)?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "wrote {}: {} packets, {:.1} MB of frames, {} to {}{} in {:.1} s",
        out.display(),
        generated.packets,
        generated.frame_bytes as f64 / 1e6,
        otwatch_model::iso_time(generated.first_micros),
        otwatch_model::iso_time(generated.last_micros),
        if generated.truncated {
            " (stopped at --max-size)"
        } else {
            ""
        },
        seconds
    );
    if let Some(path) = &args.truth {
        let truth = otwatch_sim::truth::truth(&scenario, &generated);
        let json = serde_json::to_string_pretty(&truth).expect("truth serialises");
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!(
            "wrote {}: {} assets, {} designed findings, {} expected alerts",
            path.display(),
            truth.assets.len(),
            truth.designed_findings.len(),
            truth.expected_alerts.len()
        );
    }
    if let Some(path) = &args.zones {
        std::fs::write(path, otwatch_sim::truth::zone_file(&scenario))
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {}: {} zones", path.display(), scenario.zones.len());
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1GB").unwrap(), 1_000_000_000);
        assert_eq!(parse_size("200mb").unwrap(), 200_000_000);
        assert_eq!(parse_size("1.5G").unwrap(), 1_500_000_000);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert!(parse_size("lots").is_err());
    }
}
