//! The socket resource: the fd, and behind one lock the state its owner set (owner, mode,
//! buffer, send defaults, monitors) with its `Flow` and its messages in progress; reading
//! messages from the kernel, reassembled (`reassembly`), into the caller's buffer.

use std::collections::HashMap;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};

use rustler::env::SavedTerm;
use rustler::{LocalPid, Monitor, OwnedEnv, Term};

use crate::addr;
use crate::error::{Error, Result};
use crate::ffi::{self, sctp_sndrcvinfo, AssocId};
use crate::flow::{Early, Flow, Header, ReadAhead};
use crate::notification::{self, Notification};
use crate::reassembly::{Partials, Piece};

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

/// The message that ended an `{active, N}` count and the `{sctp_passive, S}` after it, built
/// by the poller thread and waiting to be sent from a scheduler (`delivery`).
pub struct Handoff {
    pub env: OwnedEnv,
    pub message: SavedTerm,
    pub passive: SavedTerm,
}

/// One `inet:monitor/1` on a socket: the monitoring process and the reference, kept as a
/// waiter's tag is.
pub struct SocketMonitor {
    /// The monitor reference in the external term format: `monitors`' table key.
    pub key: Vec<u8>,
    pub watcher: Waiter,
    /// Our monitor of the monitoring process, so that its monitors go when it exits.
    pub process: Option<Monitor>,
}

pub struct State {
    pub owner: LocalPid,
    pub owner_monitor: Option<Monitor>,
    pub flow: Flow<Waiter>,
    pub mode: Mode,
    /// Receive buffer size per recvmsg call (the `buffer` option).
    pub buffer: usize,
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
    /// The first pieces of messages whose end (`MSG_EOR`) has not arrived yet.
    pub partials: Partials,
    /// `inet:monitor/1`s of this socket, each owed a `'DOWN'` when it closes.
    pub monitors: Vec<SocketMonitor>,
    /// The pair the poller handed to the relay, until the relay or a NIF call sends it.
    pub handoff: Option<Handoff>,
    /// Set by the fault tests only: the poller panics on this socket's next event.
    #[cfg(feature = "test-hooks")]
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
    /// A one-to-one (`SOCK_STREAM`) socket rather than one-to-many (`SOCK_SEQPACKET`).
    pub stream: bool,
    pub stats: Stats,
    /// `None` once closed: the one record of that.
    fd: RwLock<Option<OwnedFd>>,
    state: Mutex<State>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// OTP's default user buffer; it is raised to `recbuf` when that is set.
pub const DEFAULT_BUFFER: usize = 65536;

/// One received message, complete: its bytes are the front of the caller's scratch buffer,
/// or, for one read ahead, the bytes kept then (not copied again).
pub struct Message {
    pub header: Header,
    pub len: usize,
    early: Option<Vec<u8>>,
}

/// What a received message carries.
pub enum Content {
    Data,
    Event(Notification),
    /// A notification of a type OTP never subscribes to: dropped.
    Ignored,
}

impl Message {
    pub fn bytes<'a>(&'a self, scratch: &'a [u8]) -> &'a [u8] {
        match &self.early {
            Some(bytes) => bytes,
            None => &scratch[..self.len],
        }
    }

