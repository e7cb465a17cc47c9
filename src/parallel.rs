//! Work shared out over the machine's cores, for the few places where one pass over every
//! contact is the whole cost of start-up (reading `contacts.json`, indexing a store).

/// How many cores the machine has (1 when it cannot tell), asked once.
pub(crate) fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
}

/// `a` and `b`, two halves of work on `items` items, at once, `b` on a thread of its own;
/// one after the other on one core or when there are fewer than `per_thread` items (a thread
/// costs more: the built-in set of a dozen contacts is reset between every two tests).
pub(crate) fn join<A: Send, B: Send>(
    items: usize,
    per_thread: usize,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if cores() == 1 || items < per_thread {
        return (a(), b());
    }
    std::thread::scope(|scope| {
        let other = scope.spawn(b);
        let a = a();
        let b = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (a, b)
    })
}

/// `work` on consecutive chunks of `items`, one chunk per core (on the calling thread alone
/// when there are fewer than `per_thread` items per core): each chunk's result, in order,
/// with the index of its first item.
pub(crate) fn chunks<T: Sync, R: Send>(
    items: &[T],
    per_thread: usize,
    work: impl Fn(usize, &[T]) -> R + Sync,
) -> Vec<R> {
    let threads = cores().min(items.len().div_ceil(per_thread.max(1))).max(1);
    if threads == 1 {
        return vec![work(0, items)];
    }
    let chunk = items.len().div_ceil(threads);
    let work = &work;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .enumerate()
            .map(|(n, part)| scope.spawn(move || work(n * chunk, part)))
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// The text of the file at `path`, its two halves read at once on two cores when it is a
/// large regular file: the copy out of the page cache, and the faulting-in of the new pages
/// it is copied to, were 33 ms of start-up for a 50 MiB `contacts.json` read on one core,
/// 20 on two. Anything else (a small file, a pipe, the file changing size as it is read,
/// text that is not UTF-8) is read whole from the same open file, and told as
/// `std::fs::read_to_string` tells it.
pub(crate) fn read_to_string(path: &std::path::Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    if let Some(text) = in_halves(&file) {
        return Ok(text);
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut file, &mut text)?;
    Ok(text)
}

/// The text of `file` read in two halves at once (reads at offsets, which leave the file's
/// position at its start), or `None`.
fn in_halves(file: &std::fs::File) -> Option<String> {
    use std::os::unix::fs::FileExt;
    /// Files of fewer than twice this many bytes are read on one core.
    const BYTES_PER_HALF: u64 = 1 << 20;
    let metadata = file.metadata().ok()?;
    let length = metadata.len();
    if cores() == 1 || !metadata.is_file() || length < 2 * BYTES_PER_HALF {
        return None;
    }
    let mut bytes = vec![0; usize::try_from(length).ok()?];
    let middle = bytes.len() / 2;
    let (first, second) = bytes.split_at_mut(middle);
    let (a, b) = join(
        2,
        1,
        || file.read_exact_at(first, 0),
        || file.read_exact_at(second, middle as u64),
    );
    a.and(b).ok()?;
    // Nothing past the length read (the file did not grow).
    if file.read_at(&mut [0], length).ok()? != 0 {
        return None;
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_halves_are_done_and_returned_in_their_places() {
        let items: Vec<u64> = (1..=1000).collect();
        for per_thread in [1, 10_000] {
            let (sum, count) = super::join(
                items.len(),
                per_thread,
                || items.iter().sum::<u64>(),
                || items.len(),
            );
            assert_eq!((sum, count), (500_500, 1000));
        }
    }

    #[test]
    fn every_item_is_worked_on_once_in_order_with_its_index() {
        let items: Vec<usize> = (0..10_007).collect();
        let parts = super::chunks(&items, 100, |start, part| {
            part.iter()
                .enumerate()
                .map(|(offset, item)| (start + offset, *item))
                .collect::<Vec<_>>()
        });
        let all: Vec<(usize, usize)> = parts.into_iter().flatten().collect();
        assert_eq!(all.len(), items.len());
        assert!(all.iter().all(|(index, item)| index == item));
    }

    #[test]
    fn a_large_file_is_read_in_halves_into_its_whole_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("large.json");
        // A four-byte character across the middle, where the halves meet.
        let side = 3 << 20;
        let text = "a".repeat(side) + "😀" + &"b".repeat(side - 2);
        assert!(!text.is_char_boundary(text.len() / 2));
        std::fs::write(&path, &text).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        if super::cores() > 1 {
            assert_eq!(super::in_halves(&file).as_deref(), Some(text.as_str()));
        }
        assert_eq!(super::read_to_string(&path).unwrap(), text);
        std::fs::write(&path, "small").unwrap();
        assert_eq!(super::in_halves(&std::fs::File::open(&path).unwrap()), None);
        assert_eq!(super::read_to_string(&path).unwrap(), "small");
    }

    #[test]
    fn a_pipe_is_read_once_from_its_one_opening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&path).status();
        assert!(made.is_ok_and(|status| status.success()), "mkfifo");
        let writer = {
            let path = path.clone();
            std::thread::spawn(move || std::fs::write(path, "hello"))
        };
        // Opened twice, the writer's text would be gone with the first reader, and the
        // second would wait for another writer.
        assert_eq!(super::read_to_string(&path).unwrap(), "hello");
        writer.join().unwrap().unwrap();
    }

    #[test]
    fn what_cannot_be_read_is_told_as_std_tells_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.json");
        let expected = std::fs::read_to_string(&missing).unwrap_err();
        let found = super::read_to_string(&missing).unwrap_err();
        assert_eq!(
            (found.kind(), found.to_string()),
            (expected.kind(), expected.to_string())
        );
        let invalid = dir.path().join("invalid.json");
        std::fs::write(
            &invalid,
            [b'a']
                .repeat(3 << 20)
                .into_iter()
                .chain([0xff])
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let expected = std::fs::read_to_string(&invalid).unwrap_err();
        let found = super::read_to_string(&invalid).unwrap_err();
        assert_eq!(
            (found.kind(), found.to_string()),
            (expected.kind(), expected.to_string())
        );
    }
}
