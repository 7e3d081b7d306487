//! Checking generated captures with tshark: every frame must dissect without a malformed
//! packet or an error-level expert finding.
//!
//! Used by the simulator's tests and by the end-to-end tests of `otwatch simulate`. tshark is
//! a Debian package; [`ensure_installed`] installs it with apt-get when the tests run as
//! root and it is missing, so the test command works on a fresh machine.

use std::path::Path;
use std::process::Command;

/// What tshark reported about a capture.
#[derive(Debug, Default)]
pub struct TsharkReport {
    /// Frames in the capture.
    pub frames: usize,
    /// Frames tshark marked malformed or with an error-level expert finding, as
    /// "frame N: protocols: message".
    pub problems: Vec<String>,
}

/// Makes sure `tshark` can run; installs the Debian package when running as root.
pub fn ensure_installed() -> Result<(), String> {
    if tshark_runs() {
        return Ok(());
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !is_root {
        return Err("tshark is not installed; install it with `apt-get install tshark` (Debian) and run the tests again".into());
    }
    let status = Command::new("sh")
        .arg("-c")
        .arg("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tshark >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tshark >/dev/null 2>&1)")
        .status()
        .map_err(|e| format!("cannot run apt-get to install tshark: {e}"))?;
    if status.success() && tshark_runs() {
        Ok(())
    } else {
        Err(
            "installing tshark with apt-get failed; install the Debian package tshark by hand"
                .into(),
        )
    }
}

fn tshark_runs() -> bool {
    Command::new("tshark")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Runs tshark over `capture` and collects malformed frames and error-level expert
/// findings. TCP analysis findings are not errors at that level, so a capture that tshark
/// reads cleanly reports none.
pub fn check(capture: &Path) -> Result<TsharkReport, String> {
    ensure_installed()?;
    let output = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(capture)
        .args([
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-e",
            "frame.number",
            "-e",
            "frame.protocols",
            "-e",
            "_ws.malformed",
            "-e",
            "_ws.expert.severity",
            "-e",
            "_ws.expert.message",
        ])
        .output()
        .map_err(|e| format!("cannot run tshark: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "tshark failed on {}: {}",
            capture.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut report = TsharkReport::default();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        report.frames += 1;
        let fields: Vec<&str> = line.split('|').collect();
        let (number, protocols) = (
            fields.first().copied().unwrap_or(""),
            fields.get(1).copied().unwrap_or(""),
        );
        let malformed = fields.get(2).is_some_and(|f| !f.is_empty());
        // Expert severities: 0x00800000 is "error"; several findings come comma-separated.
        let error = fields.get(3).is_some_and(|f| {
            f.split(',').any(|s| {
                let s = s.trim();
                let value = s
                    .strip_prefix("0x")
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| s.parse::<u32>().ok());
                value.is_some_and(|v| v >= 0x0080_0000)
            })
        });
        if malformed || error || protocols.contains("malformed") {
            report.problems.push(format!(
                "frame {number}: {protocols}: {}",
                fields.get(4).copied().unwrap_or("")
            ));
        }
    }
    Ok(report)
}

/// How many frames of `capture` tshark dissects as `protocol` (a display filter such as
/// `s7comm` or `cip`).
pub fn count_matching(capture: &Path, filter: &str) -> Result<usize, String> {
    ensure_installed()?;
    let output = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(capture)
        .args(["-Y", filter, "-T", "fields", "-e", "frame.number"])
        .output()
        .map_err(|e| format!("cannot run tshark: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "tshark -Y {filter} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).lines().count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame;
    use std::net::Ipv4Addr;

    /// The check must see a broken frame: an S7 job whose parameter length runs past the
    /// end of the data is reported malformed by tshark.
    #[test]
    fn a_malformed_frame_is_reported() {
        let client = [0x00, 0x1c, 0x06, 0x11, 0x22, 0x33];
        let server = [0x00, 0x1b, 0x1b, 0x0a, 0x3c, 0x11];
        // TPKT + COTP DT + S7 header claiming 0x40 bytes of parameters that are not there.
        let payload = [
            0x03, 0x00, 0x00, 0x19, 0x02, 0xf0, 0x80, 0x32, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00,
            0x40, 0x00, 0x00, 0x04, 0x01, 0x12, 0x0a, 0x10, 0x02, 0x00, 0x01,
        ];
        let bad = frame::ipv4_tcp(
            client,
            server,
            Ipv4Addr::new(10, 0, 0, 1),
            Ipv4Addr::new(10, 0, 0, 2),
            49_200,
            102,
            1,
            1,
            frame::TCP_PSH | frame::TCP_ACK,
            8192,
            7,
            &payload,
        );
        let capture =
            crate::pcap::pcap_to_vec([(1_700_000_000_000_000i64, bad.as_slice())]).unwrap();
        let dir = tempdir();
        let path = dir.join("malformed.pcap");
        std::fs::write(&path, capture).unwrap();
        let report = check(&path).unwrap();
        assert_eq!(report.frames, 1);
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    }

    fn tempdir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("otwatch-tshark-check-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
