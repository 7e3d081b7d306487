//! The site description: which networks are the site's own.
//!
//! Plants often number their control networks from public ranges, so "internal" cannot be
//! guessed from the address alone; it comes from this list, which defaults to the private
//! and link-local ranges when the site says nothing.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteNetworks {
    pub internal: Vec<IpNet>,
}

impl Default for SiteNetworks {
    fn default() -> Self {
        let internal = [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "169.254.0.0/16",
            "127.0.0.0/8",
            "fc00::/7",
            "fe80::/10",
            "::1/128",
        ]
        .iter()
        .map(|n| n.parse().expect("built-in network literal"))
        .collect();
        Self { internal }
    }
}

impl SiteNetworks {
    pub fn is_internal(&self, ip: IpAddr) -> bool {
        self.internal.iter().any(|n| n.contains(&ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_public_range_counts_as_internal() {
        let default = SiteNetworks::default();
        assert!(default.is_internal("192.168.1.6".parse().unwrap()));
        assert!(!default.is_internal("3.15.227.20".parse().unwrap()));
        let site = SiteNetworks {
            internal: vec!["3.15.0.0/16".parse().unwrap()],
        };
        assert!(site.is_internal("3.15.227.20".parse().unwrap()));
        assert!(!site.is_internal("192.168.1.6".parse().unwrap()));
    }
}
