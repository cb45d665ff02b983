//! The per-socket state machine that the poller and the NIFs share: the active mode and its
//! count, the messages read ahead, the reader and writer waits, and the end of input. It
//! knows nothing of the BEAM (a waiter is any `W`), so `cargo test` covers it. `{active, N}`
//! is counted here and nowhere else.

use std::collections::VecDeque;
use std::net::SocketAddr;

use crate::error::{einval, Error};
use crate::ffi::{self, AssocId};
use crate::notification::{self, Ancillary};

/// `{active, _}` as OTP counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Active {
    False,
    True,
    Once,
    /// `{active, N}`: N messages left before the socket turns passive.
    Count(i32),
}

/// What an `{active, _}` option asks for: a mode, or N added to the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActiveSetting {
    Set(Active),
    Add(i16),
}

/// What the kernel says of a message besides its bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    pub from: Option<SocketAddr>,
    pub anc: Vec<Ancillary>,
    pub notification: bool,
}

impl Header {
    /// The association of a data message, from its `sctp_sndrcvinfo` or `sctp_rcvinfo`.
    pub fn assoc_id(&self) -> Option<AssocId> {
        self.anc.iter().find_map(|a| match a {
            Ancillary::SndRcv(info) => Some(info.sinfo_assoc_id),
            Ancillary::RcvInfo(info) => Some(info.rcv_assoc_id),
            _ => None,
        })
    }
}

/// A message, or the error that ended reading, taken from the kernel before the owner asked.
#[derive(Debug)]
pub enum Early {
    Message(Header, Vec<u8>),
    Failed(Error),
}

impl Early {
    /// The association the entry belongs to, where it says: from its `sctp_sndrcvinfo` or
    /// its notification.
    fn assoc_id(&self) -> Option<AssocId> {
        let Early::Message(header, bytes) = self else {
            return None;
        };
        if header.notification {
            return notification::decode(bytes).map(|n| n.assoc_id());
        }
        header.assoc_id()
    }

    fn size(&self) -> usize {
        match self {
            Early::Message(_, bytes) => bytes.len() + EARLY_OVERHEAD,
            Early::Failed(_) => EARLY_OVERHEAD,
        }
    }
}

/// What each entry counts on top of its payload.
const EARLY_OVERHEAD: usize = 64;

/// Messages the poller read ahead while the socket was passive. With small messages the
/// kernel's receive buffer, charged per message, fills long before the receive window it
/// offers the peer closes; what arrives then is dropped and waits for a retransmission
/// timeout (a second at least). Reading ahead while the owner is busy between `recv`s or
/// re-arming `{active, N}` keeps that buffer empty.
#[derive(Debug, Default)]
pub struct ReadAhead {
    queue: VecDeque<Early>,
    /// Payload bytes queued, plus `EARLY_OVERHEAD` per entry.
    bytes: usize,
}

impl ReadAhead {
    fn push(&mut self, early: Early) {
        self.bytes += early.size();
        self.queue.push_back(early);
    }

    fn pop(&mut self) -> Option<Early> {
        let early = self.queue.pop_front()?;
        self.bytes -= early.size();
        Some(early)
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Room for more below `limit` bytes, and no error waiting to be reported.
    fn open(&self, limit: usize) -> bool {
        self.bytes < limit && !matches!(self.queue.back(), Some(Early::Failed(_)))
    }
}

/// The process waiting to read or accept.
#[derive(Debug)]
enum Reader<W> {
    Idle,
    Waiting(W),
    /// The poller woke the reader, which has not called back yet: reading ahead now would
    /// race it for the message it was woken for.
    Woken,
}

#[derive(Debug)]
pub struct Flow<W> {
    active: Active,
    /// Whether the poller reads ahead while the socket is passive: once the owner has
    /// taken a message in passive mode or has had `{active, once | N}` run out.
    reads_ahead: bool,
    ahead: ReadAhead,
    /// How many bytes may be read ahead: the socket's `recbuf`, so that a small one still
    /// pushes back on the peer early.
    ahead_limit: usize,
    reader: Reader<W>,
    /// Senders waiting for room, in the order they came.
    writers: VecDeque<W>,
    /// The first waiting sender was woken for room and has not sent since. The others wait
    /// for a send that shows there is room for more (`sent`), rather than all retrying at
    /// once for what is often room for one message.
    writer_woken: bool,
    /// A send went out while senders waited, since the last `retry_writers`.
    writers_moved: bool,
    /// No more input will come (the peer hung up, or the socket closed): input is no
    /// longer watched.
    ended: bool,
    /// A listening one-to-one socket: readable means an association to accept, never a
    /// message, so it is watched only for a waiting `accept`.
    listening: bool,
}

impl<W> Flow<W> {
    pub fn new(ahead_limit: usize) -> Flow<W> {
        Flow {
            active: Active::False,
            reads_ahead: false,
            ahead: ReadAhead::default(),
            ahead_limit,
            reader: Reader::Idle,
            writers: VecDeque::new(),
            writer_woken: false,
            writers_moved: false,
            ended: false,
            listening: false,
        }
    }

