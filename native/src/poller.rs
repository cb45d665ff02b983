//! The pollers: each one thread with an epoll set and a wake-up eventfd. A poller watches
//! the sockets that are active or have a waiter, delivers active-mode messages to the owner
//! (through `delivery`), hands a waiting `recv` its message, and wakes waiting `accept`
//! and `send` callers. A socket is served by one poller for its life, chosen by its id;
//! only that thread registers its fd with epoll and sends its messages from an `OwnedEnv`.
//! The NIFs talk to it over a channel.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Receiver, Sender};
use once_cell::sync::Lazy;
use rustler::ResourceArc;

use crate::delivery::{self, wake, Outbox, ThreadEnvs};
use crate::ffi::{self, Epoll, EventFd};
use crate::monitors::{self, Down};
use crate::socket::{Socket, State, Waiter};

enum Command {
    /// Recompute what this socket needs watched.
    Watch(ResourceArc<Socket>),
    /// The socket closed: drop it, wake its waiters and send its monitors' `'DOWN'`s.
    Forget(u64, Vec<Waiter>, Vec<Down>),
    /// References to drop here rather than where they were let go.
    Release(Vec<ResourceArc<Socket>>),
}

struct Handle {
    commands: Sender<Command>,
    wake: Arc<EventFd>,
}

/// How many pollers to start, set at load.
static POLLER_COUNT: AtomicUsize = AtomicUsize::new(1);
/// The most pollers the `pollers` setting may ask for.
const MAX_POLLERS: usize = 16;
/// Unless `pollers` is set, one poller per scheduler up to this many: with two busy sockets
/// in active mode on two CPUs, two pollers went faster than one.
const DEFAULT_MAX_POLLERS: usize = 4;

static POLLERS: Lazy<Vec<Handle>> = Lazy::new(|| {
    (0..POLLER_COUNT.load(Ordering::Relaxed))
        .map(|_| start())
        .collect()
});

/// Sets how many pollers serve the sockets, from the library's load before the first socket
/// opens: `setting` (the `pollers` application variable) if it is 1 to `MAX_POLLERS`,
/// otherwise the default for `schedulers`.
pub fn set_count(setting: Option<usize>, schedulers: usize) {
    let count = match setting {
        Some(n) if (1..=MAX_POLLERS).contains(&n) => n,
        _ => schedulers.clamp(1, DEFAULT_MAX_POLLERS),
    };
    POLLER_COUNT.store(count, Ordering::Relaxed);
}

const WAKE_TOKEN: u64 = 0;
/// Messages delivered or read ahead from one socket per wake-up, so that one busy socket
/// cannot starve the others, nor its owner's `recv` wait long for the socket's lock. What
/// is left epoll reports again, as it watches level-triggered.
pub const DELIVERY_BUDGET: usize = 64;
/// How often waiting senders retry without a sign from epoll. Linux can account send space
/// per association (`net.sctp.sndbuf_policy = 1`) while epoll reports writability for the
/// socket's total, so one full association would otherwise hold back the socket's others.
const WRITE_RETRY: Duration = Duration::from_millis(20);

fn start() -> Handle {
    let (commands, inbox) = unbounded();
    let wake = Arc::new(EventFd::new().expect("eventfd for the SCTP poller"));
    let epoll = Epoll::new().expect("epoll for the SCTP poller");
    epoll
        .add(wake.raw(), ffi::EPOLLIN, WAKE_TOKEN)
        .expect("watching the poller's eventfd");
    let thread_wake = wake.clone();
    std::thread::Builder::new()
        .name("gen_sctp_poller".into())
        .spawn(move || Poller::new(epoll, thread_wake, inbox).run())
        .expect("starting the SCTP poller thread");
    Handle { commands, wake }
}

/// Sends `cmd` to the poller that serves the socket with id `socket_id`.
fn send(socket_id: u64, cmd: Command) {
    let poller = &POLLERS[(socket_id % POLLERS.len() as u64) as usize];
    if poller.commands.send(cmd).is_ok() {
        poller.wake.notify();
    }
}

/// Asks the poller to bring its watch of `socket` in line with the socket's state.
pub fn watch(socket: ResourceArc<Socket>) {
    send(socket.id, Command::Watch(socket));
}

/// Closes `socket`, its state locked as `st`, unless it is closed already: the poller
/// forgets it, wakes its waiters and sends its monitors' `'DOWN'`s.
pub fn close(socket: &Socket, st: &mut State) {
    if let Some(closed) = socket.close(st) {
        let downs = monitors::fired(closed.monitors);
        send(socket.id, Command::Forget(socket.id, closed.waiters, downs));
    }
}

