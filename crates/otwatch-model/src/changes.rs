//! What changed about an asset between analyses: a new device on the network, a firmware
//! that is not the one seen before, a swapped device, a moved address, a new service, a
//! device gone quiet.
//!
//! Each change carries the traffic time it happened at and the [`Evidence`] that shows it,
//! so that a person can open the capture at that frame. The store computes them when a run
//! is recorded (`docs/inventory.md`, "Changes over time").

use crate::{Evidence, Micros};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// An asset the inventory did not hold: a shadow or transient device.
    NewAsset,
    FirmwareChanged,
    /// Vendor, model or serial number differ: a swapped or replaced device.
    IdentityChanged,
    /// A known MAC address uses a new IP address, or an address moved to another MAC.
    IpChanged,
    NameChanged,
    /// The asset serves or uses a protocol it was not seen with before.
    NewProtocol,
    /// No traffic from the asset for the configured time.
    NotSeen,
    /// An asset reported as not seen sent traffic again.
    SeenAgain,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 8] = [
        ChangeKind::NewAsset,
        ChangeKind::FirmwareChanged,
        ChangeKind::IdentityChanged,
        ChangeKind::IpChanged,
        ChangeKind::NameChanged,
        ChangeKind::NewProtocol,
        ChangeKind::NotSeen,
        ChangeKind::SeenAgain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::NewAsset => "new_asset",
            ChangeKind::FirmwareChanged => "firmware_changed",
            ChangeKind::IdentityChanged => "identity_changed",
            ChangeKind::IpChanged => "ip_changed",
            ChangeKind::NameChanged => "name_changed",
            ChangeKind::NewProtocol => "new_protocol",
            ChangeKind::NotSeen => "not_seen",
            ChangeKind::SeenAgain => "seen_again",
        }
    }

    pub fn parse(text: &str) -> Option<ChangeKind> {
        let wanted = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        ChangeKind::ALL.into_iter().find(|k| k.as_str() == wanted)
    }
}

/// One change of one asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetChange {
    /// Key of the asset that changed (see [`crate::Asset::key`]).
    pub asset: String,
    pub kind: ChangeKind,
    /// Which fact changed: "firmware", "vendor", "model", "serial", "hostname", "ip",
    /// "ip_moved", "serves", "uses", "last_seen"; none for a new asset.
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// Traffic time of the change (never the wall clock: captures are historical).
    pub ts: Micros,
    /// One sentence for a person.
    pub detail: String,
    /// The message that showed the new state; for "not seen", the absence has no frame
    /// (frame 0) and the message states the time span.
    pub evidence: Evidence,
}
