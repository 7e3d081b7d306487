//! Normalised names, so that the same product reads the same whichever protocol named it.
//!
//! A Siemens CPU calls its maker "Siemens" in S7 SZL, "SIEMENS AG" in its PROFINET name and
//! "Siemens AG" in the IEEE OUI registry; CIP says "Rockwell Automation/Allen-Bradley" where
//! a label says "Allen-Bradley"; firmware comes as "V3.2.6", "3.2.6" or "V03.02.06"; order
//! numbers with and without their spaces. Fusing identity facts and comparing them over time
//! needs one spelling of each, chosen here by pure functions over tables compiled into the
//! binary (no I/O, no configuration), and a record of where every vendor-id table came from
//! ([`tables`]). The rules are documented in `docs/inventory.md` ("Normalised names").

mod families;

use std::borrow::Cow;
use std::sync::OnceLock;

pub use families::product_family;

/// Where a compiled-in table came from, for documentation and version reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableSource {
    pub name: &'static str,
    /// Rows (ids, address blocks, spellings or prefixes) the table holds.
    pub entries: usize,
    /// Where the facts come from, as the data file's header states it.
    pub source: String,
    /// The date of the snapshot, ISO 8601 first, possibly followed by a remark.
    pub date: String,
}

// ---------------------------------------------------------------------------------------
// Vendors
// ---------------------------------------------------------------------------------------

/// One canonical spelling per manufacturer and the keys that name it. A key matches the
/// suffix-stripped, case-folded vendor text when it is all of it or its leading words (the
/// character after the key is not a letter or digit); a key ending in `$` must be all of it,
/// for short or common words that would otherwise swallow other companies' names.
///
/// Brands follow their owner (Allen-Bradley is Rockwell Automation, Telemecanique and Modicon
/// are Schneider Electric, Lithonia is Acuity Brands), because an inventory is read to find
/// every device of one manufacturer. Companies that are still separate makers of automation
/// products stay separate even when one owns the other (B&R and ABB, GE and Emerson).
const VENDORS: &[(&str, &[&str])] = &[
    ("Siemens", &["siemens", "ruggedcom"]),
    (
        "Rockwell Automation",
        // Not "rockwell" alone: Rockwell Collins is another company.
        &[
            "rockwell automation",
            "rockwell software",
            "rockwell$",
            "allen-bradley",
            "allen bradley",
            "a-b$",
        ],
    ),
    (
        "Schneider Electric",
        &[
            // Not "schneider" alone: Schneider Elektronik and Schneider Displaytechnik are
            // other companies.
            "schneider electric",
            "schneider-electric",
            "schneider automation",
            "schneider toshiba",
            "schneider$",
            "telemecanique",
            "modicon",
            "square d",
            "foxboro",
            "triconex",
            "berger lahr",
            "american power conversion",
            "apc$",
        ],
    ),
    ("ABB", &["abb", "asea brown boveri"]),
    (
        "GE",
        &[
            "GE",
            "general electric",
            "gefanuc",
            "ge-ip",
            // The PACSystems business's name in the OUI registry after GE sold it.
            "intelligent platforms",
        ],
    ),
    (
        "Mitsubishi Electric",
        &["mitsubishi electric", "mitsubishi$", "melsec$"],
    ),
    ("Omron", &["omron"]),
    ("Phoenix Contact", &["phoenix contact", "phoenixcontact"]),
    ("WAGO", &["wago"]),
    ("Beckhoff", &["beckhoff"]),
    (
        "Belden",
        &[
            "belden",
            "hirschmann",
            "garrettcom",
            "tofino",
            "lumberg automation",
        ],
    ),
    ("Moxa", &["moxa"]),
    ("Cisco", &["cisco"]),
    ("Honeywell", &["honeywell", "alerton"]),
    ("Yokogawa", &["yokogawa"]),
    (
        "Emerson",
        &[
            "emerson",
            "fisher-rosemount",
            "fisher controls",
            "rosemount",
            "micro motion",
        ],
    ),
    ("SEL", &["schweitzer engineering", "sel$", "sel inc$"]),
    ("Acuity Brands", &["acuity brands", "lithonia"]),
    ("Johnson Controls", &["johnson controls", "jci"]),
    ("Automated Logic", &["automated logic", "automatedlogic"]),
    ("Azbil", &["azbil", "yamatake"]),
    ("Tridium", &["tridium"]),
    ("Hilscher", &["hilscher"]),
    (
        "B&R",
        &["b&r", "bernecker+rainer", "br automation", "br-automation"],
    ),
    ("Pilz", &["pilz"]),
    ("Bosch Rexroth", &["bosch rexroth", "rexroth"]),
    (
        "Eaton",
        &["eaton", "moeller", "cutler-hammer", "cutler hammer"],
    ),
    ("Lenze", &["lenze"]),
    ("SEW-EURODRIVE", &["sew-eurodrive", "sew eurodrive", "sew$"]),
    ("SICK", &["sick"]),
    ("Festo", &["festo"]),
    ("Pepperl+Fuchs", &["pepperl+fuchs", "pepperl fuchs", "p+f$"]),
    (
        "Endress+Hauser",
        &["endress+hauser", "endress hauser", "e+h$"],
    ),
    ("Turck", &["turck", "hans turck", "werner turck"]),
    ("Danfoss", &["danfoss"]),
    ("ifm", &["ifm"]),
    ("Red Lion", &["red lion"]),
    ("ProSoft Technology", &["prosoft technology", "prosoft$"]),
    ("Advantech", &["advantech"]),
    ("HMS Networks", &["hms", "anybus", "ixxat", "ewon"]),
    ("Weidmüller", &["weidmüller", "weidmuller", "weidmueller"]),
    ("Murrelektronik", &["murrelektronik"]),
    ("Balluff", &["balluff"]),
    ("Keyence", &["keyence"]),
    ("Fuji Electric", &["fuji electric", "fuji$"]),
    ("Yaskawa", &["yaskawa"]),
    ("Delta Electronics", &["delta electronics"]),
    ("Unitronics", &["unitronics"]),
    ("Opto 22", &["opto 22", "opto22"]),
    ("Triangle MicroWorks", &["triangle microworks"]),
    ("Kepware", &["kepware", "ptc$", "ptc kepware"]),
    ("Inductive Automation", &["inductive automation"]),
    ("AVEVA", &["aveva", "wonderware"]),
    ("FANUC", &["fanuc"]),
    ("KUKA", &["kuka"]),
    ("HIMA", &["hima"]),
    ("Hitachi", &["hitachi"]),
    ("Toshiba", &["toshiba"]),
    ("Bachmann", &["bachmann"]),
    ("Softing", &["softing"]),
    ("KROHNE", &["krohne"]),
    ("VEGA", &["vega grieshaber", "vega$"]),
    ("SAMSON", &["samson"]),
    ("Woodward", &["woodward"]),
    ("Schmersal", &["schmersal", "k a schmersal"]),
    ("Helmholz", &["helmholz", "systeme helmholz"]),
    ("VIPA", &["vipa"]),
    ("Kollmorgen", &["kollmorgen"]),
];

