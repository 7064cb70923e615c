//! A bounded multi-producer, multi-consumer async queue that hands items
//! over in batches.
//!
//! One mutex guards a `VecDeque`; senders and receivers sleep on two
//! [`Notify`]s. What makes it fast is what it does *not* do: a receiver takes
//! up to a batch of items per lock, a sender wakes a receiver only when the
//! queue stops being empty and one is asleep (the woken receiver wakes the
//! next if items are left), and sleeping senders are woken once the queue has
//! drained to half, not once per freed slot. A batch a receiver took still
//! counts against the capacity until the receiver [`release`](Queue::release)s
//! it, so items alive in the queue and in receivers' hands never exceed the
//! capacity.

use std::collections::VecDeque;
use std::pin::pin;

use parking_lot::Mutex;
use tokio::sync::Notify;

/// Why [`Queue::try_push`] refused an item; the item is handed back.
pub(crate) enum TryPushError<T> {
    Full(T),
    Closed(T),
}

#[derive(Debug)]
struct State<T> {
    items: VecDeque<T>,
    /// Items taken by receivers and not yet released.
    taken: usize,
    closed: bool,
    /// Receivers asleep (or about to sleep) on `recv_ready`.
    idle_receivers: usize,
    /// Senders asleep (or about to sleep) on `send_ready`.
    waiting_senders: usize,
    /// Items ever pushed.
    pushed: u64,
}

impl<T> State<T> {
    fn reserved(&self) -> usize {
        self.items.len() + self.taken
    }
}

#[derive(Debug)]
pub(crate) struct Queue<T> {
    state: Mutex<State<T>>,
    capacity: usize,
    recv_ready: Notify,
    send_ready: Notify,
}

