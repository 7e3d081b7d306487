//! Omron FINS, the command protocol of Omron PLCs, over UDP (one frame per datagram) and
//! over TCP, where each frame travels inside a FINS/TCP message (`FINS`, a length, a
//! command and an error code) and the connection opens with an exchange of node addresses.
//!
//! A FINS frame is a ten-byte header (ICF, reserved, gateway count, destination network,
//! node and unit, source network, node and unit, service id), a two-byte command code and,
//! in a response, a two-byte response code; what follows depends on the command. Only the
//! command data a monitor needs is decoded here: memory addresses, run modes, controller
//! model and version, the clock.

use crate::Malformed;

/// The fixed FINS/TCP header: magic, length, command, error code.
pub const TCP_HEADER_LEN: usize = 16;
/// FINS header and command code.
pub const MIN_FRAME_LEN: usize = 12;

/// FINS/TCP command: node address data, client to server.
pub const TCP_NODE_ADDRESS_CLIENT: u32 = 0;
/// FINS/TCP command: node address data, server to client.
pub const TCP_NODE_ADDRESS_SERVER: u32 = 1;
/// FINS/TCP command: a FINS frame follows.
pub const TCP_FRAME_SEND: u32 = 2;

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

/// Total length of the FINS/TCP message that starts `header`, for stream framing: the
/// length field counts the bytes after itself.
pub fn tcp_message_len(header: &[u8]) -> Option<usize> {
    if header.get(..4)? != b"FINS" {
        return None;
    }
    let len = usize::try_from(be32(header, 4)?).ok()?;
    len.checked_add(8).filter(|t| *t >= TCP_HEADER_LEN - 8)
}

/// One FINS/TCP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpMessage<'a> {
    pub length: u32,
    pub command: u32,
    pub error_code: u32,
    /// What follows the header: node addresses or a FINS frame.
    pub body: &'a [u8],
}

impl TcpMessage<'_> {
    /// Node addresses carried by the address exchange: (client, server).
    pub fn node_addresses(&self) -> (Option<u32>, Option<u32>) {
        match self.command {
            TCP_NODE_ADDRESS_CLIENT => (be32(self.body, 0), None),
            TCP_NODE_ADDRESS_SERVER => (be32(self.body, 0), be32(self.body, 4)),
            _ => (None, None),
        }
    }
}

pub fn parse_tcp(msg: &[u8]) -> Result<TcpMessage<'_>, Malformed> {
    if msg.get(..4) != Some(b"FINS".as_slice()) {
        return Err(Malformed::new("fins_tcp_bad_magic", 0));
    }
    let (Some(length), Some(command), Some(error_code)) =
        (be32(msg, 4), be32(msg, 8), be32(msg, 12))
    else {
        return Err(Malformed::new("fins_tcp_truncated", msg.len()));
    };
    let body = msg.get(TCP_HEADER_LEN..).unwrap_or_default();
    Ok(TcpMessage {
        length,
        command,
        error_code,
        body,
    })
}

/// A FINS frame: header, command code, response code (responses) and the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<'a> {
    pub icf: u8,
    pub gateway_count: u8,
    pub destination: [u8; 3],
    pub source: [u8; 3],
    pub service_id: u8,
    pub command: u16,
    /// Present in responses (when the frame is long enough to hold it).
    pub response_code: Option<u16>,
    /// Command or response data after the codes.
    pub data: &'a [u8],
}

impl Frame<'_> {
    pub fn uses_gateway(&self) -> bool {
        self.icf & 0x80 != 0
    }
    pub fn is_response(&self) -> bool {
        self.icf & 0x40 != 0
    }
    pub fn response_not_required(&self) -> bool {
        self.icf & 0x01 != 0
    }
    /// The response code without its relay-error and fatal/non-fatal flag bits.
    pub fn main_response_code(&self) -> Option<u16> {
        self.response_code.map(|c| c & 0x7f3f)
    }
}

