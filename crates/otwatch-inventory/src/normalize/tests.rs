//! Every rule with spellings devices and registries actually use: the ICSNPP identity logs
//! of the corpus, the vendor tables compiled into otwatch, and what otwatch itself reports.

use super::*;

fn v(raw: &str) -> String {
    vendor_name(raw).into_owned()
}

#[test]
fn one_spelling_per_manufacturer() {
    let cases: &[(&str, &[&str])] = &[
        (
            "Siemens",
            &[
                "SIEMENS AG",
                "Siemens AG",
                "Siemens Energy & Automation",
                "SIEMENS",
                "Siemens Energy & Automation/Drives",
                "Siemens Schweiz AG (Formerly: Cerberus AG)",
                "Siemens Industry, Inc.",
                "Siemens L&A",
                "siemens",
            ],
        ),
        (
            "Rockwell Automation",
            &[
                "Rockwell Automation/Allen-Bradley",
                "Allen-Bradley Company",
                "Rockwell Automation",
                "ALLEN-BRADLEY",
                "Allen Bradley Co., Inc.",
                "Rockwell Software, Inc.",
                "Rockwell Automation/Reliance Elec.",
            ],
        ),
        (
            "Schneider Electric",
            &[
                "Schneider Electric",
                "TELEMECANIQUE ELECTRIQUE",
                "Modicon",
                "Schneider Electric SE",
                "Schneider Toshiba Inverter Europe",
                "Schneider-Electric(China)Co.Ltd,Shenzhen Branch",
                "Schneider Electric Fire & Security Oy",
            ],
        ),
        (
            "GE",
            &[
                "GE Fanuc Automation",
                "GE Intelligent Platforms, Inc.",
                "GE Industrial Systems",
                "GE Multilin",
                "General Electric Company",
            ],
        ),
        (
            "Phoenix Contact",
            &[
                "Phoenix Contact GmbH & Co. KG",
                "PHOENIX CONTACT Electronics GmbH",
                "Phoenix Contact",
                "phoenixcontact",
            ],
        ),
        (
            "WAGO",
            &[
                "WAGO Kontakttechnik GmbH",
                "WAGO Kontakttechnik GmbH & Co. KG",
                "WAGO Corporation",
            ],
        ),
        (
            "Belden",
            &[
                "Hirschmann Automation and Control GmbH",
                "Hirschmann, a Belden brand",
                "Belden Inc.",
                "Lumberg Automation (Belden)",
            ],
        ),
        (
            "Acuity Brands",
            &[
                "Acuity Brands Lighting Inc.",
                "Acuity Brands Lighting, Inc.",
                "Lithonia Lighting, Inc.",
            ],
        ),
        (
            "Mitsubishi Electric",
            &[
                "Mitsubishi Electric Corporation",
                "Mitsubishi Electric Automation, Inc.",
                "Mitsubishi Electric Europe B.V. Niederlassung Deutschland",
            ],
        ),
        ("Moxa", &["MOXA TECHNOLOGIES CORP., LTD.", "Moxa, Inc."]),
        (
            "B&R",
            &[
                "Bernecker + Rainer Industrie-Elektronik GmbH",
                "B&R",
                "B & R",
            ],
        ),
        (
            "Pepperl+Fuchs",
            &["Pepperl+Fuchs", "PEPPERL+FUCHS GmbH", "Pepperl + Fuchs"],
        ),
        ("Endress+Hauser", &["Endress + Hauser", "Endress+Hauser"]),
        (
            "SEW-EURODRIVE",
            &["SEW Eurodrive GmbH", "SEW-EURODRIVE GmbH & Co."],
        ),
        (
            "Turck",
            &["TURCK (formerly InterlinkBT)", "Hans Turck GmbH & Co.KG"],
        ),
        (
            "Yaskawa",
            &[
                "Yaskawa Europe (formerly VIPA GmbH)",
                "YASKAWA Electric GmbH",
            ],
        ),
        (
            "Eaton",
            &[
                "Eaton Industries GmbH (formerly Moeller GmbH)",
                "Moeller GmbH",
            ],
        ),
        ("SEL", &["Schweitzer Engineering Laboratories", "SEL"]),
        (
            "HMS Networks",
            &[
                "HMS Networks",
                "HMS Industrial Networks AB",
                "IXXAT Automation GmbH",
            ],
        ),
        ("Weidmüller", &["Weidmuller, Inc.", "Weidmüller"]),
        (
            "Honeywell",
            &[
                "Honeywell International Inc.",
                "Alerton / Honeywell",
                "Honeywell AG",
            ],
        ),
        (
            "Emerson",
            &["Emerson Process Management", "Fisher Controls", "Rosemount"],
        ),
        (
            "Advantech",
            &["Advantech Co., Ltd", "Advantech Corporation"],
        ),
        ("Fuji Electric", &["Fuji Electric Group", "Fuji"]),
        ("ifm", &["ifm electronic GmbH"]),
        ("SICK", &["SICK AG", "SICK STEGMANN Inc."]),
        ("Opto 22", &["OPTO 22"]),
        ("Johnson Controls", &["Johnson Controls, Inc."]),
        ("Tridium", &["Tridium Inc."]),
        (
            "Hilscher",
            &[
                "Hilscher GmbH",
                "Hilscher Gesellschaft für Systemautomation mbH",
            ],
        ),
        ("ProSoft Technology", &["ProSoft Technology, Inc."]),
        ("Kepware", &["Kepware Technologies"]),
        ("AVEVA", &["Wonderware"]),
    ];
    for (canonical, spellings) in cases {
        for raw in *spellings {
            assert_eq!(v(raw), *canonical, "{raw:?}");
        }
    }
}

