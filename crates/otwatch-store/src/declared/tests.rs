use super::*;
use otwatch_inventory::declared::parse_declared;

#[test]
fn an_import_replaces_the_declared_set_and_is_remembered() {
    let mut store = Store::open_in_memory().unwrap();
    assert!(store.declared().unwrap().is_none());
    let first = parse_declared(
        "v1.csv",
        b"name,ip,mac,role,purdue_level,owner\nplc1,10.0.0.1,00:00:00:00:00:01,PLC,1,Ops\nhmi1,10.0.0.2,,HMI,2,\n",
    )
    .unwrap();
    let (import, replaced) = store
        .replace_declared("v1.csv", "alice", &first.devices)
        .unwrap();
    assert_eq!((import.devices, replaced), (2, 0));
    let (shown, devices) = store.declared().unwrap().unwrap();
    assert_eq!(shown, import);
    assert_eq!(
        devices, first.devices,
        "every column reads back as imported"
    );

    let second = parse_declared("v2.csv", b"name;serial\nrtu7;SN-7\n").unwrap();
    let (import2, replaced) = store
        .replace_declared("v2.csv", "bob", &second.devices)
        .unwrap();
    assert_eq!(replaced, 2);
    let (shown, devices) = store.declared().unwrap().unwrap();
    assert_eq!(shown.file, "v2.csv");
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].serial.as_deref(), Some("SN-7"));
    let imports = store.declared_imports().unwrap();
    assert_eq!(imports.len(), 2);
    assert_eq!((imports[0].id, imports[0].by.as_str()), (import2.id, "bob"));
    assert!(imports[1].imported_at.ends_with('Z'));
}