pub fn parse(frame: &[u8]) -> Result<Frame<'_>, Malformed> {
    if frame.len() < MIN_FRAME_LEN {
        return Err(Malformed::new("fins_truncated_header", frame.len()));
    }
    let b = |i: usize| frame.get(i).copied().unwrap_or(0);
    let icf = b(0);
    let command = be16(frame, 10).unwrap_or(0);
    let (response_code, data) = if icf & 0x40 != 0 {
        match be16(frame, 12) {
            Some(code) => (Some(code), frame.get(14..).unwrap_or_default()),
            None => (None, &[][..]),
        }
    } else {
        (None, frame.get(12..).unwrap_or_default())
    };
    Ok(Frame {
        icf,
        gateway_count: b(2),
        destination: [b(3), b(4), b(5)],
        source: [b(6), b(7), b(8)],
        service_id: b(9),
        command,
        response_code,
        data,
    })
}

/// A memory area address: area code, word address and bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryAddress {
    pub area: u8,
    pub word: u16,
    pub bit: u8,
}

impl MemoryAddress {
    fn at(data: &[u8], at: usize) -> Option<Self> {
        Some(Self {
            area: *data.get(at)?,
            word: be16(data, at + 1)?,
            bit: *data.get(at + 3)?,
        })
    }
    /// The three address bytes as one number, as logs show it.
    pub fn packed(&self) -> u32 {
        (u32::from(self.word) << 8) | u32::from(self.bit)
    }
}

/// Memory Area Read/Write/Fill command: where, how many items, and the rest (written data).
pub fn memory_area_command(data: &[u8]) -> Option<(MemoryAddress, u16, &[u8])> {
    let address = MemoryAddress::at(data, 0)?;
    let count = be16(data, 4)?;
    Some((address, count, data.get(6..).unwrap_or_default()))
}

/// Memory Area Transfer: source, destination, number of items.
pub fn memory_area_transfer(data: &[u8]) -> Option<(MemoryAddress, MemoryAddress, u16)> {
    Some((
        MemoryAddress::at(data, 0)?,
        MemoryAddress::at(data, 4)?,
        be16(data, 8)?,
    ))
}

/// Clock Write data / Clock Read response: year, month, day, hour, minute (BCD), then
/// optionally second and day of week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: Option<u8>,
    pub day_of_week: Option<u8>,
}

fn bcd(b: u8) -> u8 {
    (b >> 4) * 10 + (b & 0x0f)
}

pub fn clock(data: &[u8]) -> Option<Clock> {
    let year = u16::from(bcd(*data.first()?));
    Some(Clock {
        // Two-digit years: 70..99 are the 1900s, as the controllers count them.
        year: if year >= 70 { 1900 + year } else { 2000 + year },
        month: bcd(*data.get(1)?),
        day: bcd(*data.get(2)?),
        hour: bcd(*data.get(3)?),
        minute: bcd(*data.get(4)?),
        second: data.get(5).map(|&b| bcd(b)),
        day_of_week: data.get(6).copied(),
    })
}

/// The first part of a Controller Data Read response (format 0x00): model, version, system
/// area and area data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ControllerData {
    pub model: String,
    pub version: String,
    pub for_system_use: String,
    pub program_area_size: u16,
    pub iom_size: u8,
    pub dm_words: u16,
    pub timer_size: u8,
    pub expansion_dm_size: u8,
    pub steps_transitions: u16,
    pub memory_card_kind: u8,
    pub memory_card_size: u16,
}

/// The second part (format 0x01): CPU Bus Unit configuration and remote I/O data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ControllerConfig {
    pub cpu_bus_units: Vec<u16>,
    pub sysmac_bus_masters: u8,
    pub sysmac_bus2_masters: u8,
    pub peripheral_device_connected: bool,
    pub built_in_host_interface: bool,
    pub racks: u8,
}

const CONTROLLER_DATA_LEN: usize = 92;
const CONTROLLER_CONFIG_LEN: usize = 67;

