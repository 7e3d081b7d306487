//! Identity in the free text a device gives about itself over management protocols: SNMP
//! sysDescr and the LLDP system description. There is no standard layout, so only what the
//! text states plainly is taken: a maker the text begins with, the product named right after
//! it, fields labelled as hardware or firmware (`HW: 7`, `FW: V4.1.3`, `SW: L2P-09.0.00`), a
//! Siemens order number, and the model and version in Cisco's fixed IOS banner. Anything
//! vaguer (a Windows or Linux banner, a product family in a sentence) yields nothing.

/// What a description says about the device.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Described {
    pub vendor: Option<&'static str>,
    pub model: Option<String>,
    pub order_number: Option<String>,
    pub hardware: Option<String>,
    pub firmware: Option<String>,
}

impl Described {
    pub fn is_empty(&self) -> bool {
        *self == Described::default()
    }
}

/// Makers as their descriptions begin, and the name the inventory gives them. Longer
/// spellings come before their prefixes.
const VENDORS: &[(&str, &str)] = &[
    ("Siemens AG", "Siemens"),
    ("Siemens", "Siemens"),
    ("Cisco Systems", "Cisco"),
    ("Cisco", "Cisco"),
    ("Hirschmann", "Hirschmann"),
    ("Moxa", "Moxa"),
    ("Phoenix Contact", "Phoenix Contact"),
    ("Schneider Electric", "Schneider Electric"),
    ("Rockwell Automation", "Rockwell Automation"),
    ("Allen-Bradley", "Rockwell Automation"),
    ("Westermo", "Westermo"),
    ("RuggedCom", "RuggedCom"),
    ("Belden", "Belden"),
    ("WAGO", "WAGO"),
    ("Beckhoff", "Beckhoff"),
    ("Lantronix", "Lantronix"),
    ("Digi International", "Digi International"),
    ("Red Lion", "Red Lion Controls"),
    ("N-Tron", "Red Lion Controls"),
    ("Advantech", "Advantech"),
    ("Weidmueller", "Weidmüller"),
    ("Weidmüller", "Weidmüller"),
    ("Omron", "Omron"),
    ("Eaton", "Eaton"),
    (
        "Schweitzer Engineering Laboratories",
        "Schweitzer Engineering Laboratories",
    ),
    ("Juniper Networks", "Juniper Networks"),
    ("Hewlett-Packard", "HP"),
    ("Hewlett Packard Enterprise", "HP"),
    ("Dell Inc.", "Dell"),
    ("Dell", "Dell"),
    ("Lenovo", "Lenovo"),
    ("Fortinet", "Fortinet"),
    ("MikroTik", "MikroTik"),
    ("Huawei", "Huawei"),
];

/// Fields that name a product line rather than a product.
const FAMILY_WORDS: &[&str] = &["SIMATIC NET", "SIMATIC", "Industrial Ethernet"];

/// A model longer than this many words is a sentence, not a product name.
const MAX_MODEL_WORDS: usize = 4;

/// Reads a description; empty when nothing is stated plainly.
pub fn parse(text: &str) -> Described {
    let text = text.trim();
    let mut out = Described::default();
    let Some((vendor, rest)) = vendor_prefix(text) else {
        labelled(text, &mut out);
        return out;
    };
    out.vendor = Some(vendor);
    if vendor == "Cisco" {
        cisco(rest, &mut out);
        return out;
    }
    // "Siemens, SIMATIC NET, SCALANCE X208, 6GK5 208-0BA00-2AA3, HW: 7, FW: V4.1.3",
    // "Hirschmann MAR - SW: L2P-09.0.00", "Dell Inc. OptiPlex 990,01,G22XB2S + HMI".
    let fields = rest
        .split(" - ")
        .flat_map(|part| part.split(','))
        .map(str::trim)
        .filter(|f| !f.is_empty());
    for field in fields {
        if let Some((label, value)) = label_of(field) {
            let slot = match label {
                Label::Hardware => &mut out.hardware,
                Label::Firmware => &mut out.firmware,
            };
            if slot.is_none() {
                *slot = Some(value);
            }
        } else if is_order_number(field) {
            out.order_number.get_or_insert_with(|| field.to_string());
        } else if FAMILY_WORDS.iter().any(|w| field.eq_ignore_ascii_case(w))
            || starts_with_label_word(field)
        {
            continue;
        } else if out.model.is_none() && out.order_number.is_none() && out.firmware.is_none() {
            // Only the first field after the maker is its product; later free fields are
            // serial numbers, options or notes the text does not label.
            let words = field.split_whitespace().count();
            if words <= MAX_MODEL_WORDS && field.chars().any(|c| c.is_ascii_alphabetic()) {
                out.model = Some(field.to_string());
            } else {
                // A sentence where the product should be: stop guessing.
                out.model = Some(String::new());
            }
        }
    }
    if out.model.as_deref() == Some("") {
        out.model = None;
    }
    out
}