/// Legal forms stripped from the end of a vendor name (compared without dots and commas,
/// case-folded). `company` only counts when matching against [`VENDORS`]: shown names keep
/// it, because "The Trane Company" without it reads wrong.
const LEGAL_FORMS: &[&str] = &[
    "gmbh",
    "mbh",
    "gesmbh",
    "ag",
    "kg",
    "kgaa",
    "co",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "ltd",
    "limited",
    "llc",
    "plc",
    "llp",
    "spa",
    "srl",
    "sarl",
    "sas",
    "bv",
    "nv",
    "pty",
    "ltda",
    "oyj",
    "a/s",
    "aps",
    "sa",
    "se",
    "as",
    "ab",
    "oy",
    "kk",
    "sl",
    "lp",
    // Written without a space: "Co.KG", "Co.,Ltd.".
    "cokg",
    "coltd",
];

/// Forms that are also ordinary short words: only a legal form when written with a capital.
const SHORT_FORMS: &[&str] = &["sa", "se", "as", "ab", "oy", "kk", "sl", "lp", "co"];

/// Words that join two legal forms ("GmbH & Co. KG"): stripped only right before one.
const JOINERS: &[&str] = &["&", "+", "und", "and"];

fn comparable(token: &str) -> String {
    token
        .chars()
        .filter(|c| *c != '.' && *c != ',')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The words of a name without its trailing legal forms; the first word always stays.
fn without_legal_forms<'a>(words: &'a [&'a str], count_company: bool) -> &'a [&'a str] {
    let mut end = words.len();
    let mut stripped_form = false;
    while end > 1 {
        let word = words[end - 1];
        let key = comparable(word);
        // A short form written in lower case is a word, unless a legal form follows it
        // ("co., ltd").
        let is_form = (LEGAL_FORMS.contains(&key.as_str())
            && (!SHORT_FORMS.contains(&key.as_str())
                || stripped_form
                || word.chars().any(char::is_uppercase)))
            || (count_company && key == "company");
        let is_joiner = stripped_form && JOINERS.contains(&key.as_str());
        if !(is_form || is_joiner) {
            break;
        }
        stripped_form = is_form;
        end -= 1;
    }
    &words[..end]
}

/// The vendor text as a lookup key: legal forms removed, dots and commas dropped, spaces
/// around `&` and `+` closed; returned as written (for keys that must match case) and
/// case-folded.
fn vendor_key(raw: &str) -> (String, String) {
    let words: Vec<&str> = raw.split_whitespace().collect();
    let kept = without_legal_forms(&words, true).join(" ");
    let spaced: String = kept
        .chars()
        .map(|c| if c == ',' || c == '.' { ' ' } else { c })
        .collect();
    let cased = spaced
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" & ", "&")
        .replace(" + ", "+");
    let folded = cased.to_lowercase();
    (cased, folded)
}

/// Whether `pattern` (see [`VENDORS`]) matches. A pattern with capitals is compared with
/// the name as written: "GE" names General Electric, "Ge Ruili" does not.
fn key_matches((cased, folded): (&str, &str), pattern: &str) -> bool {
    let key = if pattern.chars().any(char::is_uppercase) {
        cased
    } else {
        folded
    };
    match pattern.strip_suffix('$') {
        Some(exact) => key == exact,
        None => {
            key.starts_with(pattern)
                && key[pattern.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric())
        }
    }
}

/// The canonical manufacturer for vendor text, when the text names a known one.
fn known_vendor(raw: &str) -> Option<&'static str> {
    // A site states a handful of vendor spellings on tens of thousands of devices: each
    // thread remembers the answers it found, up to a bound, instead of matching every key
    // of the table again.
    const REMEMBERED: usize = 4096;
    thread_local! {
        static FOUND: std::cell::RefCell<ahash::AHashMap<String, Option<&'static str>>> =
            Default::default();
    }
    if let Some(found) = FOUND.with_borrow(|f| f.get(raw).copied()) {
        return found;
    }
    let found = match_vendor(raw);
    FOUND.with_borrow_mut(|f| {
        if f.len() >= REMEMBERED {
            f.clear();
        }
        f.insert(raw.to_string(), found);
    });
    found
}

