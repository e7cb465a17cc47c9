//! Work shared out over the machine's cores, for the few places where one pass over every
//! contact is the whole cost of start-up (reading `contacts.json`, indexing a store).

/// How many cores the machine has (1 when it cannot tell), asked once.
fn cores() -> usize {
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
}
