//! Input: a declared-inventory CSV file as a site would export it. Parsing either yields
//! the declared assets or an error naming the line; it never panics, whatever the bytes.

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    match otwatch_inventory::declared::parse_declared("fuzz.csv", data) {
        Ok(file) => {
            std::hint::black_box(file);
        }
        Err(e) => {
            std::hint::black_box(e.to_string());
        }
    }
}
