//! Messages the kernel hands over in pieces, put back together. A piece without `MSG_EOR`
//! is the start of a message whose rest comes later: the kernel's partial delivery (RFC
//! 6458 8.1.20), or a message larger than the `buffer` of one read. At fragment interleave
//! level 0 the kernel hands over one message at a time; at level 1 pieces of messages of
//! different associations alternate, and with I-DATA (RFC 8260) those of different streams
//! of one association, ordered and unordered apart. Each piece's `sctp_sndrcvinfo` (or
//! `sctp_rcvinfo`) says whose it is, so the first pieces of a message are kept by
//! (association, stream, unordered), one message per key, as the kernel has at most one in
//! progress per key. No BEAM types: `cargo test` covers it.

use std::collections::HashMap;

use crate::error::Result;
use crate::ffi::{self, AssocId};
use crate::flow::Header;
use crate::notification::{self, Ancillary, Notification};

/// Which message a piece belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    /// A notification: the kernel hands over the rest of one right after its start.
    Notification,
    /// Data whose piece carries neither `sctp_sndrcvinfo` nor `sctp_rcvinfo`: the one
    /// message the kernel has in progress at level 0.
    Data,
    Stream {
        assoc_id: AssocId,
        sid: u16,
        unordered: bool,
    },
}

impl Key {
    fn of(header: &Header) -> Key {
        if header.notification {
            return Key::Notification;
        }
        let stream = |assoc_id, sid, flags: u16| Key::Stream {
            assoc_id,
            sid,
            unordered: flags & ffi::SCTP_UNORDERED != 0,
        };
        header
            .anc
            .iter()
            .find_map(|a| match a {
                Ancillary::SndRcv(i) => {
                    Some(stream(i.sinfo_assoc_id, i.sinfo_stream, i.sinfo_flags))
                }
                Ancillary::RcvInfo(r) => Some(stream(r.rcv_assoc_id, r.rcv_sid, r.rcv_flags)),
                _ => None,
            })
            .unwrap_or(Key::Data)
    }

    /// Whether this key's message is one of association `assoc_id`'s; `header` is its
    /// first piece's.
    fn of_assoc(&self, header: &Header, assoc_id: AssocId) -> bool {
        match self {
            Key::Stream { assoc_id: a, .. } => *a == assoc_id,
            Key::Data => header.assoc_id() == Some(assoc_id),
            Key::Notification => false,
        }
    }
}

/// What one read from the kernel gave: `len` bytes at the front of the buffer it was given.
#[derive(Debug)]
pub struct Piece {
    pub len: usize,
    /// `MSG_EOR`: the piece ends its message.
    pub eor: bool,
    pub header: Header,
}

/// The first pieces of a message whose end has not arrived yet.
#[derive(Debug)]
struct Partial {
    /// The first piece's: what the whole message is reported with.
    header: Header,
    bytes: Vec<u8>,
}

/// The messages in progress of one socket. Each holds what the kernel has handed over of
/// it so far; the kernel bounds how many there are (one per key) and charges what it
/// holds of each to the socket's receive buffer until it hands it over, as it does for a
/// single one at level 0.
#[derive(Debug, Default)]
pub struct Partials {
    kept: HashMap<Key, Partial>,
}

impl Partials {
    /// Reads pieces with `recv` (`Ok(None)`: would block) into `scratch`, `chunk` bytes a
    /// read, until one completes a message; returns its header and length, its bytes the
    /// front of `scratch`. The pieces of other messages read meanwhile are kept, as are
    /// those of the current one when `recv` would block or fails. A 0-byte piece ends its
    /// message too: the end of input of a one-to-one socket.
    pub fn read(
        &mut self,
        scratch: &mut Vec<u8>,
        chunk: usize,
        mut recv: impl FnMut(&mut [u8]) -> Result<Option<Piece>>,
    ) -> Result<Option<(Header, usize)>> {
        // The message being read: its key and header, its bytes `scratch[..filled]`.
        let mut current: Option<(Key, Header)> = None;
        let mut filled = 0;
        loop {
            if scratch.len() < filled + chunk {
                scratch.resize(filled + chunk, 0);
            }
            let piece = match recv(&mut scratch[filled..filled + chunk]) {
                Ok(Some(piece)) => piece,
                other => {
                    if let Some((key, header)) = current {
                        self.keep(key, header, &scratch[..filled]);
                    }
                    return other.map(|_| None);
                }
            };
            let len = piece.len.min(chunk);
            let key = Key::of(&piece.header);
            let (key, header) = match current.take() {
                Some((k, header)) if k == key => (k, header),
                other => {
                    // A piece of another message than the one in `scratch`: that one is set
                    // aside, and this one's first pieces, if any, go before the piece.
                    if let Some((k, header)) = other {
                        self.keep(k, header, &scratch[..filled]);
                    }
                    // Most messages arrive whole with nothing kept: then neither a lookup
                    // nor a copy of the piece onto itself.
                    let kept = match self.kept.is_empty() {
                        true => None,
                        false => self.kept.remove(&key),
                    };
                    let (header, before) = match kept {
                        Some(p) => (p.header, p.bytes),
                        None => (piece.header, Vec::new()),
                    };
                    let n = before.len();
                    if scratch.len() < n + len + chunk {
                        scratch.resize(n + len + chunk, 0);
                    }
                    if filled != n {
                        scratch.copy_within(filled..filled + len, n);
                    }
                    scratch[..n].copy_from_slice(&before);
                    filled = n;
                    (key, header)
                }
            };
            filled += len;
            if piece.eor || len == 0 {
                if key == Key::Notification {
                    self.notified(&scratch[..filled]);
                }
                return Ok(Some((header, filled)));
            }
            current = Some((key, header));
        }
    }

