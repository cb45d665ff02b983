//! The socket resource: the fd, and the per-socket state machine (owner, active mode,
//! waiters, a message being reassembled) behind one lock.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};

use rustler::env::SavedTerm;
use rustler::{Env, LocalPid, Monitor, OwnedEnv, Resource, Term};

use crate::addr;
use crate::error::{Error, Result};
use crate::ffi::{self, sctp_sndrcvinfo, AssocId};
use crate::monitors::{self, SocketMonitor};
use crate::notification::{self, Ancillary};
use crate::poller;

/// `{active, _}` as OTP counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Active {
    False,
    True,
    Once,
    /// `{active, N}`: N messages left before the socket turns passive.
    Count(i32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Binary,
    List,
}

/// A process waiting for the socket to become readable or writable. It is woken with
/// `{'$gen_sctp_ready', Tag}` exactly once, unless it cancels first.
pub struct Waiter {
    pub pid: LocalPid,
    pub env: OwnedEnv,
    pub tag: SavedTerm,
}

impl Waiter {
    pub fn new(pid: LocalPid, tag: Term<'_>) -> Waiter {
        let env = OwnedEnv::new();
        let tag = env.save(tag);
        Waiter { pid, env, tag }
    }
}

/// A message whose first fragments arrived but not yet its end (`MSG_EOR`).
struct Partial {
    bytes: Vec<u8>,
    from: Option<SocketAddr>,
    anc: Vec<Ancillary>,
    notification: bool,
}

/// A message, or the error that ended reading, taken from the kernel before the owner asked.
enum Early {
    Message {
        bytes: Vec<u8>,
        from: Option<SocketAddr>,
        anc: Vec<Ancillary>,
        notification: bool,
    },
    Failed(Error),
}

impl Early {
    /// The association the entry belongs to, where it says: from its `sctp_sndrcvinfo` or
    /// its notification.
    fn assoc_id(&self) -> Option<AssocId> {
        let Early::Message {
            bytes,
            anc,
            notification,
            ..
        } = self
        else {
            return None;
        };
        if *notification {
            return notification::decode(bytes).map(|n| n.assoc_id());
        }
        anc.iter().find_map(|a| match a {
            Ancillary::SndRcv(info) => Some(info.sinfo_assoc_id),
            _ => None,
        })
    }
}

/// Messages the poller read ahead while the socket was passive. With small messages the
/// kernel's receive buffer, charged per message, fills long before the receive window it
/// offers the peer closes; what arrives then is dropped and waits for a retransmission
/// timeout (a second at least). Reading ahead while the owner is busy between `recv`s or
/// re-arming `{active, N}` keeps that buffer empty.
#[derive(Default)]
pub struct ReadAhead {
    queue: VecDeque<Early>,
    /// Payload bytes queued, plus `EARLY_OVERHEAD` per entry.
    bytes: usize,
    /// As much as the socket's `recbuf`, read when reading ahead (None: not yet), so that
    /// a small `recbuf` still pushes back on the peer early.
    limit: Option<usize>,
}

/// What each entry counts on top of its payload.
const EARLY_OVERHEAD: usize = 64;

impl ReadAhead {
    fn push(&mut self, early: Early) {
        self.bytes += early_size(&early);
        self.queue.push_back(early);
    }

