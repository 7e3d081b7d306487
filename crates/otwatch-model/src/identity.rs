//! What an asset is, fused from everything the traffic said about it: who made it, what it
//! is, which firmware it runs, what role it plays and at which Purdue level it sits.
//!
//! Each shown value is one [`Fact`] picked by a documented precedence from the asset's
//! attributes (`docs/inventory.md`); the values it beat stay in [`AssetIdentity::conflicts`]
//! with their own evidence, so nothing is guessed silently and nothing is thrown away. A
//! person's correction ([`AssetOverrides`]) beats every observation and says so.

use crate::Evidence;
use serde::{Deserialize, Serialize};

/// The part an asset plays in the plant.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AssetRole {
    /// PLC, RTU, IED or other controller that runs the process logic.
    Controller,
    /// Remote I/O, a backplane module, a drive or a field device.
    IoModule,
    SafetyController,
    Hmi,
    ScadaServer,
    EngineeringWorkstation,
    Historian,
    OpcServer,
    /// Switch, router, firewall, gateway or protocol converter.
    NetworkDevice,
    ItHost,
    #[default]
    Unknown,
}

impl AssetRole {
    pub const ALL: [AssetRole; 11] = [
        AssetRole::Controller,
        AssetRole::IoModule,
        AssetRole::SafetyController,
        AssetRole::Hmi,
        AssetRole::ScadaServer,
        AssetRole::EngineeringWorkstation,
        AssetRole::Historian,
        AssetRole::OpcServer,
        AssetRole::NetworkDevice,
        AssetRole::ItHost,
        AssetRole::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssetRole::Controller => "controller",
            AssetRole::IoModule => "io_module",
            AssetRole::SafetyController => "safety_controller",
            AssetRole::Hmi => "hmi",
            AssetRole::ScadaServer => "scada_server",
            AssetRole::EngineeringWorkstation => "engineering_workstation",
            AssetRole::Historian => "historian",
            AssetRole::OpcServer => "opc_server",
            AssetRole::NetworkDevice => "network_device",
            AssetRole::ItHost => "it_host",
            AssetRole::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<AssetRole> {
        let wanted = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        AssetRole::ALL.into_iter().find(|r| r.as_str() == wanted)
    }
}

/// A level of the Purdue reference model; 3.5 is the IT–OT DMZ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PurdueLevel {
    #[serde(rename = "0")]
    Process,
    #[serde(rename = "1")]
    BasicControl,
    #[serde(rename = "2")]
    Supervisory,
    #[serde(rename = "3")]
    Operations,
    #[serde(rename = "3.5")]
    Dmz,
    #[serde(rename = "4")]
    Business,
    #[serde(rename = "5")]
    Enterprise,
}

impl PurdueLevel {
    pub const ALL: [PurdueLevel; 7] = [
        PurdueLevel::Process,
        PurdueLevel::BasicControl,
        PurdueLevel::Supervisory,
        PurdueLevel::Operations,
        PurdueLevel::Dmz,
        PurdueLevel::Business,
        PurdueLevel::Enterprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PurdueLevel::Process => "0",
            PurdueLevel::BasicControl => "1",
            PurdueLevel::Supervisory => "2",
            PurdueLevel::Operations => "3",
            PurdueLevel::Dmz => "3.5",
            PurdueLevel::Business => "4",
            PurdueLevel::Enterprise => "5",
        }
    }

    pub fn parse(text: &str) -> Option<PurdueLevel> {
        let t = text.trim();
        let t = t
            .strip_prefix("L")
            .or_else(|| t.strip_prefix("l"))
            .unwrap_or(t);
        PurdueLevel::ALL.into_iter().find(|l| l.as_str() == t)
    }
}

/// Who decided a value: the traffic, or a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decided {
    #[default]
    Observed,
    Inferred,
    User,
}

/// One shown value and the evidence it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    pub value: String,
    /// The attribute's value as the device sent it, when normalisation changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    pub evidence: Evidence,
}

/// Values of one identity field that disagree, each with its evidence; the first is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub field: String,
    pub values: Vec<Fact>,
}

/// A module in a chassis or rack as the controller reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Module {
    /// e.g. "rack 0 slot 2", "slot 3".
    pub position: String,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub evidence: Evidence,
}

/// One identity field's shown fact. Boxed: most assets state few of the fields, and an
/// empty field then takes a pointer's room instead of a whole fact's.
pub type FactField = Option<Box<Fact>>;

/// The fused identity of one asset.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AssetIdentity {
    pub vendor: FactField,
    /// Product name or model as the device states it.
    pub model: FactField,
    /// Manufacturer order number, e.g. "6ES7 315-2EH14-0AB0".
    pub order_number: FactField,
    /// Product family the order number or model maps to, e.g. "S7-300 CPU 315-2 PN/DP".
    pub product_family: FactField,
    pub firmware: FactField,
    pub hardware_revision: FactField,
    pub serial: FactField,
    /// Station name, host name or application name.
    pub name: FactField,
    #[serde(default)]
    pub modules: Vec<Module>,
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    pub role: AssetRole,
    pub role_decided: Decided,
    /// Why this role: "answers S7 on 102 and serves SZL: controller".
    #[serde(default)]
    pub role_reasons: Vec<String>,
    pub purdue_level: Option<PurdueLevel>,
    pub purdue_decided: Decided,
    #[serde(default)]
    pub purdue_reasons: Vec<String>,
}

/// What a person said about an asset; every field left `None` leaves the traffic's view.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AssetOverrides {
    pub owner: Option<String>,
    /// Free text by site convention, e.g. "high", "C1".
    pub criticality: Option<String>,
    pub location: Option<String>,
    pub notes: Option<String>,
    pub decommissioned: Option<bool>,
    pub role: Option<AssetRole>,
    pub purdue_level: Option<PurdueLevel>,
    pub name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_levels_read_back_what_they_print() {
        for r in AssetRole::ALL {
            assert_eq!(AssetRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(
            AssetRole::parse("Engineering Workstation"),
            Some(AssetRole::EngineeringWorkstation)
        );
        for l in PurdueLevel::ALL {
            assert_eq!(PurdueLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(PurdueLevel::parse("L3.5"), Some(PurdueLevel::Dmz));
        assert_eq!(PurdueLevel::parse("6"), None);
        assert_eq!(serde_json::to_string(&PurdueLevel::Dmz).unwrap(), "\"3.5\"");
    }
}
