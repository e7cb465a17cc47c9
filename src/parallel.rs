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

/// The text of the file at `path`, its two halves read at once on two cores when it is
/// large: the copy out of the page cache, and the faulting-in of the new pages it is
/// copied to, were 33 ms of start-up for a 50 MiB `contacts.json` read on one core, 20
/// on two. Whatever goes wrong (the file changing size as it is read, say) is read again
/// whole, and told as `std::fs::read_to_string` tells it.
pub(crate) fn read_to_string(path: &std::path::Path) -> std::io::Result<String> {
    /// Files smaller than this are read on one core.
    const BYTES_PER_HALF: u64 = 1 << 20;
    let halves = || -> std::io::Result<Option<String>> {
        use std::os::unix::fs::FileExt;
        let file = std::fs::File::open(path)?;
        let length = file.metadata()?.len();
        if cores() == 1 || length < 2 * BYTES_PER_HALF {
            return Ok(None);
        }
        let length_in_memory = usize::try_from(length).map_err(std::io::Error::other)?;
        let mut bytes = vec![0; length_in_memory];
        let (first, second) = bytes.split_at_mut(length_in_memory / 2);
        let offset = first.len() as u64;
        let (a, b) = join(
            2,
            1,
            || file.read_exact_at(first, 0),
            || file.read_exact_at(second, offset),
        );
        a.and(b)?;
        // Nothing past the length read (the file did not grow).
        if file.read_at(&mut [0], length)? != 0 {
            return Ok(None);
        }
        Ok(String::from_utf8(bytes).ok())
    };
    match halves() {
        Ok(Some(text)) => Ok(text),
        _ => std::fs::read_to_string(path),
    }
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
        // Multi-byte characters across the middle, where the halves meet.
        let text: String = (0..300_000).map(|n| format!("{n}:ü€😀,")).collect();
        assert!(text.len() > 2 << 20);
        std::fs::write(&path, &text).unwrap();
        assert_eq!(super::read_to_string(&path).unwrap(), text);
        std::fs::write(&path, "small").unwrap();
        assert_eq!(super::read_to_string(&path).unwrap(), "small");
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
