//! The site description and settings file (`--config FILE`, TOML).
//!
//! Every option has a flag and a key here; flags win. Unknown keys are errors, so that a
//! misspelt limit is reported (with its line) instead of silently ignored.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub site: Site,
    #[serde(default)]
    pub analyze: AnalyzeSection,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub outputs: Outputs,
    #[serde(default)]
    pub changes: ChangesSection,
    #[serde(default)]
    pub detection: DetectionSection,
}

/// Detection (`docs/detection.md`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectionSection {
    /// Rules files applied after the built-in rules, in order (before any `--rules`).
    #[serde(default)]
    pub rules: Vec<PathBuf>,
}

/// Change over time (`docs/inventory.md`, "Changes over time").
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangesSection {
    /// An asset with no traffic for this long before the latest traffic in the database is
    /// reported as not seen ("7d", "12h", "off"). Default 7d.
    pub stale_after: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub name: Option<String>,
    /// The site's own address ranges; "internal" means inside one of these. Default: the
    /// private, link-local and loopback ranges.
    pub internal_networks: Option<Vec<ipnet::IpNet>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeSection {
    pub threads: Option<usize>,
    pub db: Option<PathBuf>,
    /// Frames identical to one seen this many microseconds earlier are dropped; 0 keeps all.
    pub duplicate_window_us: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub max_flows: Option<usize>,
    pub tcp_idle_timeout_s: Option<u64>,
    pub udp_idle_timeout_s: Option<u64>,
    pub other_idle_timeout_s: Option<u64>,
    pub reassembly_max_bytes: Option<usize>,
    pub reassembly_max_segments: Option<usize>,
    pub max_events_per_kind: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outputs {
    pub zeek_logs: Option<PathBuf>,
    pub jsonl: Option<PathBuf>,
    pub summary_json: Option<PathBuf>,
}

impl Config {
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        // toml's message names the line and column of the problem.
        toml::from_str(&text)
            .with_context(|| format!("config file {} is not valid", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_networks_and_limits_parse() {
        let c: Config = toml::from_str(
            "[site]\nname = \"Plant A\"\ninternal_networks = [\"3.15.0.0/16\", \"10.0.0.0/8\"]\n[limits]\nmax_flows = 5000\n",
        )
        .unwrap();
        assert_eq!(c.site.internal_networks.unwrap().len(), 2);
        assert_eq!(c.limits.max_flows, Some(5000));
    }

    #[test]
    fn detection_rules_files_parse() {
        let c: Config = toml::from_str("[detection]\nrules = [\"a.toml\", \"b.toml\"]\n").unwrap();
        assert_eq!(
            c.detection.rules,
            vec![PathBuf::from("a.toml"), PathBuf::from("b.toml")]
        );
    }

    #[test]
    fn unknown_key_is_reported_with_its_line() {
        let err = toml::from_str::<Config>("[limits]\nmax_flow = 5\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2") && err.contains("max_flow"), "{err}");
    }
}
