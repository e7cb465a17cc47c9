//! The record file (`serve --record FILE`): one exchange per line, and none lost.
//!
//! Lines are written by a thread of their own with group commit: every line that arrives
//! while a write is under way goes out in the next single write. A request's response
//! waits for its [`RecordTicket`], so a line is in the file before its response is sent,
//! even if the mock is then killed; under load a few hundred lines share one write call.
//! Dropping the recorder writes what is left and closes the file.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use tokio::sync::watch;

/// An open record file and its writer thread.
#[derive(Debug)]
pub struct Recorder {
    shared: Arc<Shared>,
    written: watch::Receiver<u64>,
    writer: Option<JoinHandle<()>>,
}

/// The record file cannot be created.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot create the record file", path.display())]
pub struct RecorderError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

#[derive(Debug, Default)]
struct Shared {
    batch: Mutex<Batch>,
    ready: Condvar,
}

/// Lines waiting for the writer; `last` numbers the last line appended; `idle` is set
/// while the writer sleeps, so that only the first line of a batch pays for waking it.
#[derive(Debug, Default)]
struct Batch {
    lines: Vec<u8>,
    last: u64,
    closed: bool,
    idle: bool,
}

/// A line handed to the writer; [`RecordTicket::written`] resolves once it is in the file.
#[derive(Debug)]
pub struct RecordTicket {
    line: u64,
    written: watch::Receiver<u64>,
}

impl RecordTicket {
    /// Waits until the line is in the file (or the writer is gone).
    pub async fn written(mut self) {
        let line = self.line;
        let _ = self.written.wait_for(|written| *written >= line).await;
    }
}

impl Recorder {
    /// Creates (or empties) the record file at `path` and starts its writer.
    pub fn create(path: &Path) -> Result<Self, RecorderError> {
        let file = File::create(path).map_err(|source| RecorderError {
            path: path.to_owned(),
            source,
        })?;
        let shared = Arc::new(Shared::default());
        let (done, written) = watch::channel(0);
        let writer = std::thread::Builder::new()
            .name("gately-record".to_owned())
            .spawn({
                let shared = Arc::clone(&shared);
                let path = path.to_owned();
                move || write_batches(&shared, file, &path, &done)
            })
            .map_err(|source| RecorderError {
                path: path.to_owned(),
                source,
            })?;
        Ok(Self {
            shared,
            written,
            writer: Some(writer),
        })
    }

    /// Hands the JSON of one exchange to the writer, as one line.
    pub fn append(&self, json: &[u8]) -> RecordTicket {
        let (line, wake) = {
            let mut batch = self
                .shared
                .batch
                .lock()
                .expect("the record batch lock is never poisoned");
            batch.lines.extend_from_slice(json);
            batch.lines.push(b'\n');
            batch.last += 1;
            (batch.last, std::mem::take(&mut batch.idle))
        };
        if wake {
            self.shared.ready.notify_one();
        }
        RecordTicket {
            line,
            written: self.written.clone(),
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.shared
            .batch
            .lock()
            .expect("the record batch lock is never poisoned")
            .closed = true;
        self.shared.ready.notify_all();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// The writer thread: takes whatever has been appended, writes it in one call, reports the
/// last line written; until the recorder is dropped and nothing is left.
fn write_batches(shared: &Shared, mut file: File, path: &Path, done: &watch::Sender<u64>) {
    let mut spare = Vec::new();
    loop {
        let last = {
            let mut batch = shared
                .batch
                .lock()
                .expect("the record batch lock is never poisoned");
            while batch.lines.is_empty() && !batch.closed {
                batch.idle = true;
                batch = shared
                    .ready
                    .wait(batch)
                    .expect("the record batch lock is never poisoned");
            }
            batch.idle = false;
            if batch.lines.is_empty() {
                return;
            }
            std::mem::swap(&mut batch.lines, &mut spare);
            batch.last
        };
        if let Err(err) = file.write_all(&spare) {
            eprintln!(
                "gately-mock: {}: exchanges up to {last} not recorded: {err}",
                path.display()
            );
        }
        spare.clear();
        done.send_replace(last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_line_is_in_the_file_once_its_ticket_resolves() {
        let path =
            std::env::temp_dir().join(format!("gately-recorder-{}.jsonl", std::process::id()));
        let recorder = Recorder::create(&path).unwrap();

        let tickets: Vec<RecordTicket> = (0..100)
            .map(|i| recorder.append(format!("{{\"n\":{i}}}").as_bytes()))
            .collect();
        for ticket in tickets {
            ticket.written().await;
        }

        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 100);
        assert_eq!(text.lines().last(), Some("{\"n\":99}"));
        drop(recorder);
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn dropping_the_recorder_writes_what_is_left() {
        let path =
            std::env::temp_dir().join(format!("gately-recorder-drop-{}.jsonl", std::process::id()));
        let recorder = Recorder::create(&path).unwrap();
        for i in 0..10 {
            let _ = recorder.append(format!("{{\"n\":{i}}}").as_bytes());
        }
        drop(recorder);
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 10);
        std::fs::remove_file(path).unwrap();
    }
}