/// Text fields of fixed width, padded with spaces or NULs; a field holding several
/// NUL-separated values (a CPU version and a unit version) keeps them apart with a space.
fn fixed_text(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes
        .split(|&b| b == 0)
        .map(|part| {
            part.iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        char::from(b)
                    } else {
                        '.'
                    }
                })
                .collect::<String>()
                .trim()
                .to_string()
        })
        .filter(|p| !p.is_empty())
        .collect();
    parts.join(" ")
}

/// A Controller Data Read response's data: which parts it holds follows from its length
/// (92 bytes for the first, 67 for the second, both when 159).
pub fn controller_data(data: &[u8]) -> (Option<ControllerData>, Option<ControllerConfig>) {
    let first = data.get(..CONTROLLER_DATA_LEN).and_then(|d| {
        let area = d.get(80..)?;
        Some(ControllerData {
            model: fixed_text(d.get(..20)?),
            version: fixed_text(d.get(20..40)?),
            for_system_use: fixed_text(d.get(40..80)?),
            program_area_size: be16(area, 0)?,
            iom_size: *area.get(2)?,
            dm_words: be16(area, 3)?,
            timer_size: *area.get(5)?,
            expansion_dm_size: *area.get(6)?,
            steps_transitions: be16(area, 7)?,
            memory_card_kind: *area.get(9)?,
            memory_card_size: be16(area, 10)?,
        })
    });
    let second_at = match data.len() {
        CONTROLLER_CONFIG_LEN => Some(0),
        n if n >= CONTROLLER_DATA_LEN + CONTROLLER_CONFIG_LEN => Some(CONTROLLER_DATA_LEN),
        _ => None,
    };
    let second = second_at.and_then(|at| {
        let d = data.get(at..at + CONTROLLER_CONFIG_LEN)?;
        let cpu_bus_units = d
            .get(..32)?
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        let flags = *d.get(66)?;
        Some(ControllerConfig {
            cpu_bus_units,
            sysmac_bus_masters: *d.get(64)?,
            sysmac_bus2_masters: *d.get(65)?,
            peripheral_device_connected: flags & 0x80 != 0,
            built_in_host_interface: flags & 0x40 != 0,
            racks: flags & 0x0f,
        })
    });
    (first, second)
}

/// Commands that change what the controller does or holds, with the event kind they raise.
pub fn notable_command(code: u16) -> Option<&'static str> {
    Some(match code {
        0x0102 | 0x0103 | 0x0105 => "omron_fins_memory_write",
        0x0202 | 0x0203 | 0x0221 => "omron_fins_parameter_write",
        0x0304 | 0x0305 => "omron_fins_program_protect",
        0x0307 | 0x0308 => "omron_fins_program_write",
        0x0401 => "omron_fins_run",
        0x0402 => "omron_fins_stop",
        0x0403 => "omron_fins_reset",
        0x0702 => "omron_fins_clock_write",
        0x0c02 => "omron_fins_access_right_forced",
        0x2101 | 0x2103 => "omron_fins_error_clear",
        0x2203..=0x2208 | 0x220a..=0x220c | 0x2211 => "omron_fins_file_write",
        0x2301 | 0x2302 => "omron_fins_forced_set_reset",
        _ => return None,
    })
}