    /// What a socket branched off this one (by peeloff or accept) starts with: the active
    /// mode as the kernel copies socket options, and `early`, the messages read ahead that
    /// belong to it.
    pub fn branch(&self, early: ReadAhead) -> Flow<W> {
        Flow {
            active: self.active,
            ahead: early,
            ..Flow::new(self.ahead_limit)
        }
    }

    pub fn active(&self) -> Active {
        self.active
    }

    pub fn is_active(&self) -> bool {
        self.active != Active::False
    }

    /// Applies `{active, _}`. `Ok(true)`: the count reached zero, the socket is passive
    /// and owes its owner `{sctp_passive, S}`. As OTP, a count that would leave the 16-bit
    /// range is `einval` and changes nothing.
    pub fn set_active(&mut self, setting: ActiveSetting) -> Result<bool, Error> {
        let n = match setting {
            ActiveSetting::Set(active) => {
                self.active = active;
                return Ok(false);
            }
            ActiveSetting::Add(n) => i32::from(n),
        };
        let current = match self.active {
            Active::Count(m) => m,
            _ => 0,
        };
        let sum = current + n;
        if !(i32::from(i16::MIN)..=i32::from(i16::MAX)).contains(&sum) {
            return Err(einval());
        }
        if sum > 0 {
            self.active = Active::Count(sum);
            return Ok(false);
        }
        self.active = Active::False;
        Ok(true)
    }

    /// Counts one delivered message. True when `{active, N}` just ran out: the caller sends
    /// `{sctp_passive, S}` right after that message.
    pub fn count_delivery(&mut self) -> bool {
        let ran_out = match self.active {
            Active::Once => false,
            Active::Count(n) if n <= 1 => true,
            Active::Count(n) => {
                self.active = Active::Count(n - 1);
                return false;
            }
            Active::True | Active::False => return false,
        };
        self.active = Active::False;
        self.reads_ahead = true;
        ran_out
    }

    /// A read failed while active: the error is the last message, and the socket turns
    /// passive, as OTP's does.
    pub fn read_failed(&mut self) {
        self.active = Active::False;
    }

    /// Stops delivery for a hand-over to another owner; returns the mode to restore.
    pub fn pause(&mut self) -> Active {
        std::mem::replace(&mut self.active, Active::False)
    }

    /// The owner took a message in passive mode: read ahead between its calls.
    pub fn took_passive(&mut self) {
        self.reads_ahead = true;
    }

    // Waits.

    /// Whether a process other than the caller (`is_caller` tells) waits to read.
    pub fn other_reader(&self, is_caller: impl Fn(&W) -> bool) -> bool {
        matches!(&self.reader, Reader::Waiting(w) if !is_caller(w))
    }

    pub fn wait_to_read(&mut self, waiter: W) {
        self.reader = Reader::Waiting(waiter);
    }

    /// The reader the poller woke called back: reading ahead may go on.
    pub fn reader_back(&mut self) {
        if let Reader::Woken = self.reader {
            self.reader = Reader::Idle;
        }
    }

    /// The process waiting in `recv`, to be handed its message (none on a listening socket,
    /// whose reader waits to accept). Until it is given one, the poller puts it back with
    /// `wait_to_read`.
    pub fn take_receiver(&mut self) -> Option<W> {
        match std::mem::replace(&mut self.reader, Reader::Idle) {
            Reader::Waiting(w) if !self.listening => Some(w),
            other => {
                self.reader = other;
                None
            }
        }
    }