/// The maker the text begins with, and the text after it.
fn vendor_prefix(text: &str) -> Option<(&'static str, &str)> {
    VENDORS.iter().find_map(|(prefix, name)| {
        let head = text.get(..prefix.len())?;
        if !head.eq_ignore_ascii_case(prefix) {
            return None;
        }
        let rest = &text[prefix.len()..];
        // "Dell Inc." but not "Dellmann": the maker is a word of its own.
        if rest.chars().next().is_some_and(|c| c.is_alphanumeric()) {
            return None;
        }
        Some((*name, rest.trim_start_matches([',', ' ', ':', '-']).trim()))
    })
}

enum Label {
    Hardware,
    Firmware,
}

/// A field labelled as hardware or firmware, and its value (the first word after the label).
fn label_of(field: &str) -> Option<(Label, String)> {
    const LABELS: &[(&str, Label)] = &[
        ("HW:", Label::Hardware),
        ("Hardware Revision:", Label::Hardware),
        ("Hardware Version:", Label::Hardware),
        ("FW:", Label::Firmware),
        ("Firmware:", Label::Firmware),
        ("Firmware Version:", Label::Firmware),
        ("Firmware Revision:", Label::Firmware),
        ("SW:", Label::Firmware),
        ("Software Version:", Label::Firmware),
        ("Firmware Version ", Label::Firmware),
        ("Firmware ", Label::Firmware),
        ("FW ", Label::Firmware),
        ("Version ", Label::Firmware),
    ];
    LABELS.iter().find_map(|(label, kind)| {
        let head = field.get(..label.len())?;
        if !head.eq_ignore_ascii_case(label) {
            return None;
        }
        let value = field[label.len()..].split_whitespace().next()?;
        // A label without a colon is a word of a sentence unless a version number follows.
        let versionish = value
            .trim_start_matches(['V', 'v'])
            .starts_with(|c: char| c.is_ascii_digit());
        if !label.ends_with(':') && !versionish {
            return None;
        }
        let kind = match kind {
            Label::Hardware => Label::Hardware,
            Label::Firmware => Label::Firmware,
        };
        Some((kind, value.to_string()))
    })
}

/// A field about versions that gave no version ("firmware pending upgrade") is no product.
fn starts_with_label_word(field: &str) -> bool {
    let first = field.split_whitespace().next().unwrap_or("");
    let first = first.trim_end_matches(':').to_ascii_lowercase();
    matches!(
        first.as_str(),
        "hw" | "fw" | "sw" | "hardware" | "firmware" | "software" | "version"
    )
}

/// Labelled fields anywhere in a text whose maker is not named.
fn labelled(text: &str, out: &mut Described) {
    for field in text.split(',').map(str::trim) {
        if let Some((label, value)) = label_of(field) {
            let slot = match label {
                Label::Hardware => &mut out.hardware,
                Label::Firmware => &mut out.firmware,
            };
            slot.get_or_insert(value);
        } else if is_order_number(field) {
            out.order_number.get_or_insert_with(|| field.to_string());
        }
    }
}

/// A Siemens order number (MLFB): "6GK5 208-0BA00-2AA3", "6ES7 315-2EH14-0AB0".
fn is_order_number(field: &str) -> bool {
    let compact: Vec<u8> = field.bytes().filter(|b| *b != b' ').collect();
    let shape = b"6AAD DDD-DAADD-DAAD";
    let shape: Vec<u8> = shape.iter().copied().filter(|b| *b != b' ').collect();
    compact.len() == shape.len()
        && compact.iter().zip(&shape).all(|(c, s)| match s {
            b'6' => *c == b'6',
            b'A' => c.is_ascii_alphanumeric(),
            b'D' => c.is_ascii_digit() || c.is_ascii_uppercase(),
            b'-' => *c == b'-',
            _ => false,
        })
        && compact[1].is_ascii_uppercase()
}