/// Command names, as ICSNPP spells them.
pub fn command_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0x0101 => "Memory Area Read",
        0x0102 => "Memory Area Write",
        0x0103 => "Memory Area Fill",
        0x0104 => "Multiple Memory Area Read",
        0x0105 => "Memory Area Transfer",
        0x0201 => "Parameter Area Read",
        0x0202 => "Parameter Area Write",
        0x0203 => "Parameter Area Clear",
        0x0220 => "Data Link Table Read",
        0x0221 => "Data Link Table Write",
        0x0304 => "Program Area Protect",
        0x0305 => "Program Area Protect Clear",
        0x0306 => "Program Area Read",
        0x0307 => "Program Area Write",
        0x0308 => "Program Area Clear",
        0x0401 => "Run",
        0x0402 => "Stop",
        0x0403 => "Reset",
        0x0501 => "Controller Data Read",
        0x0502 => "Connection Data Read",
        0x0601 => "Controller Status Read",
        0x0602 => "Network Status Read",
        0x0603 => "Data Link Status Read",
        0x0620 => "Cycle Time Read",
        0x0701 => "Clock Read",
        0x0702 => "Clock Write",
        0x0801 => "Loop Back Test",
        0x0802 => "Broadcast Test Results Read",
        0x0803 => "Broadcast Test Data Send",
        0x0920 => "Message Read | Message Clear | FAL/FALS Read",
        0x0c01 => "Access Right Acquire",
        0x0c02 => "Access Right Forced Acquire",
        0x0c03 => "Access Right Release",
        0x2101 => "Error Clear",
        0x2102 => "Error Log Read",
        0x2103 => "Error Log Clear",
        0x2201 => "File Name Read",
        0x2202 => "Single File Read",
        0x2203 => "Single File Write",
        0x2204 => "Memory Card Format",
        0x2205 => "File Delete",
        0x2206 => "Volume Label Create Delete",
        0x2207 => "File Copy",
        0x2208 => "File Name Change",
        0x2209 => "File Data Check",
        0x220a => "Memory Area File Transfer",
        0x220b => "Parameter Area File Transer",
        0x220c => "Program Area File Transfer",
        0x220f => "File Memory Index Read",
        0x2210 => "File Memory Read",
        0x2211 => "File Memory Write",
        0x2301 => "Forced Set Reset",
        0x2302 => "Forced Set Reset Cancel",
        0x230a => "Multiple Forced Status Read",
        0x2601 => "Name Set",
        0x2602 => "Name Delete",
        0x2603 => "Name Read",
        _ => return None,
    })
}

/// `Name (0x0101)`, or `Unknown` as ICSNPP writes codes it does not know.
pub fn command_label(code: u16) -> String {
    // ICSNPP labels the program area commands 0x0304..0x0308 with the codes 0x0301..0x0305
    // in the text; the labels keep that numbering so that logs read the same.
    let shown = match code {
        0x0304..=0x0308 => code - 3,
        _ => code,
    };
    command_name(code).map_or_else(|| "Unknown".to_string(), |n| format!("{n} (0x{shown:04X})"))
}

