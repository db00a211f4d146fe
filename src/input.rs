//! Reading input files: a path, or `-` for standard input. Directories,
//! sockets and devices are refused with a plain message; named pipes are
//! read as streams.

use std::io::Read;
use std::path::Path;

use crate::error::Error;

/// Reads a whole input file.
pub fn read(path: &Path) -> Result<Vec<u8>, Error> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| Error::io(Path::new("<stdin>"), &e))?;
        return Ok(buf);
    }
    let meta = std::fs::metadata(path).map_err(|e| {
        if e.raw_os_error() == Some(40) {
            Error::Io {
                path: path.display().to_string(),
                message: "symbolic link loop".to_string(),
            }
        } else if e.kind() == std::io::ErrorKind::NotFound
            && std::fs::symlink_metadata(path).is_ok()
        {
            Error::Io {
                path: path.display().to_string(),
                message: "dangling symbolic link".to_string(),
            }
        } else {
            Error::io(path, &e)
        }
    })?;
    let kind = file_kind(&meta);
    if let Some(kind) = kind {
        return Err(Error::Io {
            path: path.display().to_string(),
            message: format!("is {kind}, not a file"),
        });
    }
    std::fs::read(path).map_err(|e| Error::io(path, &e))
}

/// `Some(description)` for what cannot be read as a data file.
fn file_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    let ft = meta.file_type();
    if ft.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_socket() {
            return Some("a socket");
        }
        if ft.is_block_device() || ft.is_char_device() {
            return Some("a device");
        }
    }
    None
}