    /// The waiting reader, to be woken: it is then owed the input until it calls back.
    pub fn wake_reader(&mut self) -> Option<W> {
        match std::mem::replace(&mut self.reader, Reader::Idle) {
            Reader::Waiting(w) => {
                self.reader = Reader::Woken;
                Some(w)
            }
            other => {
                self.reader = other;
                None
            }
        }
    }

    /// A send found no room: the sender waits, and the room a woken sender was woken for
    /// is taken.
    pub fn wait_to_write(&mut self, waiter: W) {
        self.writer_woken = false;
        self.writers.push_back(waiter);
    }

    pub fn has_writers(&self) -> bool {
        !self.writers.is_empty()
    }

    /// The first waiting sender, to be woken now that the socket has room; none while one
    /// woken before has not sent yet.
    pub fn wake_writer(&mut self) -> Option<W> {
        if self.writer_woken {
            return None;
        }
        let first = self.writers.pop_front()?;
        self.writer_woken = true;
        Some(first)
    }

    /// A send went out, so there may be room for more: the next waiting sender, to be woken.
    pub fn sent(&mut self) -> Option<W> {
        self.writers_moved |= !self.writers.is_empty();
        self.writer_woken = false;
        self.wake_writer()
    }

    /// The waiting senders, to be woken: each retries and waits again if still refused.
    pub fn wake_writers(&mut self) -> Vec<W> {
        self.writer_woken = false;
        self.writers.drain(..).collect()
    }

    /// For the poller's periodic retry (a full association that epoll does not report, or
    /// a woken sender that died before it sent): every waiting sender, unless a send went
    /// out since the last retry.
    pub fn retry_writers(&mut self) -> Vec<W> {
        match std::mem::take(&mut self.writers_moved) {
            true => Vec::new(),
            false => self.wake_writers(),
        }
    }

    /// Removes the caller's wait, if it is still registered; false if it was already woken.
    pub fn cancel(&mut self, is_caller: impl Fn(&W) -> bool) -> bool {
        if matches!(&self.reader, Reader::Waiting(w) if is_caller(w)) {
            self.reader = Reader::Idle;
            return true;
        }
        let before = self.writers.len();
        self.writers.retain(|w| !is_caller(w));
        before != self.writers.len()
    }

    // Input.

    pub fn set_listening(&mut self, listening: bool) {
        self.listening = listening;
    }

    /// The peer hung up and nothing is left to read.
    pub fn end_input(&mut self) {
        self.ended = true;
    }

    pub fn set_ahead_limit(&mut self, bytes: usize) {
        self.ahead_limit = bytes;
    }

    pub fn wants_read_ahead(&self) -> bool {
        // A waiting reader is handed or woken for what comes, never left waiting for a
        // message read ahead.
        self.reads_ahead
            && matches!(self.reader, Reader::Idle)
            && self.active == Active::False
            && !self.listening
            && !self.ended
            && self.ahead.open(self.ahead_limit)
    }

    pub fn push_early(&mut self, early: Early) {
        self.ahead.push(early);
    }

    pub fn pop_early(&mut self) -> Option<Early> {
        self.ahead.pop()
    }

    #[cfg(any(test, feature = "test-hooks"))]
    pub fn early_len(&self) -> usize {
        self.ahead.len()
    }

    /// Read-ahead messages wait for an active socket to deliver them.
    pub fn has_early_delivery(&self) -> bool {
        self.active != Active::False && self.ahead.len() > 0
    }

    /// Takes out the entries of one association, in order, as `peeloff` takes the kernel's
    /// queued messages of that association to the new socket.
    pub fn split_off_assoc(&mut self, assoc_id: AssocId) -> ReadAhead {
        let (mut taken, mut kept) = (ReadAhead::default(), ReadAhead::default());
        while let Some(early) = self.ahead.pop() {
            match early.assoc_id() == Some(assoc_id) {
                true => taken.push(early),
                false => kept.push(early),
            }
        }
        self.ahead = kept;
        taken
    }

    /// The epoll readiness this socket needs watched.
    pub fn interest(&self) -> u32 {
        let mut events = 0;
        let delivers = self.active != Active::False && !self.listening;
        let reader = matches!(self.reader, Reader::Waiting(_));
        if (delivers || reader || self.wants_read_ahead()) && !self.ended {
            events |= ffi::EPOLLIN;
        }
        if !self.writers.is_empty() && !self.writer_woken {
            events |= ffi::EPOLLOUT;
        }
        events
    }