#[test]
fn words_that_begin_other_companies_do_not_capture_them() {
    // Same first word, different company: each stays its own (tidied) name.
    for (raw, expected) in [
        (
            "Mitsubishi Heavy Industries Ltd",
            "Mitsubishi Heavy Industries",
        ),
        ("Phoenix Digital Corporation", "Phoenix Digital"),
        ("Phoenix Controls Corporation", "Phoenix Controls"),
        ("Fuji Machine Mfg. Co., Ltd", "Fuji Machine Mfg."),
        ("Delta Computer Systems, Inc.", "Delta Computer Systems"),
        (
            "GEMUE Gebr. Mueller Apparatebau GmbH & Co. KG",
            "GEMUE Gebr. Mueller Apparatebau",
        ),
        ("Abbott Laboratories", "Abbott Laboratories"),
        ("Selectron Systems AG", "Selectron Systems"),
        ("Rockwell Collins Canada", "Rockwell Collins Canada"),
        (
            "Ge Ruili Intelligent Technology ( Beijing ) Co., Ltd.",
            "Ge Ruili Intelligent Technology ( Beijing )",
        ),
        ("ACUITY IMAGING, INC.", "ACUITY IMAGING"),
        ("Phoenix Co.,Ltd.", "Phoenix"),
        ("Prosoft Systems LTD", "Prosoft Systems"),
        ("Schneider Elektronik GmbH", "Schneider Elektronik"),
        ("Schneider Displaytechnik GmbH", "Schneider Displaytechnik"),
    ] {
        assert_eq!(v(raw), expected, "{raw:?}");
    }
    assert_eq!(v("Delta Electronics, Inc."), "Delta Electronics");
}

#[test]
fn unknown_vendors_lose_legal_forms_and_keep_their_spelling() {
    for (raw, expected) in [
        ("ACME SYSTEMS GMBH", "ACME SYSTEMS"),
        ("Dr. Bruno Lange GmbH & Co. KG", "Dr. Bruno Lange"),
        ("Kongsberg Maritime AS", "Kongsberg Maritime"),
        ("Cornell University", "Cornell University"),
        ("Scada Engine", "Scada Engine"),
        ("INFO TECH", "INFO TECH"),
        ("  Namco   Controls Corp. ", "Namco Controls"),
        (
            "ZAP S.A. Ostrow Wielkopolski",
            "ZAP S.A. Ostrow Wielkopolski",
        ),
        ("Anton Paar GmbH", "Anton Paar"),
        // "Company" is part of how some firms are known; only legal forms go.
        ("The Trane Company", "The Trane Company"),
        // The first word is never taken, however it reads.
        ("AG", "AG"),
        // Lower-case short words are words, not legal forms.
        ("systems as", "systems as"),
    ] {
        assert_eq!(v(raw), expected, "{raw:?}");
    }
    assert_eq!(v(""), "");
    assert_eq!(v("   "), "");
    assert!(matches!(
        vendor_name("SIEMENS AG"),
        Cow::Borrowed("Siemens")
    ));
}