/// Has a poller drop `sockets`, from a resource callback that must not free its own.
pub fn release(sockets: Vec<ResourceArc<Socket>>) {
    if let Some(first) = sockets.first() {
        send(first.id, Command::Release(sockets));
    }
}

/// Panics the poller caught: each ended one wake-up's work on one socket.
static CAUGHT_PANICS: AtomicU64 = AtomicU64::new(0);

#[cfg(feature = "test-hooks")]
pub fn caught_panics() -> u64 {
    CAUGHT_PANICS.load(Ordering::Relaxed)
}

/// Socket events the poller has handled, for the tests that show it does not spin.
#[cfg(feature = "test-hooks")]
static EVENTS: AtomicU64 = AtomicU64::new(0);

#[cfg(feature = "test-hooks")]
pub fn events_handled() -> u64 {
    EVENTS.load(Ordering::Relaxed)
}

/// Runs one piece of the poller's work; a panic in it is counted and goes no further, so
/// one socket's trouble cannot stop the thread serving all the others.
fn contained(work: impl FnOnce()) {
    if catch_unwind(AssertUnwindSafe(work)).is_err() {
        CAUGHT_PANICS.fetch_add(1, Ordering::Relaxed);
    }
}

struct Poller {
    epoll: Epoll,
    wake: Arc<EventFd>,
    inbox: Receiver<Command>,
    watched: HashMap<u64, ResourceArc<Socket>>,
    /// The sockets that have senders waiting for room.
    writing: HashMap<u64, ResourceArc<Socket>>,
    next_write_retry: Option<Instant>,
    envs: ThreadEnvs,
    scratch: Vec<u8>,
}

impl Poller {
    fn new(epoll: Epoll, wake: Arc<EventFd>, inbox: Receiver<Command>) -> Poller {
        Poller {
            epoll,
            wake,
            inbox,
            watched: HashMap::new(),
            writing: HashMap::new(),
            next_write_retry: None,
            envs: ThreadEnvs::new(),
            scratch: Vec::new(),
        }
    }

    fn run(mut self) {
        let mut events = vec![ffi::epoll_event_empty(); 256];
        loop {
            let n = self.epoll.wait(&mut events, self.wait_limit()).unwrap_or(0);
            for ev in &events[..n] {
                let (token, flags) = (ev.u64, ev.events);
                contained(|| {
                    if token == WAKE_TOKEN {
                        self.wake.drain();
                        self.commands();
                    } else {
                        self.ready(token, flags);
                    }
                });
            }
            contained(|| self.retry_writers_when_due());
        }
    }

    /// Milliseconds until waiting senders are due to retry, rounded up so that the wait
    /// does not end early and spin; -1 when none wait.
    fn wait_limit(&self) -> i32 {
        match self.next_write_retry {
            Some(due) => due
                .saturating_duration_since(Instant::now())
                .as_micros()
                .div_ceil(1000)
                .try_into()
                .unwrap_or(i32::MAX),
            None => -1,
        }
    }

    /// Once per `WRITE_RETRY`, wakes every sender waiting on a socket where none has sent
    /// since the last time (`Flow::retry_writers`); each retries its send and waits again
    /// if there is still no room.
    fn retry_writers_when_due(&mut self) {
        match self.next_write_retry {
            Some(due) if due <= Instant::now() => {}
            _ => return,
        }
        let writing: Vec<ResourceArc<Socket>> = self.writing.drain().map(|(_, s)| s).collect();
        for socket in writing {
            let mut st = socket.state();
            st.flow.retry_writers().into_iter().for_each(wake);
            self.rearm(&socket, &mut st);
        }
        self.schedule_write_retry();
    }

    fn schedule_write_retry(&mut self) {
        self.next_write_retry = match (self.writing.is_empty(), self.next_write_retry) {
            (true, _) => None,
            (false, Some(due)) if due > Instant::now() => Some(due),
            (false, _) => Some(Instant::now() + WRITE_RETRY),
        };
    }

    fn commands(&mut self) {
        while let Ok(cmd) = self.inbox.try_recv() {
            match cmd {
                Command::Watch(socket) => {
                    let early = socket.state().flow.has_early_delivery();
                    if early {
                        self.deliver(&socket, false);
                    }
                    self.rearm(&socket, &mut socket.state());
                }
                Command::Forget(id, waiters, downs) => {
                    self.watched.remove(&id);
                    self.writing.remove(&id);
                    waiters.into_iter().for_each(wake);
                    downs.into_iter().for_each(monitors::send_down);
                }
                Command::Release(sockets) => drop(sockets),
            }
        }
    }