    /// What the message carries, read from its `bytes`.
    pub fn content(&self, bytes: &[u8]) -> Content {
        match self.header.notification {
            true => notification::decode(bytes).map_or(Content::Ignored, Content::Event),
            false => Content::Data,
        }
    }
}

/// What a close hands back: the waiters to wake and the monitors that fired.
pub struct Closed {
    pub waiters: Vec<Waiter>,
    pub monitors: Vec<SocketMonitor>,
}

impl Socket {
    pub fn new(fd: OwnedFd, family: i32, stream: bool, owner: LocalPid) -> Socket {
        let recbuf = recbuf(fd.as_raw_fd());
        Socket {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            family,
            stream,
            stats: Stats::default(),
            fd: RwLock::new(Some(fd)),
            state: Mutex::new(State {
                owner,
                owner_monitor: None,
                flow: Flow::new(recbuf),
                mode: Mode::Binary,
                buffer: DEFAULT_BUFFER,
                armed: 0,
                send_defaults: HashMap::new(),
                high_msgq_watermark: 8192,
                low_msgq_watermark: 4096,
                send_timeout: None,
                non_block_send: false,
                partials: Partials::default(),
                monitors: Vec::new(),
                handoff: None,
                #[cfg(feature = "test-hooks")]
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

    pub fn is_closed(&self) -> bool {
        self.raw_fd().is_none()
    }

    /// Closes the socket, with its state locked as `st`; `None` if it was closed already.
    /// The caller wakes the waiters (their retry then sees `closed`) and fires the monitors
    /// it hands back.
    pub fn close(&self, st: &mut State) -> Option<Closed> {
        // The fd goes while the state lock is held, so that no one sees an open state with
        // a closed fd.
        let fd = self.fd.write().unwrap_or_else(|p| p.into_inner()).take()?;
        drop(fd);
        st.partials = Partials::default();
        Some(Closed {
            waiters: st.flow.close(),
            monitors: std::mem::take(&mut st.monitors),
        })
    }

    /// Takes the next complete message, read ahead or from the kernel into `scratch`
    /// (grown as needed). `Ok(None)`: would block; pieces read so far are kept in the
    /// state for the next call.
    pub fn read_message(&self, st: &mut State, scratch: &mut Vec<u8>) -> Result<Option<Message>> {
        match st.flow.pop_early() {
            Some(Early::Message(header, bytes)) => Ok(Some(Message {
                header,
                len: bytes.len(),
                early: Some(bytes),
            })),
            Some(Early::Failed(e)) => Err(e),
            None => self.read_kernel(st, scratch),
        }
    }

    /// Reads ahead while the socket wants it (see `flow::ReadAhead`), up to `budget`
    /// messages; true if anything was read.
    pub fn read_ahead(&self, st: &mut State, scratch: &mut Vec<u8>, budget: usize) -> bool {
        let mut read = false;
        for _ in 0..budget {
            if !st.flow.wants_read_ahead() {
                break;
            }
            let early = match self.read_kernel(st, scratch) {
                // The end of input, which `recv` reports (see `read_message`).
                Ok(Some(msg)) if msg.len == 0 => break,
                Ok(Some(msg)) => Early::Message(msg.header, scratch[..msg.len].to_vec()),
                Ok(None) | Err(Error::Closed) => break,
                Err(e) => Early::Failed(e),
            };
            st.flow.push_early(early);
            read = true;
        }
        read
    }

    fn read_kernel(&self, st: &mut State, scratch: &mut Vec<u8>) -> Result<Option<Message>> {
        let msg = self.with_fd(|fd| read_message(fd, st, scratch))?;
        if let Some(m) = msg.as_ref().filter(|m| !m.header.notification) {
            self.stats.received(m.len);
        }
        Ok(msg)
    }
}

/// The `recbuf` set on the socket: Linux reports twice that, its own overhead included.
pub fn recbuf(fd: RawFd) -> usize {
    let mut doubled: i32 = 0;
    match ffi::getsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, &mut doubled) {
        Ok(()) => doubled.max(0) as usize / 2,
        Err(_) => 0,
    }
}

fn read_message(fd: RawFd, st: &mut State, scratch: &mut Vec<u8>) -> Result<Option<Message>> {
    let mut control = [0u8; ffi::RECV_CONTROL_SPACE];
    let chunk = st.buffer.max(1024);
    let read = st.partials.read(scratch, chunk, |buf| {
        let got = match ffi::recvmsg(fd, buf, &mut control) {
            Ok(got) => got,
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let header = Header {
            from: addr::from_raw(&got.from, got.from_len),
            anc: notification::ancillary(&control[..got.control_len]),
            notification: got.flags & libc::MSG_NOTIFICATION != 0,
        };
        let eor = got.flags & libc::MSG_EOR != 0;
        Ok(Some(Piece {
            len: got.len,
            eor,
            header,
        }))
    })?;
    let Some((header, len)) = read else {
        return Ok(None);
    };
    if len == 0 && !header.notification {
        // End of input: the peer of a one-to-one socket shut down. Such a socket stays
        // readable, and every read gives 0 bytes: stop watching it for input.
        st.flow.end_input();
    }
    Ok(Some(Message {
        header,
        len,
        early: None,
    }))
}

impl State {
    /// What a socket branched off this one (by peeloff or accept) starts with, as the kernel
    /// copies the socket options: mode, buffer, active mode, send defaults and timeout, and
    /// `early` and `partials`, the messages read ahead and in progress that are its own.
    pub fn branch(&self, owner: LocalPid, early: ReadAhead, partials: Partials) -> State {
        State {
            owner,
            owner_monitor: None,
            flow: self.flow.branch(early),
            mode: self.mode,
            buffer: self.buffer,
            armed: 0,
            send_defaults: self.send_defaults.clone(),
            high_msgq_watermark: self.high_msgq_watermark,
            low_msgq_watermark: self.low_msgq_watermark,
            send_timeout: self.send_timeout,
            non_block_send: false,
            partials,
            monitors: Vec::new(),
            handoff: None,
            #[cfg(feature = "test-hooks")]
            panic_on_next_event: false,
        }
    }
}