fn match_vendor(raw: &str) -> Option<&'static str> {
    let (cased, folded) = vendor_key(raw);
    if folded.is_empty() {
        return None;
    }
    // The longest matching key wins, so that a specific brand is never shadowed by a
    // shorter word that begins it.
    VENDORS
        .iter()
        .flat_map(|(canonical, keys)| keys.iter().map(move |k| (*canonical, *k)))
        .filter(|(_, k)| key_matches((&cased, &folded), k))
        .max_by_key(|(_, k)| k.len())
        .map(|(canonical, _)| canonical)
}

/// One spelling per manufacturer across protocols and the OUI registry.
///
/// Known manufacturers come out in their canonical spelling ("SIEMENS AG" → "Siemens",
/// "Allen-Bradley Company" → "Rockwell Automation"). Any other name is only tidied: spaces
/// collapsed, trailing legal forms ("GmbH", "Inc.", "Co., Ltd.", "GmbH & Co. KG") removed,
/// the rest kept exactly as sent, capitals included ("ACME SYSTEMS GMBH" → "ACME SYSTEMS"),
/// because guessing the intended capitalisation of an unknown company would invent a name.
pub fn vendor_name(raw: &str) -> Cow<'static, str> {
    if let Some(canonical) = known_vendor(raw) {
        return Cow::Borrowed(canonical);
    }
    let words: Vec<&str> = raw.split_whitespace().collect();
    let kept = without_legal_forms(&words, false);
    let tidy = kept.join(" ");
    let tidy = tidy.trim_end_matches([',', ';', '-', '/', '&']);
    Cow::Owned(tidy.trim_end().to_string())
}

// ---------------------------------------------------------------------------------------
// Firmware
// ---------------------------------------------------------------------------------------

/// Words devices put before a version number; compared case-folded, longest first so that
/// "version" is not read as "v" + "ersion".
const VERSION_PREFIXES: &[&str] = &["firmware", "version", "revision", "ver", "rev", "fw", "v"];

