//! The crate's one error type and its Erlang form: `{error, Posix}` or a `badarg` exception.

use std::io;

use rustler::{Atom, Encoder, Env, Term};

use crate::atoms;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The socket has been closed.
    Closed,
    /// A system call failed with this errno.
    Posix(i32),
    /// Malformed arguments: the shim raises `badarg`.
    Badarg,
    /// Only the owner may do this.
    NotOwner,
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Posix(e.raw_os_error().unwrap_or(libc::EIO))
    }
}

impl From<rustler::Error> for Error {
    fn from(_: rustler::Error) -> Error {
        Error::Badarg
    }
}

pub fn einval() -> Error {
    Error::Posix(libc::EINVAL)
}

impl Error {
    pub fn reason<'a>(&self, env: Env<'a>) -> Term<'a> {
        match self {
            Error::Closed => atoms::closed().encode(env),
            Error::Badarg => atoms::badarg().encode(env),
            Error::NotOwner => Atom::from_str(env, "not_owner")
                .map(|a| a.encode(env))
                .unwrap_or_else(|_| atoms::badarg().encode(env)),
            Error::Posix(errno) => posix_atom(env, *errno),
        }
    }
}

impl Encoder for Error {
    fn encode<'a>(&self, env: Env<'a>) -> Term<'a> {
        (atoms::error(), self.reason(env)).encode(env)
    }
}

/// The errno's POSIX name in lower case as `inet:posix()` spells it; `unknown` otherwise.
fn posix_atom(env: Env<'_>, errno: i32) -> Term<'_> {
    let name = posix_name(errno);
    Atom::from_str(env, name)
        .map(|a| a.encode(env))
        .unwrap_or_else(|_| atoms::error().encode(env))
}

pub fn posix_name(errno: i32) -> &'static str {
    use libc::*;
    match errno {
        EPERM => "eperm",
        ENOENT => "enoent",
        EINTR => "eintr",
        EIO => "eio",
        ENXIO => "enxio",
        E2BIG => "e2big",
        EBADF => "ebadf",
        EAGAIN => "eagain",
        ENOMEM => "enomem",
        EACCES => "eacces",
        EFAULT => "efault",
        EBUSY => "ebusy",
        EEXIST => "eexist",
        ENODEV => "enodev",
        EINVAL => "einval",
        ENFILE => "enfile",
        EMFILE => "emfile",
        ENOSPC => "enospc",
        EPIPE => "epipe",
        ERANGE => "erange",
        ENOSYS => "enosys",
        ENOTSOCK => "enotsock",
        EDESTADDRREQ => "edestaddrreq",
        EMSGSIZE => "emsgsize",
        EPROTOTYPE => "eprototype",
        ENOPROTOOPT => "enoprotoopt",
        EPROTONOSUPPORT => "eprotonosupport",
        ESOCKTNOSUPPORT => "esocktnosupport",
        EOPNOTSUPP => "eopnotsupp",
        EPFNOSUPPORT => "epfnosupport",
        EAFNOSUPPORT => "eafnosupport",
        EADDRINUSE => "eaddrinuse",
        EADDRNOTAVAIL => "eaddrnotavail",
        ENETDOWN => "enetdown",
        ENETUNREACH => "enetunreach",
        ENETRESET => "enetreset",
        ECONNABORTED => "econnaborted",
        ECONNRESET => "econnreset",
        ENOBUFS => "enobufs",
        EISCONN => "eisconn",
        ENOTCONN => "enotconn",
        ESHUTDOWN => "eshutdown",
        ETIMEDOUT => "etimedout",
        ECONNREFUSED => "econnrefused",
        EHOSTDOWN => "ehostdown",
        EHOSTUNREACH => "ehostunreach",
        EALREADY => "ealready",
        EINPROGRESS => "einprogress",
        _ => "unknown",
    }
}