#[test]
fn registry_names_of_the_compiled_tables_normalise() {
    // The same manufacturer named by OUI, CIP, BACnet and PROFINET tables reads the same.
    let oui = |mac: [u8; 6]| otwatch_oui::lookup(mac).map(v);
    assert_eq!(oui([0x00, 0x1B, 0x1B, 1, 2, 3]).as_deref(), Some("Siemens"));
    assert_eq!(oui([0x00, 0x0E, 0x8C, 1, 2, 3]).as_deref(), Some("Siemens"));
    assert_eq!(
        oui([0x00, 0x00, 0xBC, 1, 2, 3]).as_deref(),
        Some("Rockwell Automation")
    );
    assert_eq!(
        oui([0x00, 0x80, 0xF4, 1, 2, 3]).as_deref(),
        Some("Schneider Electric")
    );
    assert_eq!(oui([0x00, 0x30, 0xDE, 1, 2, 3]).as_deref(), Some("WAGO"));
    assert_eq!(
        oui([0x00, 0xA0, 0x45, 1, 2, 3]).as_deref(),
        Some("Phoenix Contact")
    );
    assert_eq!(oui([0x00, 0x90, 0xE8, 1, 2, 3]).as_deref(), Some("Moxa"));
    assert_eq!(oui([0x00, 0x80, 0x63, 1, 2, 3]).as_deref(), Some("Belden"));
    assert_eq!(
        oui([0x00, 0x01, 0x05, 1, 2, 3]).as_deref(),
        Some("Beckhoff")
    );
    assert_eq!(
        oui([0x00, 0x02, 0xA2, 1, 2, 3]).as_deref(),
        Some("Hilscher")
    );
    assert_eq!(oui([0x00, 0x00, 0x0C, 1, 2, 3]).as_deref(), Some("Cisco"));

    let cip = |id| cip_vendor(id).map(v);
    assert_eq!(cip(1).as_deref(), Some("Rockwell Automation"));
    assert_eq!(cip(145).as_deref(), Some("Siemens"));
    assert_eq!(cip(243).as_deref(), Some("Schneider Electric"));
    assert_eq!(cip(562).as_deref(), Some("Phoenix Contact"));
    assert_eq!(cip(40).as_deref(), Some("WAGO"));
    assert_eq!(cip(634).as_deref(), Some("Belden"));
    assert_eq!(cip(865).as_deref(), Some("SEL"));

    let bacnet = |id| bacnet_vendor(id).map(v);
    assert_eq!(bacnet(42).as_deref(), Some("Acuity Brands"));
    assert_eq!(bacnet(9).as_deref(), Some("Siemens"));
    assert_eq!(bacnet(10).as_deref(), Some("Schneider Electric"));
    assert_eq!(bacnet(5).as_deref(), Some("Johnson Controls"));
    assert_eq!(bacnet(36).as_deref(), Some("Tridium"));
    assert_eq!(bacnet(226).as_deref(), Some("Phoenix Contact"));

    let pn = |id| profinet_vendor(id).map(v);
    assert_eq!(pn(0x002A).as_deref(), Some("Siemens"));
    assert_eq!(pn(0x00B0).as_deref(), Some("Phoenix Contact"));
    assert_eq!(pn(0x011D).as_deref(), Some("WAGO"));
    assert_eq!(pn(0x0129).as_deref(), Some("Schneider Electric"));
    assert_eq!(pn(0x0002).as_deref(), Some("Rockwell Automation"));
    assert_eq!(pn(0x015A).as_deref(), Some("GE"));
    assert_eq!(pn(0x0377).as_deref(), Some("B&R"));
}