/// One form for version numbers: `V` followed by the dotted numbers without leading zeros.
///
/// "V 3.2.6", "v3.2.6", "Ver. 3.2.6", "3.2.6" and "V03.02.06" all become "V3.2.6"; CIP's
/// "4.3" becomes "V4.3". Components are read as integers, so "20.011" is "V20.11" (how
/// Rockwell writes major 20, minor 11). A bare number without a prefix ("7") stays as sent,
/// since nothing says it is a version rather than a build or a date; anything that is not
/// purely numbers and dots after an optional prefix stays as sent ("R2.3 build 55",
/// "V4.3 (build 5)", "16-Dec-2004"), with its spaces collapsed.
pub fn firmware(raw: &str) -> String {
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let (prefixed, rest) = VERSION_PREFIXES
        .iter()
        .find_map(|p| {
            let head = collapsed.get(..p.len())?;
            if !head.eq_ignore_ascii_case(p) {
                return None;
            }
            // "v3", "v 3", "ver. 3", "rev: 3": the prefix must end at punctuation, a space
            // or a digit, never inside a word.
            let after = collapsed[p.len()..].trim_start_matches(['.', ':', ' ']);
            after
                .starts_with(|c: char| c.is_ascii_digit())
                .then_some((true, after))
        })
        .unwrap_or((false, collapsed.as_str()));
    let parts: Vec<&str> = rest.split('.').collect();
    let numeric = !rest.is_empty()
        && parts.len() <= 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()));
    if !numeric || (!prefixed && parts.len() < 2) {
        return collapsed;
    }
    let numbers: Vec<String> = parts
        .iter()
        .map(|p| {
            let trimmed = p.trim_start_matches('0');
            if trimmed.is_empty() { "0" } else { trimmed }.to_string()
        })
        .collect();
    format!("V{}", numbers.join("."))
}

// ---------------------------------------------------------------------------------------
// Order numbers
// ---------------------------------------------------------------------------------------

/// Whose catalogue an order number belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Maker {
    Siemens,
    Rockwell,
    Schneider,
}

impl Maker {
    fn vendor(self) -> &'static str {
        match self {
            Maker::Siemens => "Siemens",
            Maker::Rockwell => "Rockwell Automation",
            Maker::Schneider => "Schneider Electric",
        }
    }
}

/// A Siemens order number (MLFB): `6` + two letters + one character, three characters, five
/// and four, 16 in all; printed `6ES7 315-2EH14-0AB0`. Separators may be missing or spaced
/// differently in what devices send, but where there are hyphens they must fall between the
/// blocks, so that a random 16-character token is not mistaken for one.
fn siemens(words: &[&str]) -> Option<String> {
    for take in 1..=words.len().min(3) {
        let mut chars = Vec::with_capacity(16);
        let mut ok = true;
        for (i, word) in words[..take].iter().enumerate() {
            if i > 0 && chars.len() != 4 {
                ok = false; // a space only ever follows the first block
            }
            for c in word.chars() {
                match c {
                    '-' if matches!(chars.len(), 4 | 7 | 12) => {}
                    c if c.is_ascii_alphanumeric() => chars.push(c.to_ascii_uppercase()),
                    _ => ok = false,
                }
            }
        }
        if !ok || chars.len() != 16 {
            continue;
        }
        let valid = chars[0] == '6'
            && chars[1].is_ascii_alphabetic()
            && chars[2].is_ascii_alphabetic()
            && chars[7].is_ascii_digit()
            && chars[12].is_ascii_digit();
        if valid {
            let s: String = chars.iter().collect();
            return Some(format!(
                "{} {}-{}-{}",
                &s[..4],
                &s[4..7],
                &s[7..12],
                &s[12..]
            ));
        }
    }
    None
}

/// Rockwell catalogue prefixes that begin a catalogue number (bulletin numbers). Restricting
/// to known bulletins keeps dates and part numbers of other makers out.
pub(crate) const ROCKWELL_BULLETINS: &[&str] = &[
    "1756", "1769", "1768", "1766", "1764", "1763", "1762", "1761", "1747", "1746", "1785", "1771",
    "5069", "5094", "5032", "1734", "1794", "1738", "1732", "1783", "1788", "1715", "1719",
    "2711P", "2711R", "2711C", "2711", "2713P", "2715", "2080", "2198", "2097", "2094", "20A",
    "20B", "20D", "20F", "20G", "21G", "22A", "22B", "22C", "22D", "22F", "25A", "25B", "25C",
    "1336", "1305", "193", "150",
];

