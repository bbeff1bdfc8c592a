//! Work in flight: every command, @mention and button click holds a [`Guard`] while it computes
//! and sends its reply, so that shutdown can wait for replies already being made before the
//! process exits.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

/// Counts replies being made.
#[derive(Default)]
pub struct InFlight {
    count: AtomicUsize,
    idle: Notify,
}

/// One reply being made; dropping it ends it.
pub struct Guard(Arc<InFlight>);

impl Drop for Guard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl InFlight {
    /// Starts one reply.
    pub fn enter(self: &Arc<Self>) -> Guard {
        self.count.fetch_add(1, Ordering::AcqRel);
        Guard(self.clone())
    }

    /// Replies being made now.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    /// Waits until no reply is being made, at most `limit`. A reply whose event arrived just
    /// before the wait may not have entered yet, so idleness must last a short settle time.
    /// Returns the number still in flight when the limit was reached (0 when drained).
    pub async fn drain(&self, limit: Duration) -> usize {
        const SETTLE: Duration = Duration::from_millis(100);
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while self.count() > 0 {
                let idle = self.idle.notified();
                if self.count() == 0 {
                    break;
                }
                if tokio::time::timeout_at(deadline, idle).await.is_err() {
                    return self.count();
                }
            }
            tokio::time::sleep(SETTLE).await;
            if self.count() == 0 {
                return 0;
            }
            if tokio::time::Instant::now() >= deadline {
                return self.count();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drain_waits_for_guards() {
        let in_flight = Arc::new(InFlight::default());
        let guard = in_flight.enter();
        assert_eq!(in_flight.count(), 1);
        let released = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            drop(guard);
        });
        assert_eq!(in_flight.drain(Duration::from_secs(10)).await, 0);
        released.await.expect("released");
        assert_eq!(in_flight.count(), 0);
    }

    #[tokio::test]
    async fn drain_gives_up_at_the_limit() {
        let in_flight = Arc::new(InFlight::default());
        let _held = in_flight.enter();
        assert_eq!(in_flight.drain(Duration::from_millis(50)).await, 1);
    }
}
