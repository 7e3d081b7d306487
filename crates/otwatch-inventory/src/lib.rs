//! The asset inventory and the communication map.
//!
//! Analysis workers record compact [`Observations`] (which MAC used which IP, which names
//! hosts announced, each with the frame that showed it); observations from all workers are
//! merged in an order-independent way, then [`build`] turns them, with the finished flows,
//! into assets, edges and per-function aggregates. Nothing here knows about capture files:
//! evidence refers to captures by index and the caller supplies their names.

mod behind;
mod build;
pub mod declared;
pub mod fuse;
pub mod normalize;
mod observe;

pub use behind::MODBUS_GATEWAY_FACT;
pub use build::{build, Inventory, InventoryOptions};
pub use fuse::{fuse, fuse_all, FusionContext};
pub use observe::{
    AttributeSighting, BacnetMac, BehindPath, BehindSighting, EvidenceRef, FunctionCount,
    NameSighting, Observations, Subject, Via, MAX_BEHIND_PER_FRONT,
};