fn rockwell(words: &[&str]) -> Option<String> {
    let first = words.first()?.to_ascii_uppercase();
    let candidate = match first.split_once('-') {
        Some(_) => first,
        // "1756 ENBT/A": a bulletin and its body separated by a space.
        None if ROCKWELL_BULLETINS.contains(&first.as_str()) => {
            format!("{first}-{}", words.get(1)?.to_ascii_uppercase())
        }
        None => return None,
    };
    let (bulletin, body) = candidate.split_once('-')?;
    if !ROCKWELL_BULLETINS.contains(&bulletin) || body.is_empty() {
        return None;
    }
    let (main, series) = match body.split_once('/') {
        Some((m, s)) => (m, Some(s)),
        None => (body, None),
    };
    let main_ok = !main.is_empty()
        && main
            .split('-')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    let series_ok = series
        .is_none_or(|s| (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic()));
    (main_ok && series_ok).then_some(candidate)
}

fn schneider_shape(s: &str) -> bool {
    let b = s.as_bytes();
    let digits_from = |i: usize| b.iter().skip(i).take_while(|c| c.is_ascii_digit()).count();
    let letters_from = |i: usize| {
        b.iter()
            .skip(i)
            .take_while(|c| c.is_ascii_alphabetic())
            .count()
    };
    if let Some(rest) = s.strip_prefix("BM") {
        // Modicon M340 / M580 / X80: BMX P34 2020, BME P58 2040, BMX NOE 0100.
        let family = rest.as_bytes().first().copied();
        if !matches!(family, Some(b'X' | b'E' | b'H')) {
            return false;
        }
        let letters = letters_from(3);
        let digits = digits_from(3 + letters);
        let tail = s.len() - 3 - letters - digits;
        return (1..=3).contains(&letters)
            && (4..=7).contains(&digits)
            && tail <= 2
            && s[3 + letters + digits..]
                .bytes()
                .all(|c| c.is_ascii_alphabetic());
    }
    if s.starts_with("140") || s.starts_with("170") || s.starts_with("171") {
        // Quantum 140 CPU 651 50, Momentum 170 ENT 110 01: three letters, five digits.
        return letters_from(3) == 3
            && digits_from(6) == 5
            && s.len() <= 12
            && s[11..].bytes().all(|c| c.is_ascii_alphabetic());
    }
    if let Some(rest) = s.strip_prefix("TSX") {
        // Premium and Micro: TSX P57 2634M, TSX ETY 4103.
        return (7..=14).contains(&s.len()) && rest.bytes().any(|c| c.is_ascii_digit());
    }
    if let Some(rest) = s.strip_prefix("TM") {
        // Modicon M2xx controllers and TM3/TM5 I/O: TM221CE24R, TM251MESE, TM3DI16.
        return rest.starts_with(['2', '3', '4', '5']) && (5..=16).contains(&s.len());
    }
    if s.starts_with("ATV") {
        return digits_from(3) >= 2 && (7..=16).contains(&s.len());
    }
    false
}

/// Schneider Electric writes its references without spaces ("BMXP342020"); labels and
/// engineering tools group them ("BMX P34 2020"). Up to four leading words are joined.
fn schneider(words: &[&str]) -> Option<String> {
    let mut joined = String::new();
    let mut best = None;
    for word in words.iter().take(4) {
        if !word.bytes().all(|b| b.is_ascii_alphanumeric()) {
            break;
        }
        joined.push_str(&word.to_ascii_uppercase());
        if schneider_shape(&joined) {
            best = Some(joined.clone());
        }
    }
    best
}

/// The order number and its maker, when `raw` begins with one.
pub(crate) fn parse_order_number(raw: &str) -> Option<(Maker, String)> {
    let words: Vec<&str> = raw.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    siemens(&words)
        .map(|s| (Maker::Siemens, s))
        .or_else(|| rockwell(&words).map(|s| (Maker::Rockwell, s)))
        .or_else(|| schneider(&words).map(|s| (Maker::Schneider, s)))
}

