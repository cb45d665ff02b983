//! Socket addresses as the kernel lays them out (`sockaddr_in`, `sockaddr_in6`), converted to
//! and from `std::net::SocketAddr` by explicit byte offsets, with every read bounds-checked.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

const SOCKADDR_IN_LEN: usize = 16;
const SOCKADDR_IN6_LEN: usize = 28;
const AF_INET: u16 = libc::AF_INET as u16;
const AF_INET6: u16 = libc::AF_INET6 as u16;

/// A `struct sockaddr_storage`, as bytes.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct RawSockAddr {
    pub bytes: [u8; 128],
}

impl RawSockAddr {
    pub fn zeroed() -> RawSockAddr {
        RawSockAddr { bytes: [0; 128] }
    }
}

/// The kernel form of `sa` and its length.
pub fn to_raw(sa: &SocketAddr) -> (RawSockAddr, u32) {
    let mut raw = RawSockAddr::zeroed();
    let len = write(sa, &mut raw.bytes);
    (raw, len as u32)
}

/// Writes `sa` at the start of `out` (at least 28 bytes) and returns its length.
fn write(sa: &SocketAddr, out: &mut [u8]) -> usize {
    match sa {
        SocketAddr::V4(v4) => {
            out[0..2].copy_from_slice(&AF_INET.to_ne_bytes());
            out[2..4].copy_from_slice(&v4.port().to_be_bytes());
            out[4..8].copy_from_slice(&v4.ip().octets());
            out[8..16].fill(0);
            SOCKADDR_IN_LEN
        }
        SocketAddr::V6(v6) => {
            out[0..2].copy_from_slice(&AF_INET6.to_ne_bytes());
            out[2..4].copy_from_slice(&v6.port().to_be_bytes());
            out[4..8].copy_from_slice(&v6.flowinfo().to_be_bytes());
            out[8..24].copy_from_slice(&v6.ip().octets());
            out[24..28].copy_from_slice(&v6.scope_id().to_ne_bytes());
            SOCKADDR_IN6_LEN
        }
    }
}

/// Reads a socket address from the start of `bytes`; `None` for a short buffer or an address
/// family other than IPv4/IPv6. Also returns how many bytes it took.
pub fn read(bytes: &[u8]) -> Option<(SocketAddr, usize)> {
    let family = u16::from_ne_bytes(bytes.get(0..2)?.try_into().ok()?);
    let port = u16::from_be_bytes(bytes.get(2..4)?.try_into().ok()?);
    match family {
        AF_INET => {
            let ip: [u8; 4] = bytes.get(4..8)?.try_into().ok()?;
            bytes.get(..SOCKADDR_IN_LEN)?;
            let sa = SocketAddrV4::new(Ipv4Addr::from(ip), port);
            Some((SocketAddr::V4(sa), SOCKADDR_IN_LEN))
        }
        AF_INET6 => {
            let flowinfo = u32::from_be_bytes(bytes.get(4..8)?.try_into().ok()?);
            let ip: [u8; 16] = bytes.get(8..24)?.try_into().ok()?;
            let scope = u32::from_ne_bytes(bytes.get(24..28)?.try_into().ok()?);
            let sa = SocketAddrV6::new(Ipv6Addr::from(ip), port, flowinfo, scope);
            Some((SocketAddr::V6(sa), SOCKADDR_IN6_LEN))
        }
        _ => None,
    }
}

/// A received address of `len` bytes (`msg_namelen`), if it is an IP address.
pub fn from_raw(raw: &RawSockAddr, len: u32) -> Option<SocketAddr> {
    let len = (len as usize).min(raw.bytes.len());
    read(&raw.bytes[..len]).map(|(sa, _)| sa)
}

/// Addresses back to back, as sctp_bindx(3) and sctp_connectx(3) take them.
pub fn pack(addrs: &[SocketAddr]) -> Vec<u8> {
    let mut out = Vec::with_capacity(addrs.len() * SOCKADDR_IN6_LEN);
    let mut one = [0u8; SOCKADDR_IN6_LEN];
    for sa in addrs {
        let len = write(sa, &mut one);
        out.extend_from_slice(&one[..len]);
    }
    out
}

/// The reverse of `pack`; stops at the first unreadable address.
pub fn unpack(mut bytes: &[u8]) -> Vec<SocketAddr> {
    let mut out = Vec::new();
    while let Some((sa, used)) = read(bytes) {
        out.push(sa);
        bytes = &bytes[used..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_v4_and_v6() {
        let addrs: Vec<SocketAddr> = vec![
            "127.0.0.1:2006".parse().unwrap(),
            "[::1]:9".parse().unwrap(),
            "10.1.2.3:65535".parse().unwrap(),
        ];
        assert_eq!(unpack(&pack(&addrs)), addrs);
        for sa in &addrs {
            let (raw, len) = to_raw(sa);
            assert_eq!(from_raw(&raw, len), Some(*sa));
        }
    }

    #[test]
    fn keeps_flowinfo_and_scope() {
        let ip = "fe80::b1".parse().unwrap();
        let sa = SocketAddr::V6(SocketAddrV6::new(ip, 2006, 0x1234, 7));
        let (raw, len) = to_raw(&sa);
        assert_eq!(len as usize, SOCKADDR_IN6_LEN);
        assert_eq!(raw.bytes[24..28], 7u32.to_ne_bytes());
        assert_eq!(from_raw(&raw, len), Some(sa));
        assert_eq!(unpack(&pack(&[sa])), vec![sa]);
    }

    #[test]
    fn rejects_short_and_unknown() {
        assert_eq!(read(&[]), None);
        assert_eq!(read(&AF_INET.to_ne_bytes()), None);
        let mut v4 = pack(&["1.2.3.4:5".parse().unwrap()]);
        v4.truncate(10);
        assert_eq!(read(&v4), None);
        let unix = (libc::AF_UNIX as u16).to_ne_bytes();
        assert_eq!(read(&[unix[0], unix[1], 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(from_raw(&RawSockAddr::zeroed(), 0), None);
    }
}