#[test]
fn profinet_ids_seen_on_the_wire_resolve() {
    // DCP Identify responses in the corpus: an S7-300 (vendor 0x002A, device 0x0101) and a
    // GE VersaMax PROFINET scanner IC200PNS001 (vendor 0x015A, device 0x0003).
    assert_eq!(profinet_vendor(0x002A), Some("Siemens"));
    assert_eq!(profinet_vendor(0x015A), Some("GE Intelligent Platforms"));
    assert_eq!(profinet_vendor(0x0120), Some("Beckhoff"));
    assert_eq!(profinet_vendor(0x092F), Some("Pilz"));
    assert_eq!(profinet_vendor(0x0000), None);
    assert_eq!(profinet_vendor(0xFFFF), None);
}

#[test]
fn firmware_versions_take_one_form() {
    for (raw, expected) in [
        ("V3.2.6", "V3.2.6"),
        ("V 3.2.6", "V3.2.6"),
        ("v3.2.6", "V3.2.6"),
        ("3.2.6", "V3.2.6"),
        ("Ver. 3.2.6", "V3.2.6"),
        ("Version 3.2.6", "V3.2.6"),
        ("FW: 3.2.6", "V3.2.6"),
        ("Revision 2.1", "V2.1"),
        ("V03.02.06", "V3.2.6"),
        (" 3.2.6 ", "V3.2.6"),
        // CIP identity revision major.minor, as otwatch reports it for the 1756-ENBT/A.
        ("4.3", "V4.3"),
        ("20.011", "V20.11"),
        // BACnet firmware-revision and application-software-version from the corpus.
        ("2.62", "V2.62"),
        ("0.4.2", "V0.4.2"),
        ("V2.0.0.0", "V2.0.0.0"),
        ("V7", "V7"),
        ("V 0", "V0"),
    ] {
        assert_eq!(firmware(raw), expected, "{raw:?}");
    }
}

#[test]
fn firmware_that_is_not_a_plain_version_stays_as_sent() {
    for (raw, expected) in [
        ("R2.3 build 55", "R2.3 build 55"),
        ("V4.3 (build 5)", "V4.3 (build 5)"),
        ("16-Dec-2004", "16-Dec-2004"),
        ("1.0.0-beta", "1.0.0-beta"),
        ("SW: L2P-09.0.00", "SW: L2P-09.0.00"),
        ("Vendor 3.1", "Vendor 3.1"),
        ("version", "version"),
        ("1.2.3.4.5", "1.2.3.4.5"),
        ("3..2", "3..2"),
        // A bare number could as well be a build or a date.
        ("7", "7"),
        ("  R2.3   build  55 ", "R2.3 build 55"),
        ("", ""),
    ] {
        assert_eq!(firmware(raw), expected, "{raw:?}");
    }
}

#[test]
fn siemens_order_numbers_get_siemens_spacing() {
    for (raw, expected) in [
        ("6ES7315-2EH14-0AB0", "6ES7 315-2EH14-0AB0"),
        ("6ES7 315-2EH14-0AB0 ", "6ES7 315-2EH14-0AB0"),
        ("6ES7 315-2EH14-0AB0", "6ES7 315-2EH14-0AB0"),
        ("6es7 315-2eh14-0ab0", "6ES7 315-2EH14-0AB0"),
        ("6ES73152EH140AB0", "6ES7 315-2EH14-0AB0"),
        // Seen in the corpus captures (SZL and S7comm-plus identity, LLDP).
        ("6ES7 511-1AK00-0AB0", "6ES7 511-1AK00-0AB0"),
        ("6ES7 214-1HE30-0XB0", "6ES7 214-1HE30-0XB0"),
        ("6ES7 151-8AB01-0AB0", "6ES7 151-8AB01-0AB0"),
        ("6GK5 212-2BB00-2AA3", "6GK5 212-2BB00-2AA3"),
        ("6AV2123-2GB03-0AX0", "6AV2 123-2GB03-0AX0"),
        ("6ES5 095-8MA03", "6ES5 095-8MA03"),
        ("6ED1052-1MD00-0BA6", "6ED1 052-1MD00-0BA6"),
    ] {
        let got = order_number(raw);
        if raw.starts_with("6ES5") {
            // S5 numbers have fewer blocks: not a 16-character MLFB, not claimed.
            assert_eq!(got, None, "{raw:?}");
        } else {
            assert_eq!(got.as_deref(), Some(expected), "{raw:?}");
        }
    }
    for raw in [
        "6ES7-31-52EH14-0AB0",
        "6ES7 315-2EH14-0AB",
        "6ES7 315-2EH14-0AB00",
        "7ES7 315-2EH14-0AB0",
        "CPU 315-2 PN/DP",
        "S C-C2UR28922012",
        "SNAP7-SERVER",
    ] {
        assert_eq!(order_number(raw), None, "{raw:?}");
    }
}