    /// The socket closed: nothing is delivered, read or watched any more. Hands back every
    /// waiter, each to be woken once to see `closed`.
    pub fn close(&mut self) -> Vec<W> {
        let mut waiters: Vec<W> = self.writers.drain(..).collect();
        if let Reader::Waiting(w) = std::mem::replace(&mut self.reader, Reader::Idle) {
            waiters.push(w);
        }
        *self = Flow {
            ended: true,
            ..Flow::new(0)
        };
        waiters
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestFlow = Flow<u32>;

    fn flow(active: Active) -> TestFlow {
        let mut f = TestFlow::new(1 << 20);
        f.set_active(ActiveSetting::Set(active)).unwrap();
        f
    }

    fn message(len: usize) -> Early {
        let header = Header {
            from: None,
            anc: Vec::new(),
            notification: false,
        };
        Early::Message(header, vec![0; len])
    }

    #[test]
    fn count_adds_up_and_runs_out_with_a_passive_message() {
        let mut f = flow(Active::False);
        assert_eq!(f.set_active(ActiveSetting::Add(2)), Ok(false));
        assert_eq!(f.set_active(ActiveSetting::Add(3)), Ok(false));
        assert_eq!(f.active(), Active::Count(5));
        for left in (1..5).rev() {
            assert!(!f.count_delivery());
            assert_eq!(f.active(), Active::Count(left));
        }
        assert!(f.count_delivery());
        assert_eq!(f.active(), Active::False);
        assert!(
            !f.count_delivery(),
            "a passive socket owes no second passive message"
        );
    }

    #[test]
    fn count_to_zero_or_below_turns_passive_at_once() {
        let mut f = flow(Active::Count(3));
        assert_eq!(f.set_active(ActiveSetting::Add(-3)), Ok(true));
        assert_eq!(f.active(), Active::False);
        assert_eq!(f.set_active(ActiveSetting::Add(0)), Ok(true));
        assert_eq!(f.set_active(ActiveSetting::Add(-5)), Ok(true));
    }

    #[test]
    fn count_beyond_sixteen_bits_is_einval_and_changes_nothing() {
        let mut f = flow(Active::False);
        assert_eq!(f.set_active(ActiveSetting::Add(i16::MAX)), Ok(false));
        assert_eq!(f.set_active(ActiveSetting::Add(1)), Err(einval()));
        assert_eq!(f.active(), Active::Count(32767));
    }

    #[test]
    fn a_mode_replaces_the_count() {
        let mut f = flow(Active::Count(7));
        assert_eq!(f.set_active(ActiveSetting::Set(Active::True)), Ok(false));
        assert_eq!(f.set_active(ActiveSetting::Add(2)), Ok(false));
        assert_eq!(
            f.active(),
            Active::Count(2),
            "a count starts from 0 after true"
        );
    }

    #[test]
    fn once_turns_passive_without_a_passive_message_and_reads_ahead() {
        let mut f = flow(Active::Once);
        assert!(!f.wants_read_ahead());
        assert!(!f.count_delivery());
        assert_eq!(f.active(), Active::False);
        assert!(f.wants_read_ahead());
    }

    #[test]
    fn true_never_runs_out() {
        let mut f = flow(Active::True);
        (0..100).for_each(|_| assert!(!f.count_delivery()));
        assert_eq!(f.active(), Active::True);
    }

    #[test]
    fn pause_hands_back_the_mode_and_stops_delivery() {
        let mut f = flow(Active::Count(4));
        assert_eq!(f.pause(), Active::Count(4));
        assert!(!f.is_active());
        assert_eq!(f.interest(), 0);
    }

    #[test]
    fn a_branch_starts_with_the_count_left_and_its_own_messages() {
        let mut f = flow(Active::Count(4));
        f.count_delivery();
        let mut early = ReadAhead::default();
        early.push(message(10));
        let child = f.branch(early);
        assert_eq!(child.active(), Active::Count(3));
        assert_eq!(child.early_len(), 1);
        assert!(child.has_early_delivery());
    }

    #[test]
    fn a_woken_reader_holds_back_read_ahead_until_it_calls_back() {
        let mut f = flow(Active::False);
        f.took_passive();
        f.wait_to_read(1);
        assert_eq!(f.interest(), ffi::EPOLLIN);
        assert_eq!(f.wake_reader(), Some(1));
        assert!(!f.wants_read_ahead());
        assert_eq!(f.wake_reader(), None, "woken once");
        // A writer's cancel leaves the woken reader's claim alone.
        f.wait_to_write(2);
        assert!(f.cancel(|w| *w == 2));
        assert!(!f.wants_read_ahead());
        f.reader_back();
        assert!(f.wants_read_ahead());
    }

    #[test]
    fn a_receiver_taken_leaves_read_ahead_going_and_an_acceptor_is_not_taken() {
        let mut f = flow(Active::False);
        f.took_passive();
        f.wait_to_read(1);
        assert!(!f.wants_read_ahead(), "the waiting reader gets what comes");
        assert_eq!(f.take_receiver(), Some(1));
        assert!(f.wants_read_ahead());
        assert_eq!(f.take_receiver(), None, "taken once");
        f.set_listening(true);
        f.wait_to_read(2);
        assert_eq!(f.take_receiver(), None);
        assert_eq!(f.wake_reader(), Some(2));
    }

    #[test]
    fn cancel_removes_only_the_callers_wait() {
        let mut f = flow(Active::False);
        f.wait_to_read(1);
        f.wait_to_write(2);
        assert!(f.other_reader(|w| *w == 2));
        assert!(!f.other_reader(|w| *w == 1));
        assert!(!f.cancel(|w| *w == 3));
        assert!(f.cancel(|w| *w == 1));
        assert!(!f.cancel(|w| *w == 1), "already gone");
        assert_eq!(f.wake_writers(), vec![2]);
    }

    #[test]
    fn read_ahead_stops_at_its_limit_and_at_an_error() {
        let mut f = TestFlow::new(200);
        f.took_passive();
        f.push_early(message(100));
        assert!(f.wants_read_ahead());
        f.push_early(message(100));
        assert!(!f.wants_read_ahead(), "full");
        f.pop_early();
        assert!(f.wants_read_ahead());
        f.push_early(Early::Failed(einval()));
        assert!(!f.wants_read_ahead(), "an error waits to be reported");
    }

    #[test]
    fn senders_are_woken_one_at_a_time_while_sends_go_out() {
        let mut f = flow(Active::False);
        (1..=3).for_each(|w| f.wait_to_write(w));
        assert_eq!(f.interest() & ffi::EPOLLOUT, ffi::EPOLLOUT);
        assert_eq!(f.wake_writer(), Some(1));
        assert_eq!(
            f.interest() & ffi::EPOLLOUT,
            0,
            "the woken one shows if there is room"
        );
        assert_eq!(f.wake_writer(), None);
        assert_eq!(f.sent(), Some(2), "a send went out: the next one tries");
        f.wait_to_write(2);
        assert_eq!(
            f.interest() & ffi::EPOLLOUT,
            ffi::EPOLLOUT,
            "refused: epoll says when"
        );
        assert_eq!(f.wake_writer(), Some(3));
        assert_eq!(f.sent(), Some(2));
        assert_eq!(f.sent(), None);
        assert_eq!(f.interest() & ffi::EPOLLOUT, 0);
    }

    #[test]
    fn the_periodic_retry_wakes_every_sender_only_when_none_sent() {
        let mut f = flow(Active::False);
        (1..=3).for_each(|w| f.wait_to_write(w));
        assert_eq!(f.wake_writer(), Some(1));
        assert_eq!(f.sent(), Some(2));
        assert_eq!(f.retry_writers(), Vec::<u32>::new(), "sends go out");
        assert_eq!(f.retry_writers(), vec![3], "2 was woken and never sent");
        assert_eq!(f.interest() & ffi::EPOLLOUT, 0);
    }

    #[test]
    fn close_hands_back_every_waiter_and_watches_nothing() {
        let mut f = flow(Active::True);
        f.wait_to_read(1);
        f.wait_to_write(2);
        f.wait_to_write(3);
        let mut waiters = f.close();
        waiters.sort();
        assert_eq!(waiters, vec![1, 2, 3]);
        assert_eq!(f.interest(), 0);
        assert!(!f.is_active());
        assert!(!f.wants_read_ahead());
    }

    #[test]
    fn the_end_of_input_stops_watching_for_it() {
        let mut f = flow(Active::True);
        assert_eq!(f.interest(), ffi::EPOLLIN);
        f.end_input();
        assert_eq!(f.interest(), 0);
    }
}