    fn keep(&mut self, key: Key, header: Header, bytes: &[u8]) {
        let bytes = bytes.to_vec();
        self.kept.insert(key, Partial { header, bytes });
    }

    /// A notification was read whole. `SCTP_PARTIAL_DELIVERY_ABORTED` says a message in
    /// progress will never complete: its pieces go, or a later message would be appended
    /// to them. Without I-DATA the kernel names stream 0 whatever the stream, and has one
    /// message of the association in progress; with it, it names the stream.
    fn notified(&mut self, bytes: &[u8]) {
        let Some(Notification::PdapiEvent {
            assoc_id,
            stream,
            unordered,
        }) = notification::decode(bytes)
        else {
            return;
        };
        if let Some(sid) = stream {
            let exact = Key::Stream {
                assoc_id,
                sid,
                unordered,
            };
            if self.kept.remove(&exact).is_some() {
                return;
            }
        }
        // A data message without info is dropped too: whose it is cannot be told.
        self.kept.retain(|k, p| match k {
            Key::Data => p.header.assoc_id().is_some_and(|a| a != assoc_id),
            _ => !k.of_assoc(&p.header, assoc_id),
        });
    }

    /// Takes out the messages in progress of association `assoc_id`, as `peeloff` takes
    /// the rest of them to the new socket.
    pub fn split_off_assoc(&mut self, assoc_id: AssocId) -> Partials {
        let (taken, kept) = std::mem::take(&mut self.kept)
            .into_iter()
            .partition(|(k, p)| k.of_assoc(&p.header, assoc_id));
        self.kept = kept;
        Partials { kept: taken }
    }

    /// How many messages are in progress.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.kept.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::ffi::sctp_sndrcvinfo;
    use crate::fuzzing::{env_or, XorShift};
    use std::collections::VecDeque;

    /// A piece the fake kernel hands over: its key's info, bytes and end flag.
    #[derive(Clone)]
    struct Fake {
        key: Option<(AssocId, u16, bool)>,
        notification: bool,
        bytes: Vec<u8>,
        eor: bool,
    }

    fn data(assoc: AssocId, sid: u16, bytes: &[u8], eor: bool) -> Fake {
        Fake {
            key: Some((assoc, sid, false)),
            notification: false,
            bytes: bytes.to_vec(),
            eor,
        }
    }

    fn header(f: &Fake) -> Header {
        let anc = f.key.map(|(assoc, sid, unordered)| {
            Ancillary::SndRcv(sctp_sndrcvinfo {
                sinfo_stream: sid,
                sinfo_flags: if unordered { ffi::SCTP_UNORDERED } else { 0 },
                sinfo_assoc_id: assoc,
                ..Default::default()
            })
        });
        Header {
            from: None,
            anc: anc.into_iter().collect(),
            notification: f.notification,
        }
    }