/// Response codes (main and sub code), as ICSNPP spells them.
pub fn response_label(code: u16) -> String {
    let name = match code {
        0x0000 => "Normal completion",
        0x0001 => "Service was interrupted",
        0x0101 => "Local node not part of Network",
        0x0102 => "Token time-out, node number to large",
        0x0103 => "Number of transmit retries exceeded",
        0x0104 => "Maximum number of frames exceeded",
        0x0105 => "Node number setting error (range)",
        0x0106 => "Node number duplication error",
        0x0201 => "Destination node not part of Network",
        0x0202 => "No node with the specified node number",
        // ICSNPP's label for this code is cut short and carries no code.
        0x0203 => return "Third node not part of Network ".to_string(),
        0x0204 => "Busy error, destination node busy",
        0x0205 => "Response time-out",
        0x0301 => "Error occurred",
        0x0302 => "CPU error occurred in the PC at the destination node",
        0x0303 => "A controller error has prevented a normal response",
        0x0304 => "Node number setting error",
        0x0401 => "An undefined command has been used",
        0x0402 => "Cannot process command because the specified unit model or version is wrong",
        0x0501 => "Destination node number is not set in the routing table",
        0x0502 => "Routing table isn't registered",
        0x0503 => "Routing table error",
        0x0504 => "Max relay nodes (2) was exceeded",
        0x1001 => "The command is longer than the max permissible length",
        0x1002 => "The command is shorter than the min permissible length",
        0x1003 => "The designated number of data items differs from the actual number",
        0x1004 => "An incorrect command format has been used",
        0x1005 => "An incorrect header has been used",
        0x1101 => "Memory area code invalid or DM is not available",
        0x1102 => "Access size is wrong in command",
        0x1103 => "First address in inaccessible area",
        0x1104 => "The end of specified word range exceeds acceptable range",
        0x1106 => "A non-existent program number",
        0x1109 => "The size of data items in command block are wrong",
        0x110a => "The IOM break function cannot be executed",
        0x110b => "The response block is longer than the max length",
        0x110c => "An incorrect parameter code has been specified",
        0x2002 => "The data is protected",
        0x2003 => "Registered table does not exist",
        0x2004 => "Search data does not exist",
        0x2005 => "Non-existent program number",
        0x2006 => "Non-existent file",
        0x2007 => "Verification error",
        0x2101 => "Specified area is read-only",
        0x2102 => "The data is protected",
        0x2103 => "Too many files open",
        0x2105 => "Non-existent program number",
        0x2106 => "Non-existent file",
        0x2107 => "File already exists",
        0x2108 => "Data cannot be changed",
        0x2201 => "The mode is wrong (executing)",
        0x2202 => "The mode is wrong (stopped)",
        0x2203 => "The PC is in the PROGRAM mode",
        0x2204 => "The PC is in the DEBUG mode",
        0x2205 => "The PC is in the MONITOR mode",
        0x2206 => "The PC is in the RUN mode",
        0x2207 => "The specified node is not the control node",
        0x2208 => "The mode is wrong and the step cannot be executed",
        0x2301 => "The file device does not exist where specified",
        0x2302 => "The specified memory does not exist",
        0x2303 => "No clock exists",
        0x2401 => "Data link table is incorrect",
        0x2502 => "Parity / checksum error occurred",
        0x2503 => "I/O setting error",
        0x2504 => "Too many I/O points",
        0x2505 => "CPU bus error",
        0x2506 => "I/O duplication error",
        0x2507 => "I/O bus error",
        0x2509 => "SYSMAC BUS/2 error",
        0x250a => "Special I/O Unit error",
        0x250d => "Duplication in SYSMAC BUS word allocation",
        0x250f => "A memory error has occurred",
        0x2510 => "Terminator not connected in SYSMAC BUS system",
        0x2601 => "The specified area is not protected",
        0x2602 => "An incorrect password has been specified",
        0x2604 => "The specified area is protected",
        0x2605 => "The service is being executed",
        0x2606 => "The service is not being executed",
        0x2607 => "Service cannot be execute from local node",
        0x2608 => "Service cannot be executed settings are incorrect",
        0x2609 => "Service cannot be executed incorrect settings in command data",
        0x260a => "The specified action has already been registered",
        0x260b => "Cannot clear error, error still exists",
        0x3001 => "The access right is held by another device",
        0x4001 => "Command aborted with ABORT command",
        _ => return "Unknown".to_string(),
    };
    format!("{name} (0x{code:04x})")
}

/// Memory area codes, as ICSNPP spells them.
pub fn memory_area_label(code: u8) -> String {
    let name = match code {
        0x00 => "CIO, TR, CPU Bus Link, and Auxiliary: Bit Status (0x00)",
        0x40 => "CIO, TR, CPU Bus Link, and Auxiliary: Bit Status Forced Status (0x40)",
        0x80 => "CIO, TR, CPU Bus Link, and Auxiliary: Word Contents (0x80)",
        0x0c => "CIO, TR, CPU Bus Link, and Auxiliary: Word Contents Forced Status (0x0C)",
        0x01 => "Timer/Counter: Completion Flag Status (0x01)",
        0x41 => "Timer/Counter: Completion Flag Status Forced Status (0x41)",
        0x81 => "Timer/Counter: PV (0x81)",
        0x82 => "DM: Word Contents (0x82)",
        0x03 => "Transition: Flag Status (0x03)",
        0x43 => "Transition: Flag Status Forced Status (0x43)",
        0x04 => "Step: Flag Status (0x04)",
        0x44 => "Step: Status (0x44)",
        0x84 => "Step: Step Time PV (0x84)",
        0x05 => "Forced Status: Bit Status (0x05)",
        0x85 => "Forced Status: Word Contents (0x85)",
        0x1b => "Action: Flag Status (0x1b)",
        0x9c => "Register: Register Contents (0x9C)",
        0xdd => "Interrupt: Scheduled Interrupt Interval (0xDD)",
        0x90 => "Expansion DM: Word Contents, bank E0 (0x90)",
        0x91 => "Expansion DM: Word Contents, bank E1 (0x91)",
        0x92 => "Expansion DM: Word Contents, bank E2 (0x92)",
        0x93 => "Expansion DM: Word Contents, bank E3 (0x93)",
        0x94 => "Expansion DM: Word Contents, bank E4 (0x94)",
        0x95 => "Expansion DM: Word Contents, bank E5 (0x95)",
        0x96 => "Expansion DM: Word Contents, bank E6 (0x96)",
        0x97 => "Expansion DM: Word Contents, bank E7 (0x97)",
        0x98 => "Expansion DM: Word Contents, current bank (0x98)",
        _ => "Unknown",
    };
    name.to_string()
}

