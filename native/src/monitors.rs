//! Socket monitors, for `inet:monitor/1` and `inet:cancel_monitor/1`: each socket keeps the
//! monitors on it, and one table finds a monitor's socket from its reference, which is all
//! `cancel_monitor` is given. When the socket closes, in whatever way, each monitoring
//! process gets `{'DOWN', MRef, socket, S, closed}` once, as from OTP's module-based sockets
//! (gen_tcp_socket, gen_udp_socket).

use std::collections::HashMap;
use std::sync::Mutex;

use once_cell::sync::Lazy;
use rustler::{Encoder, Env, LocalPid, ResourceArc, Term};

use crate::atoms;
use crate::socket::{Socket, SocketMonitor, Waiter};
use crate::terms;

/// A monitor that fired: the socket closed.
pub struct Down {
    watcher: Waiter,
    socket: ResourceArc<Socket>,
}

/// The monitored sockets by monitor reference. A socket stays here, and so alive, while
/// monitored: it closes by `close/1` or its owner's exit, never unnoticed by the collector.
static TABLE: Lazy<Mutex<HashMap<Vec<u8>, ResourceArc<Socket>>>> = Lazy::new(Default::default);

fn table() -> std::sync::MutexGuard<'static, HashMap<Vec<u8>, ResourceArc<Socket>>> {
    // Every update under this lock is a single map operation: a poisoned lock is usable.
    TABLE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts a monitor of `socket` for the caller and returns its reference. A socket that is
/// already closed gets its `'DOWN'` at once, with `nosock` as gen_tcp_socket gives.
pub fn monitor<'a>(env: Env<'a>, socket: &ResourceArc<Socket>) -> Term<'a> {
    let mref = env.make_ref().encode(env);
    let key = mref.to_binary().as_slice().to_vec();
    let pid = env.pid();
    let mut st = socket.state();
    if socket.is_closed() {
        drop(st);
        let down = down_message(env, mref, socket, atoms::nosock().encode(env));
        let _ = env.send(&pid, down);
        return mref;
    }
    let process = env.monitor(socket, &pid);
    st.monitors.push(SocketMonitor {
        key: key.clone(),
        watcher: Waiter::new(pid, mref),
        process,
    });
    // In the table before the socket's lock is released: a close that follows finds it.
    table().insert(key, socket.clone());
    drop(st);
    mref
}

/// Removes the caller's monitor `mref`: true if it was there, so no `'DOWN'` comes for it;
/// false for a monitor that fired already, another process's, or an unknown reference.
pub fn cancel(env: Env, mref: Term) -> bool {
    let key = mref.to_binary().as_slice().to_vec();
    let Some(socket) = table().get(&key).cloned() else {
        return false;
    };
    let caller = env.pid();
    let removed = {
        let mut st = socket.state();
        let at = st.monitors.iter().position(|m| m.key == key);
        match at {
            Some(i) if st.monitors[i].watcher.pid == caller => Some(st.monitors.remove(i)),
            _ => None,
        }
    };
    let Some(mon) = removed else {
        return false;
    };
    if let Some(process) = mon.process {
        env.demonitor(&socket, &process);
    }
    table().remove(&key);
    true
}

/// The monitors of a socket that just closed, out of the table: each is owed a `'DOWN'`.
pub fn fired(monitors: Vec<SocketMonitor>) -> Vec<Down> {
    let mut table = table();
    monitors
        .into_iter()
        .filter_map(|m| {
            let socket = table.remove(&m.key)?;
            Some(Down {
                watcher: m.watcher,
                socket,
            })
        })
        .collect()
}

/// A monitoring process exited: its monitors of `socket` go. Hands back the table's
/// references, for the poller to drop: the resource callback that calls this must not.
pub fn process_exited(socket: &Socket, pid: &LocalPid) -> Vec<ResourceArc<Socket>> {
    let gone: Vec<SocketMonitor> = {
        let mut st = socket.state();
        let (gone, kept) = std::mem::take(&mut st.monitors)
            .into_iter()
            .partition(|m| m.watcher.pid == *pid);
        st.monitors = kept;
        gone
    };
    let mut table = table();
    gone.iter().filter_map(|m| table.remove(&m.key)).collect()
}

/// Sends the `'DOWN'` of a fired monitor; from the poller, which is not a scheduler thread.
pub fn send_down(down: Down) {
    let Down { watcher, socket } = down;
    let Waiter { pid, mut env, tag } = watcher;
    let _ = env.send_and_clear(&pid, |env| {
        down_message(env, tag.load(env), &socket, atoms::closed().encode(env))
    });
}

fn down_message<'a>(
    env: Env<'a>,
    mref: Term<'a>,
    socket: &ResourceArc<Socket>,
    reason: Term<'a>,
) -> Term<'a> {
    let s = terms::socket(env, socket);
    (atoms::down_tag(), mref, atoms::socket(), s, reason).encode(env)
}
