//! How much of a scenario's truth an analysis recovered.
//!
//! Compares the assets and alerts of an analysis with [`Truth`]: every simulated device
//! should be an asset with the same address; every identity attribute its protocols reveal
//! should read the same after normalisation (vendor spellings, firmware notation); every
//! expected alert should be raised with its technique, between the event's assets, in the
//! event's time window; and no other alert of medium severity or above should appear.

use crate::truth::{ExpectedAlert, Truth, TruthAsset};
use otwatch_inventory::normalize;
use otwatch_model::alert::{Alert, Severity};
use otwatch_model::{iso_time, Asset};
use serde::Serialize;
use std::net::IpAddr;

/// Alerts up to this long before an event's time still match it (clock of the first frame).
const EARLY_MICROS: i64 = 2_000_000;

#[derive(Debug, Default, Serialize)]
pub struct Score {
    pub scenario: String,
    pub devices: usize,
    pub devices_found: usize,
    /// Identity attributes the traffic reveals, and how many the analysis shows correctly.
    pub identity_expected: usize,
    pub identity_correct: usize,
    pub roles_correct: usize,
    pub expected_alerts: usize,
    pub expected_alerts_raised: usize,
    /// Alerts of medium severity or above that no expected alert explains.
    pub unexpected_alerts: usize,
    /// One line per miss, for the report.
    pub misses: Vec<String>,
}

impl Score {
    /// True when every device, every revealed attribute and every expected alert was
    /// recovered and nothing else was raised.
    pub fn is_perfect(&self) -> bool {
        self.devices_found == self.devices
            && self.identity_correct == self.identity_expected
            && self.expected_alerts_raised == self.expected_alerts
            && self.unexpected_alerts == 0
    }

    pub fn summary(&self) -> String {
        format!(
            "{}: {}/{} devices, {}/{} identity attributes, {}/{} roles, {}/{} expected alerts, {} unexpected alerts",
            self.scenario,
            self.devices_found,
            self.devices,
            self.identity_correct,
            self.identity_expected,
            self.roles_correct,
            self.devices,
            self.expected_alerts_raised,
            self.expected_alerts,
            self.unexpected_alerts
        )
    }
}

fn same_text(a: &str, b: &str) -> bool {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    squash(a) == squash(b)
}

/// Whether the analysis's value of `field` matches the truth's `expected`.
fn matches(field: &str, expected: &str, shown: &str) -> bool {
    match field {
        "vendor" => same_text(&normalize::vendor_name(expected), shown),
        "firmware" => normalize::firmware(expected) == shown || same_text(expected, shown),
        "order_number" => {
            let e = normalize::order_number(expected).unwrap_or_else(|| expected.to_string());
            same_text(&e, shown)
        }
        // CIP and other binary protocols carry the serial as a number, shown in hex.
        "serial" => {
            let bare = |s: &str| {
                s.trim_start_matches("0x")
                    .trim_start_matches("0X")
                    .to_string()
            };
            same_text(&bare(expected), &bare(shown))
        }
        // A model may be shown with its order number beside it, or as the product family.
        _ => same_text(expected, shown) || shown.contains(expected),
    }
}

fn shown_value(asset: &Asset, field: &str) -> Option<String> {
    let id = &asset.identity;
    let fact = match field {
        "vendor" => id.vendor.as_ref(),
        "model" => id.model.as_ref().or(id.product_family.as_ref()),
        "order_number" => id.order_number.as_ref(),
        "firmware" => id.firmware.as_ref(),
        "hardware" => id.hardware_revision.as_ref(),
        "serial" => id.serial.as_ref(),
        "name" => id.name.as_ref(),
        _ => None,
    };
    fact.map(|f| f.value.clone())
}

fn expected_value<'a>(asset: &'a TruthAsset, field: &str) -> Option<&'a str> {
    match field {
        "vendor" => asset.vendor.as_deref(),
        "model" => asset.model.as_deref(),
        "order_number" => asset.order_number.as_deref(),
        "firmware" => asset.firmware.as_deref(),
        "hardware" => asset.hardware.as_deref(),
        "serial" => asset.serial.as_deref(),
        "name" => asset.hostname.as_deref().or(Some(&asset.name)),
        _ => None,
    }
}

