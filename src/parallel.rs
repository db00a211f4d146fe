//! Work spread over the machine's cores: how many threads, and one scoped
//! thread per item. Used where a profile showed a file or a result set big
//! enough to pay for it (`data::long_scan`, `leads`, `render::csv`).

/// Threads worth starting: one per core, at most 4.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// `f` of every item, each on its own thread, results in the items'
/// order. A panic on a thread is raised again here, never swallowed.
pub fn map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .into_iter()
            .map(|item| s.spawn(move || f(item)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_in_the_items_order() {
        let out = super::map((0..10).collect(), |i: u32| i * i);
        assert_eq!(out, (0..10).map(|i| i * i).collect::<Vec<_>>());
        assert!(super::threads() >= 1);
    }
}