#[test]
fn rockwell_catalogue_numbers_are_recognised() {
    for (raw, expected) in [
        ("1756-ENBT/A", "1756-ENBT/A"),
        ("1756-enbt/a", "1756-ENBT/A"),
        ("1769-L33ER", "1769-L33ER"),
        ("1756-L71/B LOGIX5571", "1756-L71/B"),
        ("1766-L32BWA", "1766-L32BWA"),
        ("2711P-T10C4D8", "2711P-T10C4D8"),
        ("22B-D010N104", "22B-D010N104"),
        ("1756 EN2T/D", "1756-EN2T/D"),
    ] {
        assert_eq!(order_number(raw).as_deref(), Some(expected), "{raw:?}");
    }
    for raw in [
        "2024-11-28",
        "1756-",
        "1756-ENBT/ABC",
        "9999-L33",
        "PowerFlex 525",
    ] {
        assert_eq!(order_number(raw), None, "{raw:?}");
    }
}

#[test]
fn schneider_references_lose_label_spaces() {
    for (raw, expected) in [
        ("BMX P34 2020", "BMXP342020"),
        ("BMXP342020", "BMXP342020"),
        ("BMX NOE 0100", "BMXNOE0100"),
        ("BME P58 2040", "BMEP582040"),
        ("140CPU65150", "140CPU65150"),
        ("140 CPU 651 50", "140CPU65150"),
        ("TM221CE24R", "TM221CE24R"),
        ("TSX P57 2634M", "TSXP572634M"),
        ("171CCC96030", "171CCC96030"),
    ] {
        assert_eq!(order_number(raw).as_deref(), Some(expected), "{raw:?}");
    }
    for raw in ["BMX", "BMA P34 2020", "140CPU651", "TM1", "Modicon M340"] {
        assert_eq!(order_number(raw), None, "{raw:?}");
    }
}

