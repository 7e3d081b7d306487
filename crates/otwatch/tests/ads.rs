//! Beckhoff ADS end to end: the CLI on ITI's TwinCAT captures and nDPI's ADS capture:
//! the controller's identity and run state reach the inventory, an added route becomes an
//! event, and the flows are named ADS.

mod common;
use common::*;

const ADD_ROUTE: &str = "ITI-ICS-Security-Tools/pcaps/beckoff/beckoffaddroute.pcapng";

#[test]
fn device_info_and_state_reach_the_inventory() {
    let plc = asset_after_analysis(ADD_ROUTE, "192.168.1.8");
    let name = fact(&plc, "ads_device_name");
    assert_eq!(name["value"], "TwinCAT CE");
    assert_eq!(name["evidence"]["protocol"], "ads");
    assert_eq!(fact(&plc, "firmware")["value"], "2.11.2228");
    assert_eq!(fact(&plc, "operating_mode")["value"], "RUN");
    assert_eq!(fact(&plc, "ads_ams_net_id")["value"], "5.13.117.96.1.1");
    assert_eq!(fact(&plc, "hostname")["value"], "CX_0D7560");
    let engineering = asset_after_analysis(ADD_ROUTE, "192.168.1.199");
    assert!(fact(&engineering, "ads_device_name").is_null());
}

#[test]
fn added_route_is_an_event_without_the_password() {
    let events = events_after_analysis(ADD_ROUTE);
    let routes: Vec<_> = events
        .iter()
        .filter(|e| e["kind"] == "ads_add_route")
        .collect();
    assert_eq!(routes.len(), 2, "{routes:?}");
    let detail = routes[0]["detail"].as_str().unwrap();
    assert!(detail.contains("\"Administrator\""), "{detail}");
    assert!(detail.contains("password travels in clear"), "{detail}");
    assert_eq!(routes[0]["frame"], 58);
}

#[test]
fn ndpi_ads_flow_is_named_ads() {
    let dir = analysed_into_db("nDPI/tests/cfgs/default/pcap/beckhoff_ads.pcapng");
    let listed = functions_listed(dir.path(), false);
    assert!(listed.contains("ads"), "{listed}");
    assert!(
        listed.contains("ReadDeviceInfo") || listed.contains("Read"),
        "{listed}"
    );
}