fn alert_matches(expected: &ExpectedAlert, alert: &Alert) -> bool {
    if !alert.techniques.contains(&expected.technique) {
        return false;
    }
    if alert.first_seen < expected.time_micros - EARLY_MICROS
        || alert.first_seen > expected.until_micros
    {
        return false;
    }
    let ips: Vec<String> = [alert.src, alert.dst]
        .into_iter()
        .flatten()
        .map(|ip| ip.to_string())
        .collect();
    // The alert names at least the event's target (or, for one-sided events, its source).
    let target = expected
        .assets
        .last()
        .expect("an expected alert has assets");
    ips.iter().any(|ip| ip == target) || alert.assets.iter().any(|k| k.ends_with(target.as_str()))
}

/// Scores `assets` and `alerts` of an analysis against `truth`.
pub fn score(truth: &Truth, assets: &[Asset], alerts: &[Alert]) -> Score {
    let mut s = Score {
        scenario: truth.scenario.clone(),
        devices: truth.assets.len(),
        expected_alerts: truth.expected_alerts.len(),
        ..Score::default()
    };
    for device in &truth.assets {
        let ip: IpAddr = device.ip.parse().expect("truth addresses are IPs");
        // The device's own card first: a spoofer or a gateway may also show its address.
        let asset = assets
            .iter()
            .find(|a| a.ips.contains(&ip) && a.macs.contains(&device.mac))
            .or_else(|| assets.iter().find(|a| a.ips.contains(&ip)));
        let Some(asset) = asset else {
            s.misses
                .push(format!("{} ({}) not found", device.name, device.ip));
            continue;
        };
        s.devices_found += 1;
        if asset.identity.role.as_str() == device.role {
            s.roles_correct += 1;
        }
        for field in device.revealed.keys() {
            let Some(expected) = expected_value(device, field) else {
                continue;
            };
            s.identity_expected += 1;
            match shown_value(asset, field) {
                Some(shown) if matches(field, expected, &shown) => s.identity_correct += 1,
                shown => s.misses.push(format!(
                    "{} ({}): {field} {expected:?} shown as {}",
                    device.name,
                    device.ip,
                    shown
                        .map(|v| format!("{v:?}"))
                        .unwrap_or_else(|| "nothing".into())
                )),
            }
        }
    }
    let mut explained = vec![false; alerts.len()];
    for expected in &truth.expected_alerts {
        let mut raised = false;
        for (i, alert) in alerts.iter().enumerate() {
            if alert_matches(expected, alert) {
                raised = true;
                explained[i] = true;
            }
        }
        if raised {
            s.expected_alerts_raised += 1;
        } else {
            s.misses.push(format!(
                "expected {} ({}) between {} at {} was not raised",
                expected.technique,
                expected.event,
                expected.assets.join(" and "),
                expected.time
            ));
        }
    }
    for (alert, explained) in alerts.iter().zip(explained) {
        if !explained && alert.severity >= Severity::Medium {
            s.unexpected_alerts += 1;
            s.misses.push(format!(
                "unexpected {} alert {} ({}) {} -> {} at {}",
                alert.severity.as_str(),
                alert.rule,
                alert.techniques.join(" "),
                alert
                    .src
                    .map(|i| i.to_string())
                    .unwrap_or_else(|| "-".into()),
                alert
                    .dst
                    .map(|i| i.to_string())
                    .unwrap_or_else(|| "-".into()),
                iso_time(alert.first_seen)
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_values_match_after_normalisation() {
        assert!(matches("vendor", "SIEMENS AG", "Siemens"));
        assert!(matches("firmware", "03.10.08", "V3.10.8"));
        assert!(matches("firmware", "V3.10", "V3.10"));
        assert!(!matches("firmware", "V3.10", "V3.11"));
        assert!(matches(
            "model",
            "BMX P34 2020",
            "BMX P34 2020 (BMXP342020)"
        ));
        assert!(!matches("vendor", "Siemens", "Rockwell Automation"));
    }
}
