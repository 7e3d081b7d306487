//! Streaming readers for capture files: classic pcap (micro- and nanosecond, either byte
//! order) and pcapng (several sections and interfaces), optionally gzip-compressed.
//!
//! The format is told by the magic number, never by the file name. Packets are handed out
//! one at a time as borrowed slices of an internal buffer, so reading allocates nothing
//! per packet. A file that ends in the middle of a record or holds an impossible record
//! yields every packet before the damage, then an error naming the file and byte offset.

mod reader;

pub use reader::{CaptureReader, Packet};

use std::path::{Path, PathBuf};

/// What went wrong with a capture file. Every variant names the file; damage also names
/// the byte offset (in the decompressed stream for gzip files).
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    // The cause is part of the message and deliberately not an error source: reports that
    // print the source chain would otherwise say it twice.
    #[error("{path}: cannot read: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(
        "{path}: not a capture file (starts with {magic}); otwatch reads pcap and pcapng files, \
         optionally gzip-compressed"
    )]
    NotACapture { path: PathBuf, magic: String },
    #[error("{path}: file ends inside a {what} at byte offset {offset}; the packets before it were analysed")]
    Truncated {
        path: PathBuf,
        offset: u64,
        what: &'static str,
    },
    #[error("{path}: damaged {what} at byte offset {offset}; the packets before it were analysed")]
    Corrupt {
        path: PathBuf,
        offset: u64,
        what: &'static str,
    },
}

impl CaptureError {
    /// True when the file was readable up to some point and the valid part was analysed:
    /// the caller exits with the "damaged input" status rather than a failure.
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            CaptureError::Truncated { .. } | CaptureError::Corrupt { .. }
        )
    }
}

/// Which kind of file a magic number says this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Pcap,
    PcapNg,
    Gzip,
    Other,
}

/// Tells the format from the first four bytes of a file.
pub fn sniff(magic: &[u8]) -> Sniffed {
    match magic {
        [0xd4, 0xc3, 0xb2, 0xa1, ..]
        | [0xa1, 0xb2, 0xc3, 0xd4, ..]
        | [0x4d, 0x3c, 0xb2, 0xa1, ..]
        | [0xa1, 0xb2, 0x3c, 0x4d, ..] => Sniffed::Pcap,
        [0x0a, 0x0d, 0x0d, 0x0a, ..] => Sniffed::PcapNg,
        [0x1f, 0x8b, ..] => Sniffed::Gzip,
        _ => Sniffed::Other,
    }
}

fn sniff_file(path: &Path) -> std::io::Result<Sniffed> {
    use std::io::Read;
    let mut magic = [0u8; 4];
    let mut file = std::fs::File::open(path)?;
    let mut got = 0;
    while got < 4 {
        let n = file.read(&mut magic[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(sniff(&magic[..got]))
}

/// The capture files named on the command line: files as given (a file that is not a
/// capture is reported by the reader), folders searched recursively for files whose magic
/// says capture. The second list holds folder entries skipped as not captures.
pub fn expand_inputs(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<PathBuf>), CaptureError> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|cause| CaptureError::Io {
            path: path.clone(),
            cause,
        })?;
        if meta.is_dir() {
            walk(path, &mut files, &mut skipped)?;
        } else {
            files.push(path.clone());
        }
    }
    Ok((files, skipped))
}

fn walk(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    skipped: &mut Vec<PathBuf>,
) -> Result<(), CaptureError> {
    let io = |cause| CaptureError::Io {
        path: dir.to_path_buf(),
        cause,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            walk(&entry, files, skipped)?;
        } else if entry.is_file() {
            match sniff_file(&entry) {
                Ok(Sniffed::Other) | Err(_) => skipped.push(entry),
                Ok(_) => files.push(entry),
            }
        }
    }
    Ok(())
}
