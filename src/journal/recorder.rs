//! The record file (`serve --record FILE`): one exchange per line, and none lost.
//!
//! Lines are written with group commit, by the requests themselves: a request appends its
//! line to the batch and then waits for it; the first waiting request to find no write
//! under way takes the whole batch and writes it in one call, and every line appended
//! meanwhile goes out in the next write, made by one of the requests waiting for them.
//! A response waits for its [`RecordTicket`], so a line is in the file before its
//! response is sent, even if the mock is then killed. No thread of its own: a writer
//! thread cost two context switches per batch, which on a busy machine was most of the
//! price of recording. A write blocks its tokio worker for as long as the page cache takes
//! to copy a batch (a few microseconds). Dropping the recorder writes what is left.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

/// An open record file.
#[derive(Debug)]
pub struct Recorder {
    shared: Arc<Shared>,
}

/// The record file cannot be created.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot create the record file", path.display())]
pub struct RecorderError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

#[derive(Debug)]
struct Shared {
    file: File,
    path: PathBuf,
    batch: Mutex<Batch>,
    /// The number of the last line in the file (or given up on after a write error).
    written: watch::Sender<u64>,
}

/// Lines waiting to be written; `last` numbers the last line appended; `writing` is set
/// while a request writes a batch; `spare` is the buffer of the batch before, kept empty.
#[derive(Debug, Default)]
struct Batch {
    lines: Vec<u8>,
    last: u64,
    writing: bool,
    spare: Vec<u8>,
}

/// A line handed to the record file; [`RecordTicket::written`] resolves once it is in the
/// file.
#[derive(Debug)]
pub struct RecordTicket {
    line: u64,
    shared: Arc<Shared>,
}

impl RecordTicket {
    /// Waits until the line is in the file, writing it (and the lines around it) if no
    /// other request is writing.
    pub async fn written(self) {
        // Let the other requests ready on this worker append their lines first, so that
        // one write takes them all (without this, a batch is rarely more than two lines).
        tokio::task::yield_now().await;
        let mut written = self.shared.written.subscribe();
        loop {
            if *written.borrow_and_update() >= self.line {
                return;
            }
            if !self.shared.write_batch() {
                // Another request is writing the batch that holds this line. The sender
                // lives in `shared`, which this ticket holds, so waiting cannot fail.
                let _ = written.changed().await;
            }
        }
    }
}

impl Recorder {
    /// Creates (or empties) the record file at `path`.
    pub fn create(path: &Path) -> Result<Self, RecorderError> {
        let file = File::create(path).map_err(|source| RecorderError {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            shared: Arc::new(Shared {
                file,
                path: path.to_owned(),
                batch: Mutex::default(),
                written: watch::Sender::new(0),
            }),
        })
    }

    /// Adds the JSON of one exchange to the batch, as one line.
    pub fn append(&self, json: &[u8]) -> RecordTicket {
        let mut batch = self.shared.batch();
        batch.lines.extend_from_slice(json);
        batch.lines.push(b'\n');
        batch.last += 1;
        RecordTicket {
            line: batch.last,
            shared: Arc::clone(&self.shared),
        }
    }
}

impl Drop for Recorder {
    /// Writes the lines of requests that stopped waiting (their client went away).
    fn drop(&mut self) {
        while self.shared.write_batch() {}
    }
}

impl Shared {
    fn batch(&self) -> MutexGuard<'_, Batch> {
        self.batch
            .lock()
            .expect("the record batch lock is never poisoned")
    }

    /// Writes the waiting lines, unless another request is writing or none wait. Returns
    /// whether it wrote.
    fn write_batch(&self) -> bool {
        let (lines, last) = {
            let mut batch = self.batch();
            if batch.writing || batch.lines.is_empty() {
                return false;
            }
            batch.writing = true;
            let spare = std::mem::take(&mut batch.spare);
            (std::mem::replace(&mut batch.lines, spare), batch.last)
        };
        if let Err(err) = (&self.file).write_all(&lines) {
            eprintln!(
                "gately-mock: {}: exchanges up to {last} not recorded: {err}",
                self.path.display()
            );
        }
        let mut batch = self.batch();
        batch.writing = false;
        batch.spare = lines;
        batch.spare.clear();
        // Announced under the lock, with `writing` cleared: a request that finds its line
        // neither waiting nor being written finds it announced.
        self.written.send_replace(last);
        true
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_requests_each_find_their_line_written_and_every_line_is_written_once() {
        let path =
            std::env::temp_dir().join(format!("gately-recorder-many-{}.jsonl", std::process::id()));
        let recorder = Arc::new(Recorder::create(&path).unwrap());

        let tasks: Vec<_> = (0..400)
            .map(|i| {
                let (recorder, path) = (Arc::clone(&recorder), path.clone());
                tokio::spawn(async move {
                    let line = format!("{{\"n\":{i}}}");
                    recorder.append(line.as_bytes()).written().await;
                    let text = std::fs::read_to_string(&path).unwrap();
                    assert!(
                        text.lines().any(|kept| kept == line),
                        "{line} not yet written"
                    );
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }

        let text = std::fs::read_to_string(&path).unwrap();
        let mut numbers: Vec<u32> = text
            .lines()
            .map(|line| line[5..line.len() - 1].parse().unwrap())
            .collect();
        numbers.sort_unstable();
        assert_eq!(numbers, (0..400).collect::<Vec<_>>());
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