/// Run mode of the Run command.
pub fn run_mode_label(mode: Option<u8>) -> &'static str {
    match mode {
        None => "Not Set: Default to Monitor (2)",
        Some(1) => "Debug (1)",
        Some(2) => "Monitor (2)",
        Some(4) => "Run (4)",
        Some(_) => "Unknown",
    }
}

pub fn day_of_week_label(day: u8) -> &'static str {
    match day {
        0 => "Sun (0)",
        1 => "Mon (1)",
        2 => "Tue (2)",
        3 => "Wed (3)",
        4 => "Thu (4)",
        5 => "Fri (5)",
        6 => "Sat (6)",
        _ => "Unknown",
    }
}

pub fn memory_card_label(kind: u8) -> &'static str {
    match kind {
        0 => "No Memory Card (0x00)",
        1 => "SPRAM (0x01)",
        2 => "EPROM (0x02)",
        3 => "EEPROM (0x03)",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// icsnpp-omron-fins omron_fins_tcp_commands_responses.pcap, frame 4: FINS/TCP frame send
    /// carrying Run (0x0401), monitor mode.
    const TCP_RUN: &[u8] = &[
        0x46, 0x49, 0x4e, 0x53, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
        0x00, 0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x04, 0x01, 0x00, 0x00,
        0x01,
    ];

    /// Same capture, frame 5: the response to it.
    const TCP_RUN_RESPONSE: &[u8] = &[
        0x46, 0x49, 0x4e, 0x53, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
        0x00, 0xc1, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x04, 0x01, 0x00, 0x00,
    ];

    /// icsnpp-omron-fins omron.pcap, frame 20: Memory Area Write, CIO bit 0xcccc.00, one item.
    const UDP_MEMORY_WRITE: &[u8] = &[
        0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x01, 0x02, 0x00, 0xcc, 0xcc,
        0xcc, 0x00, 0x01, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46,
    ];

    /// omron.pcap, frame 54: Clock Write 2009-01-20 01:02:01, Wednesday.
    const UDP_CLOCK_WRITE: &[u8] = &[
        0x80, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7a, 0x07, 0x02, 0x09, 0x01, 0x20,
        0x01, 0x02, 0x01, 0x03,
    ];

    #[test]
    fn tcp_frame_send_with_run_command() {
        assert_eq!(tcp_message_len(TCP_RUN), Some(TCP_RUN.len()));
        let m = parse_tcp(TCP_RUN).unwrap();
        assert_eq!((m.length, m.command, m.error_code), (23, TCP_FRAME_SEND, 0));
        let f = parse(m.body).unwrap();
        assert!(f.uses_gateway() && !f.is_response() && !f.response_not_required());
        assert_eq!(
            (f.command, f.service_id, f.gateway_count),
            (0x0401, 0x7a, 2)
        );
        assert_eq!(f.data, &[0x00, 0x00, 0x01]);
        assert_eq!(command_label(f.command), "Run (0x0401)");

        let r = parse(parse_tcp(TCP_RUN_RESPONSE).unwrap().body).unwrap();
        assert!(r.is_response() && r.response_not_required());
        assert_eq!(r.response_code, Some(0));
        assert_eq!(response_label(0), "Normal completion (0x0000)");
    }

    #[test]
    fn memory_area_write_and_clock() {
        let f = parse(UDP_MEMORY_WRITE).unwrap();
        let (address, count, written) = memory_area_command(f.data).unwrap();
        assert_eq!((address.area, address.packed(), count), (0x00, 0xcccccc, 1));
        assert_eq!(written, b"ABCDEF");
        let c = clock(parse(UDP_CLOCK_WRITE).unwrap().data).unwrap();
        assert_eq!(
            (
                c.year,
                c.month,
                c.day,
                c.hour,
                c.minute,
                c.second,
                c.day_of_week
            ),
            (2009, 1, 20, 1, 2, Some(1), Some(3))
        );
    }

    #[test]
    fn controller_data_of_a_real_cp1l() {
        // icsnpp-omron-fins omron_test.pcap, frame 18: a CP1L answering Controller Data Read.
        let mut d = Vec::new();
        d.extend_from_slice(b"CP1L-EL20DR-D\0\0\0    ");
        d.extend_from_slice(b"01.00\0\0\0\0\0");
        d.extend_from_slice(b"01.06\0\0\0\0\0");
        d.extend_from_slice(&[0; 40]);
        d.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let (first, _) = controller_data(&d);
        let first = first.unwrap();
        assert_eq!(first.model, "CP1L-EL20DR-D");
        assert_eq!(first.version, "01.00 01.06");
    }

    #[test]
    fn controller_data_by_length() {
        // omron_fins_tcp_commands_responses.pcap, frame 9: model, version and area data.
        let mut d = Vec::new();
        d.extend_from_slice(&[b'A'; 20]);
        d.extend_from_slice(&[b'B'; 20]);
        d.extend_from_slice(&[b'C'; 40]);
        d.extend_from_slice(&[0, 1, 1, 0, 2, 1, 2, 0, 2, 0, 0, 4]);
        let (first, second) = controller_data(&d);
        let first = first.unwrap();
        assert_eq!(first.model, "A".repeat(20));
        assert_eq!((first.dm_words, first.memory_card_size), (2, 4));
        assert!(second.is_none());
        // Same capture, frame 13: the configuration part alone.
        let mut c: Vec<u8> = (0u16..16).flat_map(|i| i.to_be_bytes()).collect();
        c.extend_from_slice(&[b' '; 32]);
        c.extend_from_slice(&[1, 2, 0xc3]);
        let (first, second) = controller_data(&c);
        let second = second.unwrap();
        assert!(first.is_none());
        assert_eq!(second.cpu_bus_units[15], 15);
        assert_eq!((second.sysmac_bus_masters, second.racks), (1, 3));
        assert!(second.peripheral_device_connected && second.built_in_host_interface);
    }

    #[test]
    fn hostile_input_never_panics() {
        let valid = vec![
            TCP_RUN.to_vec(),
            TCP_RUN_RESPONSE.to_vec(),
            UDP_MEMORY_WRITE.to_vec(),
            UDP_CLOCK_WRITE.to_vec(),
        ];
        crate::hostile::never_panics(
            &valid,
            0xf1,
            |b, i| {
                if i % 2 == 0 && b.len() >= 4 {
                    b[..4].copy_from_slice(b"FINS");
                }
            },
            |b| {
                let _ = tcp_message_len(b);
                if let Ok(m) = parse_tcp(b) {
                    let _ = m.node_addresses();
                    let _ = parse(m.body);
                }
                if let Ok(f) = parse(b) {
                    let _ = memory_area_command(f.data);
                    let _ = memory_area_transfer(f.data);
                    let _ = clock(f.data);
                    let _ = controller_data(f.data);
                }
            },
        );
    }
}
