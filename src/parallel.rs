//! Work spread over every core with results kept in order: what makes a
//! plan of 10,000 customers load, fingerprint and print in a fraction of a
//! second. Plain scoped threads; nothing here outlives the call.

use std::sync::mpsc;

/// How many threads to use: every core the process may run on.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `items.map(f)` on all cores, keeping the order of `items`. Each item is
/// dropped as soon as `f` is done with it.
pub fn map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = threads();
    if threads <= 1 || items.len() < 2 {
        return items.into_iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut rest = items.into_iter().peekable();
    while rest.peek().is_some() {
        chunks.push(rest.by_ref().take(chunk).collect());
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || chunk.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// `produce` run on every `chunk`-long slice of `items` (the last may be
/// shorter) on all cores, and `consume` given each result on this thread in
/// the order of the slices, as soon as it is its turn: what is consumed is
/// exactly the sequential `for slice in items.chunks(chunk)`, while only a
/// few slices' results are held at once. `produce` learns the index of the
/// slice's first item.
pub fn chunks_in_order<T: Sync, R: Send>(
    items: &[T],
    chunk: usize,
    produce: impl Fn(usize, &[T]) -> R + Sync,
    mut consume: impl FnMut(R),
) {
    let chunk = chunk.max(1);
    let threads = threads().min(items.len().div_ceil(chunk));
    if threads <= 1 {
        for (i, slice) in items.chunks(chunk).enumerate() {
            consume(produce(i * chunk, slice));
        }
        return;
    }
    let produce = &produce;
    std::thread::scope(|scope| {
        // Worker k makes slices k, k + threads, k + 2 * threads, ...; a
        // bounded channel each, read in turn, keeps the order and the
        // memory small.
        let (receivers, workers): (Vec<mpsc::Receiver<R>>, Vec<_>) = (0..threads)
            .map(|k| {
                let (send, receive) = mpsc::sync_channel(2);
                let worker = scope.spawn(move || {
                    for (i, slice) in items.chunks(chunk).enumerate().skip(k).step_by(threads) {
                        if send.send(produce(i * chunk, slice)).is_err() {
                            return;
                        }
                    }
                });
                (receive, worker)
            })
            .unzip();
        let slices = items.len().div_ceil(chunk);
        for i in 0..slices {
            match receivers[i % threads].recv() {
                Ok(result) => consume(result),
                // That worker panicked: joined below, its panic goes on.
                Err(_) => break,
            }
        }
        // The others stop at their next send.
        drop(receivers);
        for worker in workers {
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_the_order() {
        let items: Vec<usize> = (0..1_001).collect();
        assert_eq!(
            map(items.clone(), |i| i * 2),
            items.iter().map(|i| i * 2).collect::<Vec<_>>()
        );
        assert_eq!(map(Vec::<usize>::new(), |i| i), Vec::<usize>::new());
    }

    #[test]
    fn chunks_are_consumed_as_a_sequential_loop_would() {
        let items: Vec<u32> = (0..1_003).collect();
        for chunk in [1, 7, 500, 1_003, 5_000] {
            let mut seen = Vec::new();
            chunks_in_order(
                &items,
                chunk,
                |start, slice| (start, slice.to_vec()),
                |part| seen.push(part),
            );
            let expected: Vec<(usize, Vec<u32>)> = items
                .chunks(chunk)
                .enumerate()
                .map(|(i, s)| (i * chunk, s.to_vec()))
                .collect();
            assert_eq!(seen, expected, "chunk {chunk}");
        }
        let mut calls = 0;
        chunks_in_order(&[] as &[u32], 4, |_, _| (), |()| calls += 1);
        assert_eq!(calls, 0);
    }

    #[test]
    #[should_panic(expected = "produce failed")]
    fn a_panic_in_a_worker_reaches_the_caller() {
        let items: Vec<u32> = (0..100).collect();
        chunks_in_order(
            &items,
            10,
            |start, _| {
                if start == 50 {
                    panic!("produce failed");
                }
            },
            |()| {},
        );
    }
}