impl<T> Queue<T> {
    /// A queue holding at most `capacity` items (at least 1).
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Queue {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity.min(1 << 16)),
                taken: 0,
                closed: false,
                idle_receivers: 0,
                waiting_senders: 0,
                pushed: 0,
            }),
            capacity,
            recv_ready: Notify::new(),
            send_ready: Notify::new(),
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Pushes `item` if there is room.
    pub(crate) fn try_push(&self, item: T) -> Result<(), TryPushError<T>> {
        let mut state = self.state.lock();
        if state.closed {
            return Err(TryPushError::Closed(item));
        }
        if state.reserved() >= self.capacity {
            return Err(TryPushError::Full(item));
        }
        // Wake a sleeping receiver only when the queue stops being empty: a
        // receiver that was woken takes its share and wakes the next one if
        // items are left, so one wake serves a burst of pushes.
        let was_empty = state.items.is_empty();
        state.items.push_back(item);
        state.pushed += 1;
        let wake = was_empty && state.idle_receivers > 0;
        if wake {
            state.idle_receivers -= 1;
        }
        drop(state);
        if wake {
            self.recv_ready.notify_one();
        }
        Ok(())
    }

    /// Pushes `item`, waiting for room.
    ///
    /// # Errors
    ///
    /// Hands the item back if the queue is closed.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped before it completes, the item was not pushed
    /// (and is dropped with the future).
    pub(crate) async fn push(&self, mut item: T) -> Result<(), T> {
        loop {
            match self.try_push(item) {
                Ok(()) => return Ok(()),
                Err(TryPushError::Closed(i)) => return Err(i),
                Err(TryPushError::Full(i)) => item = i,
            }
            let mut notified = pin!(self.send_ready.notified());
            notified.as_mut().enable();
            {
                let mut state = self.state.lock();
                if state.closed {
                    return Err(item);
                }
                if state.reserved() < self.capacity {
                    continue;
                }
                state.waiting_senders += 1;
            }
            notified.await;
        }
    }

    /// Pushes every item of `items`, in order, waiting for room as needed;
    /// one lock for as many items as fit.
    ///
    /// # Errors
    ///
    /// `Err(())` if the queue is closed; the items not pushed stay in `items`.
    pub(crate) async fn push_all(&self, items: &mut VecDeque<T>) -> Result<(), ()> {
        loop {
            let wake = {
                let mut state = self.state.lock();
                if state.closed {
                    return Err(());
                }
                let room = self.capacity.saturating_sub(state.reserved());
                let n = room.min(items.len());
                let was_empty = state.items.is_empty();
                state.items.extend(items.drain(..n));
                state.pushed += n as u64;
                let wake = n > 0 && was_empty && state.idle_receivers > 0;
                if wake {
                    state.idle_receivers -= 1;
                }
                wake
            };
            if wake {
                self.recv_ready.notify_one();
            }
            if items.is_empty() {
                return Ok(());
            }
            let mut notified = pin!(self.send_ready.notified());
            notified.as_mut().enable();
            {
                let mut state = self.state.lock();
                if state.closed {
                    return Err(());
                }
                if state.reserved() < self.capacity {
                    continue;
                }
                state.waiting_senders += 1;
            }
            notified.await;
        }
    }

    /// Takes up to `max` items into `buf`, waiting while the queue is empty.
    /// Returns the number taken: 0 means the queue is closed and empty.
    ///
    /// The items stay counted against the capacity until
    /// [`release`](Self::release)d.
    pub(crate) async fn pop_batch(&self, buf: &mut VecDeque<T>, max: usize, share: usize) -> usize {
        loop {
            if let Some(n) = self.try_pop_batch(buf, max, share) {
                return n;
            }
            let mut notified = pin!(self.recv_ready.notified());
            notified.as_mut().enable();
            {
                let mut state = self.state.lock();
                if !state.items.is_empty() {
                    continue;
                }
                if state.closed {
                    return 0;
                }
                state.idle_receivers += 1;
            }
            notified.await;
        }
    }

    /// `None` when the queue is empty but open.
    fn try_pop_batch(&self, buf: &mut VecDeque<T>, max: usize, share: usize) -> Option<usize> {
        let mut state = self.state.lock();
        let len = state.items.len();
        if len == 0 {
            return if state.closed { Some(0) } else { None };
        }
        // Take a fair share, so that other receivers are not starved when the
        // queue is short, but never more than `max`.
        let n = len.div_ceil(share.max(1)).clamp(1, max.max(1));
        buf.extend(state.items.drain(..n));
        state.taken += n;
        let wake_receiver = !state.items.is_empty() && state.idle_receivers > 0;
        if wake_receiver {
            state.idle_receivers -= 1;
        }
        drop(state);
        if wake_receiver {
            self.recv_ready.notify_one();
        }
        Some(n)
    }

    /// Gives back `n` slots of capacity taken by [`pop_batch`](Self::pop_batch).
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut state = self.state.lock();
        state.taken -= n.min(state.taken);
        // Wake sleeping senders once half the capacity is free: one wake for
        // many slots.
        let wake = state.waiting_senders > 0 && state.reserved() <= self.capacity / 2;
        if wake {
            state.waiting_senders = 0;
        }
        drop(state);
        if wake {
            self.send_ready.notify_waiters();
        }
    }

    /// Waits until there is room for an item or the queue is closed.
    pub(crate) async fn ready(&self) {
        loop {
            let mut notified = pin!(self.send_ready.notified());
            notified.as_mut().enable();
            {
                let mut state = self.state.lock();
                if state.closed || state.reserved() < self.capacity {
                    return;
                }
                state.waiting_senders += 1;
            }
            notified.await;
        }
    }

    /// Stops intake. Receivers drain what is left, then see the end.
    /// Returns whether this call closed it.
    pub(crate) fn close(&self) -> bool {
        let mut state = self.state.lock();
        let first = !state.closed;
        state.closed = true;
        state.idle_receivers = 0;
        state.waiting_senders = 0;
        drop(state);
        self.recv_ready.notify_waiters();
        self.send_ready.notify_waiters();
        first
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    /// (items waiting, items ever pushed)
    pub(crate) fn counts(&self) -> (usize, u64) {
        let state = self.state.lock();
        (state.items.len(), state.pushed)
    }
}