    /// Reads from `queue` as recvmsg would: a piece longer than the buffer is cut, its
    /// rest handed over next without `MSG_EOR` on the first part.
    fn recv_from(
        queue: &mut VecDeque<Fake>,
    ) -> impl FnMut(&mut [u8]) -> Result<Option<Piece>> + '_ {
        move |buf| {
            let Some(mut f) = queue.pop_front() else {
                return Ok(None);
            };
            let header = header(&f);
            let len = f.bytes.len().min(buf.len());
            buf[..len].copy_from_slice(&f.bytes[..len]);
            let mut eor = f.eor;
            if len < f.bytes.len() {
                eor = false;
                f.bytes.drain(..len);
                queue.push_front(f);
            }
            Ok(Some(Piece { len, eor, header }))
        }
    }

    /// Reads every message `queue` completes: (stream key, bytes).
    fn read_all(p: &mut Partials, queue: &mut VecDeque<Fake>, chunk: usize) -> Vec<(Key, Vec<u8>)> {
        let mut scratch = Vec::new();
        let mut out = Vec::new();
        while let Some((h, len)) = p.read(&mut scratch, chunk, recv_from(queue)).unwrap() {
            out.push((Key::of(&h), scratch[..len].to_vec()));
        }
        out
    }

    fn key(assoc: AssocId, sid: u16) -> Key {
        Key::Stream {
            assoc_id: assoc,
            sid,
            unordered: false,
        }
    }

    #[test]
    fn interleaved_pieces_of_two_streams_come_out_whole_in_stream_order() {
        let mut q: VecDeque<Fake> = [
            data(1, 1, b"A1", false),
            data(1, 2, b"B1", false),
            data(1, 1, b"A2", false),
            data(1, 2, b"B2", true),
            data(1, 2, b"C", true),
            data(1, 1, b"A3", true),
        ]
        .into();
        let mut p = Partials::default();
        let got = read_all(&mut p, &mut q, 1024);
        assert_eq!(
            got,
            vec![
                (key(1, 2), b"B1B2".to_vec()),
                (key(1, 2), b"C".to_vec()),
                (key(1, 1), b"A1A2A3".to_vec()),
            ]
        );
        assert_eq!(p.len(), 0);
    }

    #[test]
    fn pieces_are_kept_across_reads_that_would_block() {
        let mut p = Partials::default();
        let mut scratch = Vec::new();
        for (piece, expect) in [
            (data(1, 1, b"xy", false), None),
            (data(2, 1, b"uv", false), None),
            (data(1, 1, b"z", true), Some(b"xyz".to_vec())),
            (data(2, 1, b"w", true), Some(b"uvw".to_vec())),
        ] {
            let mut q: VecDeque<Fake> = [piece].into();
            let got = p.read(&mut scratch, 1024, recv_from(&mut q)).unwrap();
            assert_eq!(got.map(|(_, len)| scratch[..len].to_vec()), expect);
        }
        assert_eq!(p.len(), 0);
    }

    #[test]
    fn a_read_error_keeps_the_pieces_read() {
        let mut p = Partials::default();
        let mut scratch = Vec::new();
        let mut q: VecDeque<Fake> = [data(1, 3, b"abc", false)].into();
        let mut recv = recv_from(&mut q);
        let mut calls = 0;
        let failing = |buf: &mut [u8]| {
            calls += 1;
            match calls {
                1 => recv(buf),
                _ => Err(Error::Posix(libc::ECONNRESET)),
            }
        };
        assert!(p.read(&mut scratch, 1024, failing).is_err());
        let mut q: VecDeque<Fake> = [data(1, 3, b"d", true)].into();
        let (_, len) = p
            .read(&mut scratch, 1024, recv_from(&mut q))
            .unwrap()
            .unwrap();
        assert_eq!(&scratch[..len], b"abcd");
    }

    #[test]
    fn ordered_and_unordered_of_one_stream_are_apart() {
        let mut unordered = data(1, 1, b"U1", false);
        unordered.key = Some((1, 1, true));
        let mut unordered_end = data(1, 1, b"U2", true);
        unordered_end.key = Some((1, 1, true));
        let mut q: VecDeque<Fake> = [
            data(1, 1, b"O1", false),
            unordered,
            data(1, 1, b"O2", true),
            unordered_end,
        ]
        .into();
        let got: Vec<Vec<u8>> = read_all(&mut Partials::default(), &mut q, 1024)
            .into_iter()
            .map(|(_, b)| b)
            .collect();
        assert_eq!(got, vec![b"O1O2".to_vec(), b"U1U2".to_vec()]);
    }

    fn pdapi_aborted(assoc: AssocId, sid: u32) -> Fake {
        let size = size_of::<ffi::sctp_pdapi_event>();
        let mut b = vec![0u8; size];
        b[..2].copy_from_slice(&ffi::SCTP_PARTIAL_DELIVERY_EVENT.to_ne_bytes());
        b[4..8].copy_from_slice(&(size as u32).to_ne_bytes());
        b[12..16].copy_from_slice(&assoc.to_ne_bytes());
        b[16..20].copy_from_slice(&sid.to_ne_bytes());
        Fake {
            key: None,
            notification: true,
            bytes: b,
            eor: true,
        }
    }

    #[test]
    fn an_aborted_partial_delivery_drops_that_message_only() {
        let mut q: VecDeque<Fake> = [
            data(1, 1, b"A1", false),
            data(1, 2, b"B1", false),
            data(2, 0, b"C1", false),
            pdapi_aborted(1, 2),
            // Without I-DATA the kernel names stream 0: association 2's one message goes.
            pdapi_aborted(2, 0),
            data(1, 2, b"new", true),
            data(1, 1, b"A2", true),
        ]
        .into();
        let mut p = Partials::default();
        let got: Vec<Vec<u8>> = read_all(&mut p, &mut q, 1024)
            .into_iter()
            .filter(|(k, _)| *k != Key::Notification)
            .map(|(_, b)| b)
            .collect();
        assert_eq!(got, vec![b"new".to_vec(), b"A1A2".to_vec()]);
        assert_eq!(p.len(), 0);
    }

    #[test]
    fn a_notification_between_pieces_is_its_own_message() {
        let mut q: VecDeque<Fake> = [
            data(1, 1, b"A1", false),
            Fake {
                key: None,
                notification: true,
                bytes: vec![7; 40],
                eor: true,
            },
            data(1, 1, b"A2", true),
        ]
        .into();
        let got = read_all(&mut Partials::default(), &mut q, 16);
        assert_eq!(got[0], (Key::Notification, vec![7; 40]));
        assert_eq!(got[1], (key(1, 1), b"A1A2".to_vec()));
    }

    #[test]
    fn peeloff_takes_the_associations_messages_in_progress() {
        let mut q: VecDeque<Fake> = [
            data(1, 1, b"A", false),
            data(2, 1, b"B", false),
            data(1, 2, b"C", false),
        ]
        .into();
        let mut p = Partials::default();
        assert!(read_all(&mut p, &mut q, 1024).is_empty());
        let mut child = p.split_off_assoc(1);
        assert_eq!((p.len(), child.len()), (1, 2));
        let mut q: VecDeque<Fake> = [data(1, 2, b"c", true), data(1, 1, b"a", true)].into();
        let got: Vec<Vec<u8>> = read_all(&mut child, &mut q, 1024)
            .into_iter()
            .map(|(_, b)| b)
            .collect();
        assert_eq!(got, vec![b"Cc".to_vec(), b"Aa".to_vec()]);
    }

    /// Random interleavings of the pieces of messages of a few associations and streams,
    /// with reads that would block and buffers smaller than a piece: every message comes
    /// out whole, once, and in its stream's order. `FUZZ_ITERATIONS` and `FUZZ_SEED` as in
    /// `notification::tests::fuzz_decoders`.
    #[test]
    fn fuzz_interleavings() {
        let iterations: usize = env_or("FUZZ_ITERATIONS", 200_000) / 100;
        let seed: u64 = env_or("FUZZ_SEED", 0x9e37_79b9_7f4a_7c15);
        eprintln!("fuzz_interleavings: {iterations} rounds, FUZZ_SEED={seed}");
        let mut rng = XorShift(seed.max(1));
        for _ in 0..iterations {
            // Per key, its messages in order, each cut into pieces.
            let keys = 1 + rng.below(5);
            let mut per_key: Vec<VecDeque<Fake>> = Vec::new();
            let mut sent: Vec<Vec<Vec<u8>>> = Vec::new();
            for k in 0..keys {
                let (assoc, sid) = (1 + (k % 2) as AssocId, (k / 2) as u16);
                let mut pieces = VecDeque::new();
                let mut messages = Vec::new();
                for _ in 0..1 + rng.below(3) {
                    let msg: Vec<u8> = (0..1 + rng.below(60)).map(|_| rng.next() as u8).collect();
                    let mut at = 0;
                    while at < msg.len() {
                        let end = (at + 1 + rng.below(20)).min(msg.len());
                        pieces.push_back(data(assoc, sid, &msg[at..end], end == msg.len()));
                        at = end;
                    }
                    messages.push(msg);
                }
                per_key.push(pieces);
                sent.push(messages);
            }
            // The kernel's order: any interleaving of the keys, each key's pieces in order.
            let mut order = VecDeque::new();
            while per_key.iter().any(|q| !q.is_empty()) {
                let k = rng.below(keys);
                if let Some(f) = per_key[k].pop_front() {
                    order.push_back(f);
                }
            }
            let mut p = Partials::default();
            let mut scratch = Vec::new();
            let mut got: Vec<Vec<Vec<u8>>> = vec![Vec::new(); keys];
            let chunk = 1 + rng.below(24);
            while !order.is_empty() {
                // A few pieces a call, as they arrive.
                let mut batch: VecDeque<Fake> =
                    order.drain(..(1 + rng.below(4)).min(order.len())).collect();
                while let Some((h, len)) =
                    p.read(&mut scratch, chunk, recv_from(&mut batch)).unwrap()
                {
                    let Key::Stream { assoc_id, sid, .. } = Key::of(&h) else {
                        panic!("a data message without its stream");
                    };
                    let k = usize::from(sid) * 2 + (assoc_id - 1) as usize;
                    got[k].push(scratch[..len].to_vec());
                }
            }
            assert_eq!(got, sent, "FUZZ_SEED={seed}");
            assert_eq!(p.len(), 0);
        }
    }
}
