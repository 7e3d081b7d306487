//! Names of the MITRE ATT&CK for ICS techniques our rules use, so that explanations and
//! SIEM output say what an id means.

const NAMES: &[(&str, &str)] = &[
    ("T0801", "Monitor Process State"),
    ("T0802", "Automated Collection"),
    ("T0803", "Block Command Message"),
    ("T0804", "Block Reporting Message"),
    ("T0806", "Brute Force I/O"),
    ("T0812", "Default Credentials"),
    ("T0813", "Denial of Control"),
    ("T0814", "Denial of Service"),
    ("T0815", "Denial of View"),
    ("T0816", "Device Restart/Shutdown"),
    ("T0822", "External Remote Services"),
    ("T0830", "Adversary-in-the-Middle"),
    ("T0831", "Manipulation of Control"),
    ("T0832", "Manipulation of View"),
    ("T0836", "Modify Parameter"),
    ("T0839", "Module Firmware"),
    ("T0840", "Network Connection Enumeration"),
    ("T0842", "Network Sniffing"),
    ("T0843", "Program Download"),
    ("T0845", "Program Upload"),
    ("T0846", "Remote System Discovery"),
    ("T0848", "Rogue Master"),
    ("T0849", "Masquerading"),
    ("T0855", "Unauthorized Command Message"),
    ("T0856", "Spoof Reporting Message"),
    ("T0857", "System Firmware"),
    ("T0858", "Change Operating Mode"),
    ("T0859", "Valid Accounts"),
    ("T0861", "Point & Tag Identification"),
    ("T0864", "Transient Cyber Asset"),
    ("T0866", "Exploitation of Remote Services"),
    ("T0868", "Detect Operating Mode"),
    ("T0869", "Standard Application Layer Protocol"),
    ("T0883", "Internet Accessible Device"),
    ("T0885", "Commonly Used Port"),
    ("T0886", "Remote Services"),
    ("T0888", "Remote System Information Discovery"),
];

/// The technique's name, for the ids listed above.
pub fn technique_name(id: &str) -> Option<&'static str> {
    NAMES.iter().find(|(i, _)| *i == id).map(|(_, n)| *n)
}
