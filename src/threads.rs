//! rtm's threads, which the system may refuse (a limit on processes, as in
//! a container): rtm then works on one thread, never panics.
//!
//! [`start`] makes rayon's pool before any parallel work. When the system
//! refuses a pool of the usual size, or `RAYON_NUM_THREADS=1` asks for one
//! thread, rtm works [`alone`]: the pool is the calling thread itself, and
//! [`both`] runs its two halves one after the other.

use std::sync::atomic::{AtomicBool, Ordering};

static ALONE: AtomicBool = AtomicBool::new(false);

/// Whether rtm works on one thread: asked to, or refused a pool.
pub fn alone() -> bool {
    ALONE.load(Ordering::Relaxed)
}

/// Whether `RAYON_NUM_THREADS` asks for one thread.
fn one_thread_asked() -> bool {
    std::env::var("RAYON_NUM_THREADS").is_ok_and(|n| n.trim() == "1")
}

/// Makes rayon's pool, once (later calls give the first answer). A pool
/// of the usual size is first made as a pool of its own: rayon's global
/// pool can be made only once, and a refusal would leave it unmade for good
/// (a panic at the first parallel loop). Refused (or asked for one thread),
/// the pool is this thread alone, which needs no new thread. The error is
/// only for the rare refusal that comes between the trial and the real
/// pool.
pub fn start() -> Result<(), String> {
    static STARTED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    STARTED.get_or_init(make_pool).clone()
}

fn make_pool() -> Result<(), String> {
    let trial = if one_thread_asked() {
        None
    } else {
        rayon::ThreadPoolBuilder::new().build().ok()
    };
    let global = match trial {
        Some(trial) => {
            // The trial's threads are leaving: under a tight limit the
            // system counts them a moment longer, and refuses the new ones
            // meanwhile.
            drop(trial);
            rayon::ThreadPoolBuilder::new()
                .spawn_handler(spawn_worker)
                .build_global()
        }
        None => {
            ALONE.store(true, Ordering::Relaxed);
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .use_current_thread()
                .build_global()
        }
    };
    global.map_err(|e| {
        format!(
            "the system refused rtm a thread ({e}); raise the limit on processes, or set \
             RAYON_NUM_THREADS=1"
        )
    })
}

/// How long a thread the system refuses for now (`EAGAIN`) is asked for
/// again: about as long as threads that are leaving take to be gone.
const RETRY_FOR: std::time::Duration = std::time::Duration::from_millis(500);

