//! Which protocol functions change a device's data or outputs.
//!
//! "Write where only reads were seen" needs to know, per protocol, which of the function
//! names the engine records (see `obs.function` in the engine) are writes. The names are
//! the engine's labels: Modbus `WRITE_SINGLE_COIL`, S7 `Write Variable`, CIP `Write Tag`,
//! DNP3 `DIRECT_OPERATE`, IEC 104 `C_SC_NA_1`, MMS `write`, BACnet `writeProperty`,
//! OPC UA `Write`.

/// True when a request for `function` of `protocol` writes data or commands an output.
pub fn is_write(protocol: &str, function: &str) -> bool {
    let lower = function.to_ascii_lowercase();
    match protocol {
        // Selecting and operating a control point moves a breaker or a setpoint: the DNP3
        // way of writing to the process.
        "dnp3" => matches!(
            function,
            "WRITE" | "SELECT" | "OPERATE" | "DIRECT_OPERATE" | "DIRECT_OPERATE_NR"
        ),
        // Commands in the control direction: single, double, regulating step, setpoint,
        // bitstring, with or without time tag. Interrogations and clock sync are not writes.
        "iec104" => ["C_SC_", "C_DC_", "C_RC_", "C_SE_", "C_BO_"]
            .iter()
            .any(|p| function.starts_with(p)),
        // CIP's generic attribute setters write configuration as surely as Write Tag.
        "cip" => lower.contains("write") || lower.starts_with("set attribute"),
        _ => lower.contains("write"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_per_protocol() {
        assert!(is_write("modbus", "WRITE_SINGLE_COIL"));
        assert!(is_write("modbus", "READ_WRITE_MULTIPLE_REGISTERS"));
        assert!(is_write("modbus", "MASK_WRITE_REGISTER"));
        assert!(!is_write("modbus", "READ_HOLDING_REGISTERS"));
        assert!(is_write("s7comm", "Write Variable"));
        assert!(!is_write("s7comm", "Read Variable"));
        assert!(is_write("cip", "Write Tag"));
        assert!(is_write("cip", "Set Attribute Single"));
        assert!(!is_write("cip", "Get Attribute Single"));
        assert!(is_write("dnp3", "DIRECT_OPERATE"));
        assert!(!is_write("dnp3", "READ"));
        assert!(is_write("iec104", "C_SC_NA_1"));
        assert!(!is_write("iec104", "C_IC_NA_1"));
        assert!(is_write("mms", "write"));
        assert!(!is_write("mms", "read"));
        assert!(is_write("bacnet", "writeProperty"));
        assert!(!is_write("bacnet", "readProperty"));
        assert!(is_write("opcua", "Write"));
        assert!(!is_write("opcua", "Read"));
    }
}
