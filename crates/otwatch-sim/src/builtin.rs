//! The scenarios that ship inside the binary.

use crate::scenario::{Scenario, ScenarioError};

/// Name, one-line description and TOML text of each built-in scenario.
pub const BUILTIN: &[(&str, &str, &str)] = &[
    (
        "small-plant",
        "one cell, a handful of devices, one attack (what `otwatch demo` uses)",
        include_str!("../scenarios/small-plant.toml"),
    ),
    (
        "water-utility",
        "DNP3 and IEC 104 RTUs, SCADA, historian, DMZ; restarts from the business network",
        include_str!("../scenarios/water-utility.toml"),
    ),
    (
        "factory",
        "IT, DMZ with jump host, S7/CIP/Modbus cells; three designed mistakes, five attacks, two maintenance jobs",
        include_str!("../scenarios/factory.toml"),
    ),
    (
        "building",
        "BACnet/IP building automation; a backup and a guest laptop restarting controllers",
        include_str!("../scenarios/building.toml"),
    ),
    (
        "large",
        "thousands of devices across many sites (size with --devices), for UI and scale tests",
        "",
    ),
];

/// The built-in scenario called `name`, if there is one.
pub fn builtin(name: &str) -> Option<Result<Scenario, ScenarioError>> {
    builtin_sized(name, None)
}

/// Like [`builtin`]; `devices` sizes the `large` scenario.
pub fn builtin_sized(
    name: &str,
    devices: Option<usize>,
) -> Option<Result<Scenario, ScenarioError>> {
    if name == "large" {
        let text = crate::large::scenario_text(devices.unwrap_or(crate::large::DEFAULT_DEVICES));
        return Some(Scenario::parse(&text, "built-in scenario large"));
    }
    BUILTIN
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(n, _, text)| Scenario::parse(text, &format!("built-in scenario {n}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/simulator.md documents every protocol, parameter and built-in scenario.
    #[test]
    fn the_documentation_lists_everything() {
        let doc = include_str!("../../../docs/simulator.md");
        for entry in crate::dialects::REGISTRY {
            assert!(
                doc.contains(&format!("`{}`", entry.name)),
                "protocol {}",
                entry.name
            );
        }
        for (param, _) in crate::dialect::KNOWN_PARAMS {
            assert!(doc.contains(&format!("`{param}`")), "parameter {param}");
        }
        for (name, _, _) in BUILTIN {
            assert!(doc.contains(&format!("`{name}`")), "scenario {name}");
        }
    }

    #[test]
    fn every_builtin_scenario_parses() {
        for (name, _, _) in BUILTIN {
            builtin(name).unwrap().unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
