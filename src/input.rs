//! Reading input files: a path, or `-` for standard input. Directories,
//! sockets and devices are refused with a plain message; named pipes are
//! read as streams.

use std::io::Read;
use std::path::Path;

use crate::error::Error;

/// Reads a whole input file.
pub fn read(path: &Path) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    let shown = if path.as_os_str() == "-" {
        Path::new("<stdin>")
    } else {
        path
    };
    open(path)?
        .read_to_end(&mut buf)
        .map_err(|e| Error::io(shown, &e))?;
    Ok(buf)
}

/// Opens an input file to stream it (`-` is standard input).
pub fn open(path: &Path) -> Result<Box<dyn Read>, Error> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin()));
    }
    let meta = std::fs::metadata(path).map_err(|e| {
        let io = |message: &str| Error::Io {
            path: path.display().to_string(),
            message: message.to_string(),
        };
        if e.raw_os_error() == Some(40) {
            io("symbolic link loop")
        } else if e.kind() == std::io::ErrorKind::NotFound
            && std::fs::symlink_metadata(path).is_ok()
        {
            io("dangling symbolic link")
        } else {
            Error::io(path, &e)
        }
    })?;
    if let Some(kind) = file_kind(&meta) {
        return Err(Error::Io {
            path: path.display().to_string(),
            message: format!("is {kind}, not a file"),
        });
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
    Ok(Box::new(std::io::BufReader::with_capacity(1 << 20, file)))
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
