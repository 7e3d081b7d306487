//! Drivers that feed arbitrary bytes to each decoder and parser the way traffic would: one
//! module per fuzz target, each with a `run(data)` that must never panic. The fuzz targets in
//! `fuzz/` and the micro-benchmarks in `benches/` call the same functions, so what is fuzzed
//! is what is measured. Each module's first lines say what its input is.

pub mod capture_reader;
pub mod declared_csv;
pub mod dissect_ads;
pub mod dissect_bacnet;
pub mod dissect_bsap;
pub mod dissect_cdp;
pub mod dissect_cip;
pub mod dissect_cip_io;
pub mod dissect_dhcp;
pub mod dissect_dnp3;
pub mod dissect_dns;
pub mod dissect_enip;
pub mod dissect_ethercat;
pub mod dissect_genisys;
pub mod dissect_goose;
pub mod dissect_hart_ip;
pub mod dissect_http;
pub mod dissect_identify;
pub mod dissect_iec104;
pub mod dissect_lldp;
pub mod dissect_mms;
pub mod dissect_modbus;
pub mod dissect_modbus_logs;
pub mod dissect_modbus_pdu;
pub mod dissect_netbios_dgm;
pub mod dissect_netbios_ns;
pub mod dissect_omron_fins;
pub mod dissect_opcua;
pub mod dissect_profinet_dcp;
pub mod dissect_profinet_io_cm;
pub mod dissect_roc_plus;
pub mod dissect_s7comm;
pub mod dissect_s7comm_plus;
pub mod dissect_sessions;
pub mod dissect_slmp;
pub mod dissect_snmp;
pub mod dissect_srtp;
pub mod dissect_synchrophasor;
pub mod dissect_tls;
pub mod engine_capture;
pub mod engine_packets;
pub mod flow_reassembly;
pub mod rules_file;
pub mod wire_frame;
pub mod wire_transport;

/// A driver: takes any bytes, never panics.
pub type Driver = fn(&[u8]);

/// Every driver by the name of its fuzz target.
pub const DRIVERS: &[(&str, Driver)] = &[
    ("capture_reader", capture_reader::run),
    ("declared_csv", declared_csv::run),
    ("dissect_ads", dissect_ads::run),
    ("dissect_bacnet", dissect_bacnet::run),
    ("dissect_bsap", dissect_bsap::run),
    ("dissect_cdp", dissect_cdp::run),
    ("dissect_cip", dissect_cip::run),
    ("dissect_cip_io", dissect_cip_io::run),
    ("dissect_dhcp", dissect_dhcp::run),
    ("dissect_dnp3", dissect_dnp3::run),
    ("dissect_dns", dissect_dns::run),
    ("dissect_enip", dissect_enip::run),
    ("dissect_ethercat", dissect_ethercat::run),
    ("dissect_genisys", dissect_genisys::run),
    ("dissect_goose", dissect_goose::run),
    ("dissect_hart_ip", dissect_hart_ip::run),
    ("dissect_http", dissect_http::run),
    ("dissect_identify", dissect_identify::run),
    ("dissect_iec104", dissect_iec104::run),
    ("dissect_lldp", dissect_lldp::run),
    ("dissect_mms", dissect_mms::run),
    ("dissect_modbus", dissect_modbus::run),
    ("dissect_modbus_logs", dissect_modbus_logs::run),
    ("dissect_modbus_pdu", dissect_modbus_pdu::run),
    ("dissect_netbios_dgm", dissect_netbios_dgm::run),
    ("dissect_netbios_ns", dissect_netbios_ns::run),
    ("dissect_omron_fins", dissect_omron_fins::run),
    ("dissect_opcua", dissect_opcua::run),
    ("dissect_profinet_dcp", dissect_profinet_dcp::run),
    ("dissect_profinet_io_cm", dissect_profinet_io_cm::run),
    ("dissect_roc_plus", dissect_roc_plus::run),
    ("dissect_s7comm", dissect_s7comm::run),
    ("dissect_s7comm_plus", dissect_s7comm_plus::run),
    ("dissect_sessions", dissect_sessions::run),
    ("dissect_slmp", dissect_slmp::run),
    ("dissect_snmp", dissect_snmp::run),
    ("dissect_srtp", dissect_srtp::run),
    ("dissect_synchrophasor", dissect_synchrophasor::run),
    ("dissect_tls", dissect_tls::run),
    ("engine_capture", engine_capture::run),
    ("engine_packets", engine_packets::run),
    ("flow_reassembly", flow_reassembly::run),
    ("rules_file", rules_file::run),
    ("wire_frame", wire_frame::run),
    ("wire_transport", wire_transport::run),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fuzz_target_has_its_driver() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/fuzz_targets");
        let mut targets: Vec<String> = std::fs::read_dir(&dir)
            .expect("the fuzz targets' folder")
            .filter_map(|e| {
                let name = e.ok()?.file_name().into_string().ok()?;
                Some(name.strip_suffix(".rs")?.to_string())
            })
            .collect();
        targets.sort();
        let mut drivers: Vec<&str> = DRIVERS.iter().map(|(name, _)| *name).collect();
        drivers.sort();
        assert_eq!(drivers, targets);
    }

    #[test]
    fn drivers_take_empty_and_short_inputs() {
        for (name, run) in DRIVERS {
            for input in [&[][..], &[0], &[0xff; 7], &[1, 0, 0, 0, 0, 6, 1, 3]] {
                let outcome = std::panic::catch_unwind(|| run(input));
                assert!(outcome.is_ok(), "{name} panicked on {input:?}");
            }
        }
    }
}
