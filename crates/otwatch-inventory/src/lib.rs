//! The asset inventory and the communication map.
//!
//! Analysis workers record compact [`Observations`] (which MAC used which IP, which names
//! hosts announced, each with the frame that showed it); observations from all workers are
//! merged in an order-independent way, then [`build`] turns them, with the finished flows,
//! into assets, edges and per-function aggregates. Nothing here knows about capture files:
//! evidence refers to captures by index and the caller supplies their names.

mod build;
pub mod fuse;
mod observe;

pub use build::{build, Inventory, InventoryOptions};
pub use fuse::{fuse, fuse_all, FusionContext};
pub use observe::{
    AttributeSighting, EvidenceRef, FunctionCount, NameSighting, Observations, Subject, Via,
};