/// Starts one of rayon's threads, asking again while the system refuses
/// it for now.
fn spawn_worker(thread: rayon::ThreadBuilder) -> std::io::Result<()> {
    let name = thread.name().map(str::to_owned);
    let stack = thread.stack_size();
    let until = std::time::Instant::now() + RETRY_FOR;
    let mut worker = thread;
    loop {
        let mut builder = std::thread::Builder::new();
        if let Some(name) = &name {
            builder = builder.name(name.clone());
        }
        if let Some(stack) = stack {
            builder = builder.stack_size(stack);
        }
        match spawn_or_return(builder, worker, rayon::ThreadBuilder::run) {
            Ok(_) => return Ok(()),
            Err((e, Some(back)))
                if e.kind() == std::io::ErrorKind::WouldBlock
                    && std::time::Instant::now() < until =>
            {
                worker = back;
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err((e, _)) => return Err(e),
        }
    }
}

/// Starts `f(state)` on a thread made by `builder`. When the system
/// refuses the thread, gives `state` back with the error (always `Some`:
/// only a thread that started takes it), so that the caller can do the
/// work another way.
pub fn spawn_or_return<T, R, F>(
    builder: std::thread::Builder,
    state: T,
    f: F,
) -> Result<std::thread::JoinHandle<Option<R>>, (std::io::Error, Option<T>)>
where
    T: Send + 'static,
    R: Send + 'static,
    F: FnOnce(T) -> R + Send + 'static,
{
    let take = |slot: &std::sync::Mutex<Option<T>>| slot.lock().ok().and_then(|mut s| s.take());
    let slot = std::sync::Arc::new(std::sync::Mutex::new(Some(state)));
    let theirs = std::sync::Arc::clone(&slot);
    builder
        .spawn(move || take(&theirs).map(f))
        .map_err(|e| (e, take(&slot)))
}

/// Runs `a` on a thread of its own while `b` runs on this one, and gives
/// back both results (`a`'s is `Err` when it panicked). When rtm works
/// alone, or the system refuses the thread, `b` runs first and then `a`,
/// both on this thread.
pub fn both<A, B, RA, RB>(a: A, b: B) -> (std::thread::Result<RA>, RB)
where
    A: FnOnce() -> RA + Send,
    RA: Send,
    B: FnOnce() -> RB,
{
    both_with(alone(), a, b)
}

/// [`both`], with `alone` given.
fn both_with<A, B, RA, RB>(alone: bool, a: A, b: B) -> (std::thread::Result<RA>, RB)
where
    A: FnOnce() -> RA + Send,
    RA: Send,
    B: FnOnce() -> RB,
{
    // `a` is taken by whichever thread runs it: the new one, or this one
    // when the new one could not be made.
    let a = std::sync::Mutex::new(Some(a));
    let take = || a.lock().ok().and_then(|mut a| a.take());
    std::thread::scope(|scope| {
        let spawned = if alone {
            None
        } else {
            std::thread::Builder::new()
                .spawn_scoped(scope, || take().map(|a| a()))
                .ok()
        };
        let rb = b();
        let ra = match spawned {
            Some(handle) => handle.join(),
            None => Ok(take().map(|a| a())),
        };
        // `a` runs exactly once: taken by one thread, never put back.
        let ra = ra
            .and_then(|ra| ra.ok_or_else(|| Box::new("not run") as Box<dyn std::any::Any + Send>));
        (ra, rb)
    })
}

/// Runs `f` on a thread of its own, named `name`, left to run; when rtm
/// works alone, or the system refuses the thread, runs it here first.
pub fn detached<F: FnOnce() + Send + 'static>(name: &str, f: F) {
    detached_with(alone(), name, f);
}

/// [`detached`], with `alone` given.
fn detached_with<F: FnOnce() + Send + 'static>(alone: bool, name: &str, f: F) {
    let here = if alone {
        Some(f)
    } else {
        let builder = std::thread::Builder::new().name(name.to_owned());
        spawn_or_return(builder, f, |f| f())
            .err()
            .and_then(|(_, f)| f)
    };
    if let Some(f) = here {
        f();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn both_halves_run_once_on_two_threads_or_one() {
        for alone in [false, true] {
            let here = std::thread::current().id();
            let (a, b) = both_with(alone, move || std::thread::current().id(), || 7);
            let a = a.unwrap();
            assert_eq!(b, 7);
            assert_eq!(a == here, alone, "alone: {alone}");
        }
    }

    #[test]
    fn alone_the_second_half_runs_first() {
        let order = std::sync::Mutex::new(Vec::new());
        let (a, ()) = both_with(
            true,
            || order.lock().unwrap().push("a"),
            || order.lock().unwrap().push("b"),
        );
        a.unwrap();
        assert_eq!(*order.lock().unwrap(), ["b", "a"]);
    }

    #[test]
    fn a_detached_task_runs_once_elsewhere_or_here() {
        for alone in [false, true] {
            let here = std::thread::current().id();
            let (tx, rx) = std::sync::mpsc::channel();
            detached_with(alone, "test", move || {
                let _ = tx.send(std::thread::current().id());
            });
            let ran_on = rx.recv().unwrap();
            assert_eq!(ran_on == here, alone, "alone: {alone}");
            // Run once: the sender is gone with the task.
            assert!(rx.recv().is_err());
        }
    }

    #[test]
    fn a_panic_in_the_thread_is_an_error_not_a_panic_here() {
        let (a, b) = both_with(false, || -> u8 { panic!("boom") }, || 1);
        assert!(a.is_err());
        assert_eq!(b, 1);
    }
}
