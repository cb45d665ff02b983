//! The crate's one error type. Its Erlang form (`{error, Posix}`, or a `badarg` exception
//! raised by the shim) is in `terms`.

use std::io;

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
