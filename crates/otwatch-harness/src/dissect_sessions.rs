//! Input: the first byte picks a reader, the rest is the start of a stream chunk: 0 SMB
//! (NetBIOS session message, SMB1/SMB2, NTLMSSP), 1 RDP connection request and confirm,
//! 2 RFB version and security types, 3 FTP control lines, 4 an SSH banner.

use otwatch_dissect::sessions;

/// Drives the decoder with `data`, as described above; never panics on any input.
pub fn run(data: &[u8]) {
    let Some((&which, chunk)) = data.split_first() else {
        return;
    };
    match which % 5 {
        0 => {
            let _ = std::hint::black_box(sessions::smb_message(chunk));
        }
        1 => {
            let _ = std::hint::black_box(sessions::rdp_request(chunk));
            if let Some(sessions::RdpConfirm::Selected(p)) = sessions::rdp_confirm(chunk) {
                let _ = std::hint::black_box(sessions::rdp_protocols(p));
            }
        }
        2 => {
            let _ = std::hint::black_box(sessions::rfb_version(chunk));
            let _ = std::hint::black_box(sessions::rfb_security_types(chunk));
        }
        3 => {
            let _ = std::hint::black_box(sessions::ftp_lines(chunk));
        }
        _ => {
            let _ = std::hint::black_box(sessions::ssh_banner(chunk));
        }
    }
}
