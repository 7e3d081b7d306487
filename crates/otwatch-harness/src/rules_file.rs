//! Input: the text of a user rules file. Checking it either counts its rules or lists its
//! problems with line numbers; it never panics, whatever the TOML holds.

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match otwatch_detect::check_file("fuzz.toml", text) {
        Ok(n) => {
            std::hint::black_box(n);
        }
        Err(errors) => {
            std::hint::black_box(errors.to_string());
        }
    }
}