    fn pop(&mut self) -> Option<Early> {
        let early = self.queue.pop_front()?;
        self.bytes -= early_size(&early);
        Some(early)
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Room for more, and no error waiting to be reported.
    fn open(&self) -> bool {
        self.bytes < self.limit.unwrap_or(usize::MAX)
            && !matches!(self.queue.back(), Some(Early::Failed(_)))
    }

    /// Takes out the entries of one association, in order, as `peeloff` takes the kernel's
    /// queued messages of that association to the new socket.
    pub fn split_off_assoc(&mut self, assoc_id: AssocId) -> ReadAhead {
        let mut taken = ReadAhead::default();
        let mut kept = ReadAhead {
            limit: self.limit,
            ..ReadAhead::default()
        };
        while let Some(early) = self.pop() {
            match early.assoc_id() == Some(assoc_id) {
                true => taken.push(early),
                false => kept.push(early),
            }
        }
        *self = kept;
        taken
    }
}

fn early_size(early: &Early) -> usize {
    match early {
        Early::Message { bytes, .. } => bytes.len() + EARLY_OVERHEAD,
        Early::Failed(_) => EARLY_OVERHEAD,
    }
}

pub struct State {
    pub owner: LocalPid,
    pub owner_monitor: Option<Monitor>,
    pub active: Active,
    pub mode: Mode,
    /// Receive buffer size per recvmsg call (the `buffer` option).
    pub buffer: usize,
    pub reader: Option<Waiter>,
    /// The poller woke the reader, which has not called back yet: reading ahead now would
    /// race it for the message it was woken for.
    pub reader_woken: bool,
    pub writers: Vec<Waiter>,
    /// The epoll interest the poller has registered; only the poller writes it.
    pub armed: u32,
    /// Per-association send defaults set with `sctp_default_send_param` (0: the socket's).
    pub send_defaults: HashMap<AssocId, sctp_sndrcvinfo>,
    /// Options kept for `getopts` that have no kernel counterpart.
    pub high_msgq_watermark: u32,
    pub low_msgq_watermark: u32,
    pub send_timeout: Option<u32>,
    /// `{non_block_send, true}`: a send on a full buffer fails with `eagain` at once.
    pub non_block_send: bool,
    partial: Option<Partial>,
    /// Whether the poller reads ahead while the socket is passive: once the owner has
    /// taken a message in passive mode or has had `{active, once | N}` run out.
    pub reads_ahead: bool,
    pub ahead: ReadAhead,
    /// The peer hung up and nothing is left to read: input is no longer watched.
    pub hangup: bool,
    /// A listening one-to-one socket: readable means an association to accept, never a
    /// message, so it is watched only for a waiting `accept`.
    pub listening: bool,
    pub closed: bool,
    /// `inet:monitor/1`s of this socket, each owed a `'DOWN'` when it closes.
    pub monitors: Vec<SocketMonitor>,
    /// Set by the fault tests only: the poller panics on this socket's next event.
    pub panic_on_next_event: bool,
}

/// Traffic counters for `inet:getstat/2`: user data messages only, as OTP counts them.
#[derive(Default)]
pub struct Stats {
    pub recv_cnt: AtomicU64,
    pub recv_oct: AtomicU64,
    pub recv_max: AtomicU64,
    pub send_cnt: AtomicU64,
    pub send_oct: AtomicU64,
    pub send_max: AtomicU64,
}

impl Stats {
    pub fn received(&self, len: usize) {
        count(&self.recv_cnt, &self.recv_oct, &self.recv_max, len);
    }