#[test]
fn siemens_families() {
    let f = |s| product_family(None, s);
    for (order, family) in [
        ("6ES7 315-2EH14-0AB0", "S7-300 CPU 315-2 PN/DP"),
        ("6ES7315-2EH13-0AB0", "S7-300 CPU 315-2 PN/DP"),
        ("6ES7 315-2AH14-0AB0", "S7-300 CPU 315-2 DP"),
        ("6ES7 315-2FJ14-0AB0", "S7-300 CPU 315F-2 PN/DP"),
        ("6ES7 315-6FF04-0AB0", "S7-300 CPU 315F-2 DP"),
        ("6ES7 315-7TJ10-0AB0", "S7-300 CPU 315T-3 PN/DP"),
        ("6ES7 317-2EK14-0AB0", "S7-300 CPU 317-2 PN/DP"),
        ("6ES7 318-3EL01-0AB0", "S7-300 CPU 319-3 PN/DP"),
        ("6ES7 313-6CG04-0AB0", "S7-300 CPU 313C-2 DP"),
        ("6ES7 314-1AG14-0AB0", "S7-300 CPU 314"),
        ("6ES7 414-3EM07-0AB0", "S7-400 CPU 414-3 PN/DP"),
        ("6ES7 417-4HT14-0AB0", "S7-400H CPU 417-4H"),
        ("6ES7 214-1AD23-0XB0", "S7-200 CPU 224"),
        ("6ES7 214-1HE30-0XB0", "S7-1200 CPU 1214C DC/DC/RLY"),
        ("6ES7 214-1AG40-0XB0", "S7-1200 CPU 1214C DC/DC/DC"),
        ("6ES7 211-1BE31-0XB0", "S7-1200 CPU 1211C AC/DC/RLY"),
        ("6ES7 511-1AK00-0AB0", "S7-1500 CPU 1511-1 PN"),
        ("6ES7 516-3FN01-0AB0", "S7-1500 CPU 1516F-3 PN/DP"),
        ("6ES7 512-1DK01-0AB0", "S7-1500 CPU 1512SP-1 PN (ET 200SP)"),
        ("6ES7 151-8AB01-0AB0", "ET 200S IM 151-8 PN/DP CPU"),
        ("6ES7 155-6AU01-0BN0", "ET 200SP IM 155-6 PN"),
        ("6ES7 153-4AA01-0XB0", "ET 200M IM 153-4 PN"),
        ("6ED1052-1MD00-0BA6", "LOGO! 0BA6"),
        ("6ED1 052-1MD08-0BA1", "LOGO!"),
        ("6GK7 343-1EX30-0XE0", "S7-300 CP 343-1"),
        ("6GK7 343-1GX31-0XE0", "S7-300 CP 343-1 Advanced"),
        ("6GK7 443-1EX30-0XE0", "S7-400 CP 443-1"),
        ("6GK7 543-1AX00-0XE0", "S7-1500 CP 1543-1"),
        ("6GK5 212-2BB00-2AA3", "SCALANCE X212-2"),
        ("6GK5 204-2BB10-2AA3", "SCALANCE X-200"),
        // SIPLUS: the ruggedised twin of the 6ES7 CPU.
        ("6AG1 315-2EH14-7AB0", "S7-300 CPU 315-2 PN/DP"),
    ] {
        assert_eq!(f(order), Some(family), "{order:?}");
    }
    // Generation digit decides between S7-200 and S7-1200 when the letters are not listed.
    assert_eq!(f("6ES7 212-1CB23-0XB0"), Some("S7-200 CPU"));
    assert_eq!(f("6ES7 212-1CE40-0XB0"), Some("S7-1200 CPU"));
    // Signal modules and other lines without a family entry.
    assert_eq!(f("6ES7 321-1BL00-0AA0"), None);
    assert_eq!(f("6ES7 972-0BA12-0XA0"), None);
}

#[test]
fn rockwell_and_schneider_families() {
    let f = |s| product_family(None, s);
    for (order, family) in [
        ("1756-ENBT/A", "ControlLogix EtherNet/IP module"),
        ("1756-L71/B LOGIX5571", "ControlLogix 5570 controller"),
        ("1756-L73S", "GuardLogix controller"),
        ("1756-IB16", "ControlLogix"),
        ("1769-L33ER", "CompactLogix controller"),
        ("1769-L33ERMS", "Compact GuardLogix controller"),
        ("1766-L32BWA", "MicroLogix 1400"),
        ("1763-L16BWA", "MicroLogix 1100"),
        ("1762-L24BWA", "MicroLogix 1200"),
        ("5069-L320ER", "CompactLogix 5380 controller"),
        ("1734-AENT", "POINT I/O"),
        ("1794-AENT", "FLEX I/O"),
        ("2711P-T10C4D8", "PanelView Plus"),
        ("22B-D010N104", "PowerFlex 40"),
        ("25B-D010N104", "PowerFlex 525"),
        ("BMX P34 2020", "Modicon M340"),
        ("BMXNOE0100", "Modicon X80 module (M340)"),
        ("BMEP582040", "Modicon M580"),
        ("140CPU65150", "Modicon Quantum"),
        ("140NOE77101", "Modicon Quantum module"),
        ("TM221CE24R", "Modicon M221"),
        ("TSXP572634M", "Modicon Premium"),
    ] {
        assert_eq!(f(order), Some(family), "{order:?}");
    }
}