/// Recognise a manufacturer order number and print it in its canonical form.
///
/// Siemens order numbers get Siemens' spacing ("6ES7315-2EH14-0AB0" → "6ES7 315-2EH14-0AB0");
/// Rockwell catalogue numbers are upper-cased with their series ("1756-enbt/a" →
/// "1756-ENBT/A"; "1756-L71/B LOGIX5571" → "1756-L71/B"); Schneider references lose the
/// spaces that labels add ("BMX P34 2020" → "BMXP342020", "140 CPU 651 50" → "140CPU65150").
/// Anything else is `None`: a model name is not an order number.
pub fn order_number(raw: &str) -> Option<String> {
    parse_order_number(raw).map(|(_, s)| s)
}

// ---------------------------------------------------------------------------------------
// Vendor-id tables
// ---------------------------------------------------------------------------------------

const PROFINET_VENDORS: &str = include_str!("../data/profinet_vendors.tsv");

fn profinet_table() -> &'static [(u16, &'static str)] {
    static TABLE: OnceLock<Vec<(u16, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut rows: Vec<(u16, &'static str)> = PROFINET_VENDORS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (id, name) = l.split_once('\t')?;
                Some((id.trim().parse().ok()?, name.trim()))
            })
            .collect();
        rows.sort_by_key(|r| r.0);
        rows.dedup_by_key(|r| r.0);
        rows
    })
}

/// The manufacturer a CIP (EtherNet/IP, DeviceNet) vendor id is registered to (ODVA).
pub fn cip_vendor(id: u16) -> Option<&'static str> {
    otwatch_dissect::enip::vendor_name(id)
}

/// The manufacturer a BACnet vendor identifier is registered to (ASHRAE).
pub fn bacnet_vendor(id: u16) -> Option<&'static str> {
    otwatch_dissect::bacnet::vendor_name(u32::from(id))
}

/// The manufacturer a PROFINET / PROFIBUS vendor id is assigned to (PI). The table is a
/// selection of automation vendors (see its header): an id missing from it is `None`.
pub fn profinet_vendor(id: u16) -> Option<&'static str> {
    let t = profinet_table();
    t.binary_search_by_key(&id, |r| r.0).ok().map(|i| t[i].1)
}

/// The header lines `# Source:` (with its continuation lines) and `# Data date:` of a table.
fn header_of(text: &'static str) -> (String, String) {
    let mut source = Vec::new();
    let mut date = Vec::new();
    let mut current: Option<&mut Vec<&str>> = None;
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        let body = line.trim_start_matches('#');
        if let Some(s) = body.trim().strip_prefix("Source:") {
            source.push(s.trim());
            current = Some(&mut source);
        } else if let Some(d) = body.trim().strip_prefix("Data date:") {
            date.push(d.trim());
            current = Some(&mut date);
        } else if body.starts_with("   ") {
            if let Some(c) = current.as_mut() {
                c.push(body.trim());
            }
        } else {
            current = None;
        }
    }
    (source.join(" "), date.join(" "))
}

/// Every table that names vendors or products, with its source and date.
pub fn tables() -> Vec<TableSource> {
    let cip = otwatch_dissect::enip::vendor_table();
    let bacnet = otwatch_dissect::bacnet::vendor_table();
    let (pn_source, pn_date) = header_of(PROFINET_VENDORS);
    vec![
        TableSource {
            name: "IEEE OUI (MAC address blocks)",
            entries: otwatch_oui::entries(),
            source: otwatch_oui::source().to_string(),
            date: otwatch_oui::data_date().to_string(),
        },
        TableSource {
            name: "ODVA CIP vendor ids",
            entries: cip.entries,
            source: cip.source.to_string(),
            date: cip.date.to_string(),
        },
        TableSource {
            name: "ASHRAE BACnet vendor ids",
            entries: bacnet.entries,
            source: bacnet.source.to_string(),
            date: bacnet.date.to_string(),
        },
        TableSource {
            name: "PI PROFINET vendor ids",
            entries: profinet_table().len(),
            source: pn_source,
            date: pn_date,
        },
        TableSource {
            name: "Vendor name spellings",
            entries: VENDORS.len(),
            source: "otwatch: canonical spellings of automation manufacturers and their \
                     brands, from the vendors' own names in the tables above"
                .to_string(),
            date: families::TABLES_DATE.to_string(),
        },
        TableSource {
            name: "Product families of order numbers",
            entries: families::entries(),
            source: families::SOURCE.to_string(),
            date: families::TABLES_DATE.to_string(),
        },
    ]
}

#[cfg(test)]
mod tests;
