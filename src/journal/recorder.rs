//! The record file (`serve --record FILE`): one exchange per line, written before its
//! response is sent, so that no answered request is missing from the file, even if the
//! mock is killed.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// An open record file.
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    file: Mutex<File>,
}

/// The record file cannot be created.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot create the record file", path.display())]
pub struct RecorderError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

impl Recorder {
    /// Creates (or empties) the record file at `path`.
    pub fn create(path: &Path) -> Result<Self, RecorderError> {
        let file = File::create(path).map_err(|source| RecorderError {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            path: path.to_owned(),
            file: Mutex::new(file),
        })
    }

    /// Appends the JSON of exchange `seq` as one line, in one write.
    pub fn append(&self, json: &[u8], seq: u64) {
        let mut line = Vec::with_capacity(json.len() + 1);
        line.extend_from_slice(json);
        line.push(b'\n');
        let mut file = self
            .file
            .lock()
            .expect("the record file lock is never poisoned");
        if let Err(err) = file.write_all(&line) {
            eprintln!(
                "gately-mock: {}: exchange {seq} not recorded: {err}",
                self.path.display()
            );
        }
    }
}