#[test]
fn family_needs_the_vendor_to_agree() {
    let order = "6ES7 315-2EH14-0AB0";
    assert_eq!(
        product_family(Some("SIEMENS AG"), order),
        Some("S7-300 CPU 315-2 PN/DP")
    );
    assert_eq!(
        product_family(Some(""), order),
        Some("S7-300 CPU 315-2 PN/DP")
    );
    assert_eq!(product_family(Some("Rockwell Automation"), order), None);
    assert_eq!(product_family(Some("ACME"), order), None);
    assert_eq!(
        product_family(Some("Rockwell Automation/Allen-Bradley"), "1756-ENBT/A"),
        Some("ControlLogix EtherNet/IP module")
    );
    assert_eq!(
        product_family(Some("TELEMECANIQUE ELECTRIQUE"), "BMX P34 2020"),
        Some("Modicon M340")
    );
    // Model names are not order numbers.
    assert_eq!(product_family(Some("Siemens"), "CPU 315-2 PN/DP"), None);
    assert_eq!(product_family(None, ""), None);
}

#[test]
fn every_table_states_source_date_and_size() {
    let t = tables();
    let names: Vec<&str> = t.iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "IEEE OUI (MAC address blocks)",
            "ODVA CIP vendor ids",
            "ASHRAE BACnet vendor ids",
            "PI PROFINET vendor ids",
            "Vendor name spellings",
            "Product families of order numbers",
        ]
    );
    for table in &t {
        assert!(table.entries > 20, "{table:?}");
        assert!(
            !table.source.is_empty() && !table.source.contains("unknown"),
            "{table:?}"
        );
        assert!(
            table.date.len() >= 10 && table.date.as_bytes()[4] == b'-',
            "a date first: {table:?}"
        );
    }
    let pn = &t[3];
    assert_eq!(pn.entries, 133);
    assert!(
        pn.source.starts_with("PI Manufacturer ID table"),
        "{}",
        pn.source
    );
    assert!(pn.date.starts_with("2026-11-28"), "{}", pn.date);
}

#[test]
fn hostile_text_never_panics() {
    let long = "x".repeat(10_000);
    for raw in [
        "\u{0}\u{1}",
        "ÄÖÜ GmbH",
        "6ÉS7 315-2EH14-0AB0",
        "V\u{300}3.2",
        "---",
        "&",
        "& Co. KG",
        long.as_str(),
        "1756-/",
        "BM",
        "140",
        "🙂 Inc.",
    ] {
        let _ = vendor_name(raw);
        let _ = firmware(raw);
        let _ = order_number(raw);
        let _ = product_family(Some(raw), raw);
        let _ = product_family(None, raw);
    }
}

#[test]
fn the_documentation_lists_every_table_with_its_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/inventory.md");
    let doc = std::fs::read_to_string(path).expect("docs/inventory.md is part of the repository");
    let section = doc
        .split("## Vendor tables")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Vendor tables section");
    for table in tables() {
        let row = section
            .lines()
            .find(|l| l.starts_with(&format!("| {} |", table.name)))
            .unwrap_or_else(|| panic!("no row for {}", table.name));
        let date = &table.date[..10];
        assert!(
            row.contains(date),
            "{} should state {date}: {row}",
            table.name
        );
        if table.name.contains("vendor ids") || table.name.starts_with("IEEE") {
            let digits = table.entries.to_string();
            let mut grouped = String::new();
            for (i, d) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(d);
            }
            assert!(
                row.contains(&format!("| {grouped}")),
                "{} should state {grouped} entries: {row}",
                table.name
            );
        }
    }
}

