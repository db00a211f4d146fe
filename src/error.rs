//! Errors that stop a command before or outside validation: usage and I/O
//! problems (exit 2). Invalid data is not an error here: it is diagnostics.

use std::path::Path;

/// A usage or I/O problem: one plain line on stderr, exit 2.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag value or argument that cannot be used.
    #[error("{0}")]
    Usage(String),
    /// A file that cannot be read or written.
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

impl Error {
    pub fn io(path: &Path, err: &std::io::Error) -> Self {
        Error::Io {
            path: path.display().to_string(),
            message: describe_io(err),
        }
    }
}

/// An I/O error in plain words, without the `(os error N)` noise.
pub fn describe_io(err: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match err.kind() {
        K::NotFound => "no such file".to_string(),
        K::PermissionDenied => "permission denied".to_string(),
        K::IsADirectory => "is a directory, not a file".to_string(),
        K::StorageFull => "no space left on the device".to_string(),
        K::FileTooLarge => "the file is too large for this device or limit".to_string(),
        _ => {
            let text = err.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}