    pub fn sent(&self, len: usize) {
        count(&self.send_cnt, &self.send_oct, &self.send_max, len);
    }
}

fn count(cnt: &AtomicU64, oct: &AtomicU64, max: &AtomicU64, len: usize) {
    cnt.fetch_add(1, Ordering::Relaxed);
    oct.fetch_add(len as u64, Ordering::Relaxed);
    max.fetch_max(len as u64, Ordering::Relaxed);
}

pub struct Socket {
    pub id: u64,
    pub family: i32,
    pub stats: Stats,
    fd: RwLock<Option<OwnedFd>>,
    state: Mutex<State>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// OTP's default user buffer; it is raised to `recbuf` when that is set.
pub const DEFAULT_BUFFER: usize = 65536;

/// One received message, complete: its bytes are the front of the caller's scratch buffer.
pub struct Message {
    pub from: Option<SocketAddr>,
    pub anc: Vec<Ancillary>,
    pub notification: bool,
    pub len: usize,
}

impl Message {
    /// What the message carries, read from its `bytes`: `Some(None)` for user data,
    /// `Some(Some(n))` for a notification, and `None` for a notification of a type OTP never
    /// subscribes to, which is dropped.
    pub fn content(&self, bytes: &[u8]) -> Option<Option<notification::Notification>> {
        match self.notification {
            true => notification::decode(bytes).map(Some),
            false => Some(None),
        }
    }
}

impl Socket {
    pub fn new(fd: OwnedFd, family: i32, owner: LocalPid) -> Socket {
        Socket {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            family,
            stats: Stats::default(),
            fd: RwLock::new(Some(fd)),
            state: Mutex::new(State {
                owner,
                owner_monitor: None,
                active: Active::False,
                mode: Mode::Binary,
                buffer: DEFAULT_BUFFER,
                reader: None,
                reader_woken: false,
                writers: Vec::new(),
                armed: 0,
                send_defaults: HashMap::new(),
                high_msgq_watermark: 8192,
                low_msgq_watermark: 4096,
                send_timeout: None,
                non_block_send: false,
                partial: None,
                reads_ahead: false,
                ahead: ReadAhead::default(),
                hangup: false,
                listening: false,
                closed: false,
                monitors: Vec::new(),
                panic_on_next_event: false,
            }),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held leaves consistent data here: every update is a
        // plain field store, so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` with the fd, or fails with `Closed`. The fd cannot be closed meanwhile.
    pub fn with_fd<T>(&self, f: impl FnOnce(RawFd) -> Result<T>) -> Result<T> {
        let guard = self.fd.read().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(fd) => f(fd.as_raw_fd()),
            None => Err(Error::Closed),
        }
    }

    pub fn raw_fd(&self) -> Option<RawFd> {
        let guard = self.fd.read().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().map(|fd| fd.as_raw_fd())
    }

    /// Closes the socket once: wakes every waiter (their retry then sees `closed`), fires its
    /// monitors and tells the poller to forget it. Later calls do nothing.
    pub fn close(&self) {
        let (waiters, monitors) = {
            let mut st = self.state();
            if st.closed {
                return;
            }
            st.closed = true;
            st.active = Active::False;
            st.partial = None;
            st.ahead = ReadAhead::default();
            let mut waiters = std::mem::take(&mut st.writers);
            waiters.extend(st.reader.take());
            // Drop the fd while the state lock is held, so the poller never sees an open
            // state with a closed fd.
            let fd = self.fd.write().unwrap_or_else(|p| p.into_inner()).take();
            drop(fd);
            (waiters, std::mem::take(&mut st.monitors))
        };
        poller::forget(self.id, waiters, monitors::fired(monitors));
    }

    /// Takes the next complete message, read ahead or from the kernel, into `scratch`
    /// (grown as needed). `Ok(None)`: would block; fragments read so far are kept in the
    /// state for the next call.
    pub fn read_message(&self, st: &mut State, scratch: &mut Vec<u8>) -> Result<Option<Message>> {
        match st.ahead.pop() {
            Some(Early::Message {
                bytes,
                from,
                anc,
                notification,
            }) => {
                put_front(scratch, &bytes);
                Ok(Some(Message {
                    from,
                    anc,
                    notification,
                    len: bytes.len(),
                }))
            }
            Some(Early::Failed(e)) => Err(e),
            None => self.read_kernel(st, scratch),
        }
    }

    /// Reads ahead while the socket wants it (see `ReadAhead`); true if anything was read.
    pub fn read_ahead(&self, st: &mut State, scratch: &mut Vec<u8>) -> bool {
        st.ahead.limit = self.with_fd(|fd| Ok(recbuf(fd))).ok();
        let mut read = false;
        while st.wants_read_ahead() {
            let early = match self.read_kernel(st, scratch) {
                // The end of input, which `recv` reports (see `read_message`).
                Ok(Some(msg)) if msg.len == 0 => break,
                Ok(Some(msg)) => Early::Message {
                    bytes: scratch[..msg.len].to_vec(),
                    from: msg.from,
                    anc: msg.anc,
                    notification: msg.notification,
                },
                Ok(None) | Err(Error::Closed) => break,
                Err(e) => Early::Failed(e),
            };
            st.ahead.push(early);
            read = true;
        }
        read
    }

    fn read_kernel(&self, st: &mut State, scratch: &mut Vec<u8>) -> Result<Option<Message>> {
        let msg = self.with_fd(|fd| read_message(fd, st, scratch))?;
        if let Some(m) = msg.as_ref().filter(|m| !m.notification) {
            self.stats.received(m.len);
        }
        Ok(msg)
    }
}

/// Copies `bytes` to the front of `scratch`. The buffer only ever grows: shortening it
/// would have the next read zero a whole `buffer` again.
fn put_front(scratch: &mut Vec<u8>, bytes: &[u8]) {
    if scratch.len() < bytes.len() {
        scratch.resize(bytes.len(), 0);
    }
    scratch[..bytes.len()].copy_from_slice(bytes);
}

/// The `recbuf` set on the socket: Linux reports twice that, its own overhead included.
fn recbuf(fd: RawFd) -> usize {
    let mut doubled: i32 = 0;
    match ffi::getsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, &mut doubled) {
        Ok(()) => doubled.max(0) as usize / 2,
        Err(_) => 0,
    }
}

fn read_message(fd: RawFd, st: &mut State, scratch: &mut Vec<u8>) -> Result<Option<Message>> {
    let mut control = [0u8; 256];
    let chunk = st.buffer.max(1024);
    let mut filled = 0;
    let mut first: Option<(Option<SocketAddr>, Vec<Ancillary>, bool)> = None;
    if let Some(p) = st.partial.take() {
        put_front(scratch, &p.bytes);
        filled = p.bytes.len();
        first = Some((p.from, p.anc, p.notification));
    }
    loop {
        if scratch.len() < filled + chunk {
            scratch.resize(filled + chunk, 0);
        }
        let got = match ffi::recvmsg(fd, &mut scratch[filled..filled + chunk], &mut control) {
            Ok(got) => got,
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => {
                if let Some((from, anc, notification)) = first {
                    st.partial = Some(Partial {
                        bytes: scratch[..filled].to_vec(),
                        from,
                        anc,
                        notification,
                    });
                }
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        filled += got.len;
        if first.is_none() {
            let from = addr::from_raw(&got.from, got.from_len);
            let anc = notification::ancillary(&control[..got.control_len]);
            let is_notification = got.flags & libc::MSG_NOTIFICATION != 0;
            first = Some((from, anc, is_notification));
        }
        if got.len == 0 && filled == 0 && got.flags & libc::MSG_NOTIFICATION == 0 {
            // End of input: the peer of a one-to-one socket shut down. Such a socket stays
            // readable, and every read gives 0 bytes: stop watching it for input.
            st.hangup = true;
        }
        if got.flags & libc::MSG_EOR != 0 || got.len == 0 {
            let (from, anc, notification) = first.unwrap_or((None, Vec::new(), false));
            return Ok(Some(Message {
                from,
                anc,
                notification,
                len: filled,
            }));
        }
    }
}

impl State {
    /// The readiness this socket needs watched.
    pub fn interest(&self) -> u32 {
        if self.closed {
            return 0;
        }
        let mut events = 0;
        let delivers = self.active != Active::False && !self.listening;
        if (delivers || self.reader.is_some() || self.wants_read_ahead()) && !self.hangup {
            events |= ffi::EPOLLIN;
        }
        if !self.writers.is_empty() {
            events |= ffi::EPOLLOUT;
        }
        events
    }

    fn wants_read_ahead(&self) -> bool {
        self.reads_ahead
            && !self.reader_woken
            && self.active == Active::False
            && !self.listening
            && !self.closed
            && self.ahead.open()
    }

    /// Read-ahead messages wait for an active socket to deliver them.
    pub fn has_early_delivery(&self) -> bool {
        self.active != Active::False && !self.ahead.is_empty()
    }

    /// Counts one delivered message; true when the socket just turned passive because
    /// `{active, N}` ran out (the caller then sends `{sctp_passive, S}`).
    pub fn count_delivery(&mut self) -> bool {
        match self.active {
            Active::Once => {
                self.active = Active::False;
                self.reads_ahead = true;
                false
            }
            Active::Count(n) if n <= 1 => {
                self.active = Active::False;
                self.reads_ahead = true;
                true
            }
            Active::Count(n) => {
                self.active = Active::Count(n - 1);
                false
            }
            Active::True | Active::False => false,
        }
    }

    /// What a socket branched off this one (by peeloff or accept) starts with, as the kernel
    /// copies the socket options: mode, buffer, active mode, send defaults and timeout.
    pub fn inherit(&self, child: &mut State) {
        child.mode = self.mode;
        child.buffer = self.buffer;
        child.active = self.active;
        child.send_defaults = self.send_defaults.clone();
        child.send_timeout = self.send_timeout;
        child.high_msgq_watermark = self.high_msgq_watermark;
        child.low_msgq_watermark = self.low_msgq_watermark;
    }

    /// Removes the caller's pending wait, if it is still registered.
    pub fn cancel(&mut self, pid: &LocalPid) -> bool {
        if self.reader.as_ref().is_some_and(|w| w.pid == *pid) {
            self.reader = None;
            return true;
        }
        let before = self.writers.len();
        self.writers.retain(|w| w.pid != *pid);
        before != self.writers.len()
    }
}

#[rustler::resource_impl]
impl Resource for Socket {
    const IMPLEMENTS_DOWN: bool = true;

    /// The owner died: close, as a port closes when its owner exits. A process that
    /// monitored the socket died: its monitors go.
    fn down<'a>(&'a self, _env: Env<'a>, pid: LocalPid, _monitor: Monitor) {
        if self.state().owner == pid {
            self.close();
        }
        monitors::process_exited(self, &pid);
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // The last reference is gone: the fd (if still open) closes with the OwnedFd.
        let st = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
        st.closed = true;
    }
}