#[test]
fn what_otwatch_reports_on_the_corpus_normalises() {
    // Vendor values of assets after analysing the corpus's S7, PROFINET, EtherNet/IP, BACnet,
    // IEC 61850, MELSEC, Omron and OPC captures: protocol identity and OUI names.
    for (raw, expected) in [
        ("Siemens AG", "Siemens"),
        ("SIEMENS AG", "Siemens"),
        ("Siemens Numerical Control Ltd., Nanjing", "Siemens"),
        ("Siemens Schweiz AG (Formerly: Cerberus AG)", "Siemens"),
        ("RuggedCom Inc.", "Siemens"),
        ("Rockwell Automation/Allen-Bradley", "Rockwell Automation"),
        ("Rockwell Automation", "Rockwell Automation"),
        ("ABB INDUSTRIAL SYSTEMS AB", "ABB"),
        ("Beckhoff", "Beckhoff"),
        ("Beckhoff Automation GmbH", "Beckhoff"),
        ("Intelligent Platforms, LLC.", "GE"),
        (
            "Mitsubishi Electric Building Techno-Service Co., Ltd.",
            "Mitsubishi Electric",
        ),
        ("Acuity Brands Lighting, Inc.", "Acuity Brands"),
        ("Automated Logic Corporation", "Automated Logic"),
        ("AutomatedLogic Corporation", "Automated Logic"),
        ("JCI Systems Integration Services", "Johnson Controls"),
        ("Yamatake Building Systems Co., Ltd.", "Azbil"),
        ("Hitachi Energy Switzerland Ltd", "Hitachi"),
        ("SAMSON AG", "SAMSON"),
        ("Cisco Systems, Inc", "Cisco"),
        ("WILO SE", "WILO"),
        ("Xxter bv", "Xxter"),
        ("AREVA T&D Corporation", "AREVA T&D"),
        (
            "LCFC(HeFei) Electronics Technology co., ltd",
            "LCFC(HeFei) Electronics Technology",
        ),
        (
            "Elitegroup Computer Systems Co.,Ltd.",
            "Elitegroup Computer Systems",
        ),
        ("OpenGeneral Pty., Ltd.", "OpenGeneral"),
        ("Phoenix Controls Corporation", "Phoenix Controls"),
        ("Scada Engine", "Scada Engine"),
        // Modbus Read Device Identification (vendor name object, and the server id text).
        ("Zeek Modbus Test", "Zeek Modbus Test"),
        ("Wingpath Limited", "Wingpath"),
    ] {
        assert_eq!(v(raw), expected, "{raw:?}");
    }
    // Firmware as the protocols state it: S7 SZL, CIP identity, BACnet, OPC UA build info.
    for (raw, expected) in [
        ("V3.2.6", "V3.2.6"),
        ("V1.0", "V1.0"),
        ("4.3", "V4.3"),
        ("0.0.7", "V0.0.7"),
        ("2.11.2228", "V2.11.2228"),
        ("01.00 01.06", "01.00 01.06"),
        ("1.2.3.6", "V1.2.3.6"),
    ] {
        assert_eq!(firmware(raw), expected, "{raw:?}");
    }
    // Order numbers from S7 SZL and S7comm-plus identity, and the CIP product name.
    for (raw, family) in [
        ("6ES7 315-2EH14-0AB0", "S7-300 CPU 315-2 PN/DP"),
        ("6ES7 151-8AB01-0AB0", "ET 200S IM 151-8 PN/DP CPU"),
        ("6ES7 211-1BE31-0XB0", "S7-1200 CPU 1211C AC/DC/RLY"),
        ("6ES7 214-1HE30-0XB0", "S7-1200 CPU 1214C DC/DC/RLY"),
        ("6ES7 511-1AK00-0AB0", "S7-1500 CPU 1511-1 PN"),
    ] {
        assert_eq!(order_number(raw).as_deref(), Some(raw));
        assert_eq!(
            product_family(Some("Siemens AG"), raw),
            Some(family),
            "{raw:?}"
        );
    }
    assert_eq!(
        product_family(Some("Rockwell Automation/Allen-Bradley"), "1756-ENBT/A"),
        Some("ControlLogix EtherNet/IP module")
    );
    // Model names that are not order numbers get no family.
    for model in [
        "CPU 315-2 PN/DP",
        "IM151-8 PN/DP CPU",
        "S7-300EC",
        "CP1L-EL20DR-D",
    ] {
        assert_eq!(order_number(model), None, "{model:?}");
    }
}