    /// Registers, changes or drops the epoll interest of `socket` to what its state needs.
    fn rearm(&mut self, socket: &ResourceArc<Socket>, st: &mut State) {
        let want = st.flow.interest();
        self.track_writers(socket, st.flow.has_writers());
        if want == st.armed {
            return;
        }
        let Some(fd) = socket.raw_fd() else {
            st.armed = 0;
            self.watched.remove(&socket.id);
            return;
        };
        let result = match (st.armed, want) {
            (0, _) => self.epoll.add(fd, want, socket.id),
            (_, 0) => self.epoll.delete(fd),
            _ => self.epoll.modify(fd, want, socket.id),
        };
        if result.is_err() {
            // The fd is unusable for epoll; treat it as unwatched rather than spin.
            st.armed = 0;
            self.watched.remove(&socket.id);
            return;
        }
        st.armed = want;
        if want == 0 {
            self.watched.remove(&socket.id);
        } else {
            self.watched.insert(socket.id, socket.clone());
        }
    }

    /// Keeps `socket` for the periodic retry while senders wait on it, whether epoll
    /// watches it or not (it may not while a woken sender has yet to send).
    fn track_writers(&mut self, socket: &ResourceArc<Socket>, waiting: bool) {
        if waiting {
            self.writing
                .entry(socket.id)
                .or_insert_with(|| socket.clone());
        } else {
            self.writing.remove(&socket.id);
        }
        self.schedule_write_retry();
    }

    fn ready(&mut self, token: u64, flags: u32) {
        #[cfg(feature = "test-hooks")]
        EVENTS.fetch_add(1, Ordering::Relaxed);
        let Some(socket) = self.watched.get(&token).cloned() else {
            return;
        };
        let mut st = socket.state();
        #[cfg(feature = "test-hooks")]
        if std::mem::take(&mut st.panic_on_next_event) {
            panic!("fault injected into the poller");
        }
        // A socket error (EPOLLERR) is read, and so cleared, like a message; only a hang-up
        // stays.
        let hangup = flags & libc::EPOLLHUP as u32 != 0;
        let failed = hangup || flags & libc::EPOLLERR as u32 != 0;
        let readable = flags & ffi::EPOLLIN != 0;
        if readable && !failed && delivery::hand_to_receiver(&socket, &mut st, &mut self.scratch) {
            // What else has come is read ahead now, rather than on the next wake-up.
            socket.read_ahead(&mut st, &mut self.scratch, DELIVERY_BUDGET);
        } else if readable || failed {
            if let Some(reader) = st.flow.wake_reader() {
                wake(reader);
            } else if st.flow.is_active() {
                drop(st);
                self.deliver(&socket, hangup);
                st = socket.state();
            } else if !socket.read_ahead(&mut st, &mut self.scratch, DELIVERY_BUDGET) && hangup {
                st.flow.end_input();
            }
        }
        if failed {
            st.flow.wake_writers().into_iter().for_each(wake);
        } else if flags & ffi::EPOLLOUT != 0 {
            // One sender at a time: each whose send goes out wakes the next (`Flow::sent`).
            st.flow.wake_writer().into_iter().for_each(wake);
        }
        self.rearm(&socket, &mut st);
    }

    /// Reads the socket dry (up to the budget) and sends each message to the owner. The
    /// socket is locked for one message at a time: the owner's own calls on it (a `send`
    /// from a server that answers in active mode, `setopts`) wait for one message, not for
    /// the whole budget.
    fn deliver(&mut self, socket: &ResourceArc<Socket>, hangup: bool) {
        let mut out = Outbox::Thread(&mut self.envs);
        let mut delivered_any = false;
        for _ in 0..DELIVERY_BUDGET {
            let mut st = socket.state();
            if !delivery::deliver_one(&mut out, socket, &mut st, &mut self.scratch) {
                break;
            }
            delivered_any = true;
        }
        let mut st = socket.state();
        if hangup && !delivered_any && st.flow.is_active() {
            // Nothing left to read on a hung-up socket: stop watching it for input. (One
            // that turned passive meanwhile is the read-ahead's to judge.)
            st.flow.end_input();
        }
        if st.flow.has_early_delivery() {
            // Out of budget with messages read ahead, which epoll will not report: a
            // `Watch` to this thread goes on with them.
            watch(socket.clone());
        }
    }
}