/// "IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE11, RELEASE
/// SOFTWARE (fc3)": the platform is the single word before " Software (", the version
/// follows "Version ".
fn cisco(rest: &str, out: &mut Described) {
    let fields: Vec<&str> = rest.split(',').map(str::trim).collect();
    for field in &fields {
        if let Some((platform, _)) = field.split_once(" Software (") {
            let platform = platform.trim();
            if !platform.contains(' ') && platform.chars().any(|c| c.is_ascii_digit()) {
                out.model.get_or_insert_with(|| platform.to_string());
            }
        }
        if let Some(version) = field
            .strip_prefix("Version ")
            .and_then(|v| v.split_whitespace().next())
        {
            out.firmware.get_or_insert_with(|| version.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(text: &str) -> [Option<String>; 5] {
        let d = parse(text);
        [
            d.vendor.map(str::to_string),
            d.model,
            d.order_number,
            d.hardware,
            d.firmware,
        ]
    }

    fn some(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn siemens_scalance_descriptions_give_every_field() {
        assert_eq!(
            said("Siemens, SIMATIC NET, SCALANCE X208, 6GK5 208-0BA00-2AA3, HW: 7, FW: V4.1.3"),
            [
                some("Siemens"),
                some("SCALANCE X208"),
                some("6GK5 208-0BA00-2AA3"),
                some("7"),
                some("V4.1.3")
            ]
        );
        // mb2.pcap (ITI Modbus captures): the LLDP system description of "Switch1".
        assert_eq!(
            said("Siemens, SIMATIC NET, SCALANCE X212-2, 6GK5 212-2BB00-2AA3, HW: 7, FW: V4.02"),
            [
                some("Siemens"),
                some("SCALANCE X212-2"),
                some("6GK5 212-2BB00-2AA3"),
                some("7"),
                some("V4.02")
            ]
        );
    }

    #[test]
    fn cisco_ios_banner_gives_platform_and_version() {
        assert_eq!(
            said("Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE11, RELEASE SOFTWARE (fc3)\r\nTechnical Support: http://www.cisco.com/techsupport"),
            [some("Cisco"), some("C2960"), None, None, some("15.0(2)SE11")]
        );
        // IOS XE names a product class, not a model: only the version is taken.
        assert_eq!(
            said("Cisco IOS Software [Fuji], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 16.9.3, RELEASE SOFTWARE (fc2)"),
            [some("Cisco"), None, None, None, some("16.9.3")]
        );
    }

    #[test]
    fn hirschmann_and_pc_descriptions_from_the_corpus() {
        // c37_pmu_unclean.pcap (ITI C37.118 captures): LLDP from a Hirschmann MAR switch.
        assert_eq!(
            said("Hirschmann MAR - SW: L2P-09.0.00"),
            [
                some("Hirschmann"),
                some("MAR"),
                None,
                None,
                some("L2P-09.0.00")
            ]
        );
        assert_eq!(
            said("Hirschmann Railswitch"),
            [some("Hirschmann"), some("Railswitch"), None, None, None]
        );
        // Profinet_Failed.pcap and wrapup.pcapng: PROFINET PC stations describe their
        // hardware, then unlabelled fields (a serial number, a role) that are not taken.
        assert_eq!(
            said("Dell Inc. OptiPlex 990,01,G22XB2S + HMI"),
            [some("Dell"), some("OptiPlex 990"), None, None, None]
        );
        assert_eq!(
            said("Dell Inc. Vostro 3800,,JSJR542"),
            [some("Dell"), some("Vostro 3800"), None, None, None]
        );
    }

    #[test]
    fn vague_texts_say_nothing_beyond_what_they_state() {
        // profinet_io_cm_mixed_1.pcap: a product family in words; the maker is all.
        assert_eq!(
            said("Siemens AG SIMATIC S7 MULTIPORT SCALANCE X 200 FAM"),
            [some("Siemens"), None, None, None, None]
        );
        assert!(parse(
            "Hardware: Intel64 Family 6 Model 58 Stepping 9 AT/AT COMPATIBLE - Software: Windows Version 6.3 (Build 9600 Multiprocessor Free)"
        )
        .is_empty());
        assert!(parse("Linux plc-gw 4.19.0-17-amd64 #1 SMP Debian 4.19.194-3 x86_64").is_empty());
        assert!(parse("Dellmann controller").is_empty());
        // Labels still count without a maker; a version word needs a version after it.
        assert_eq!(
            said("Moxa EDS-408A, firmware V3.8 build 18041113"),
            [some("Moxa"), some("EDS-408A"), None, None, some("V3.8")]
        );
        assert_eq!(
            said("Phoenix Contact FL SWITCH 2008, Version 2.30"),
            [
                some("Phoenix Contact"),
                some("FL SWITCH 2008"),
                None,
                None,
                some("2.30")
            ]
        );
        assert_eq!(
            said("Schneider Electric, firmware pending upgrade"),
            [some("Schneider Electric"), None, None, None, None]
        );
        assert_eq!(
            said("Industrial switch, HW: 3, FW: V2.1.0"),
            [None, None, None, some("3"), some("V2.1.0")]
        );
    }

    #[test]
    fn order_numbers_have_the_siemens_shape() {
        assert!(is_order_number("6GK5 208-0BA00-2AA3"));
        assert!(is_order_number("6ES7 315-2EH14-0AB0"));
        assert!(!is_order_number("L2P-09.0.00"));
        assert!(!is_order_number("6 apples"));
    }
}
