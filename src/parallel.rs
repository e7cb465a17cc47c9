//! Work shared out over the machine's cores, for the few places where one pass over every
//! contact is the whole cost of start-up (reading `contacts.json`, indexing a store).

/// `work` on consecutive chunks of `items`, one chunk per core (on the calling thread alone
/// when there are fewer than `per_thread` items per core): each chunk's result, in order,
/// with the index of its first item.
pub(crate) fn chunks<T: Sync, R: Send>(
    items: &[T],
    per_thread: usize,
    work: impl Fn(usize, &[T]) -> R + Sync,
) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let threads = cores.min(items.len().div_ceil(per_thread.max(1))).max(1);
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
