//! The driver ↔ helper messages and their byte encoding.
//!
//! Hand-rolled and private to this crate (both ends are this crate, built together):
//! little-endian integers, length-prefixed byte strings, one tag byte per enum
//! variant. Decoding checks every length against the buffer, so a truncated or
//! corrupt message is a [`WireError`], never a panic or an allocation sized by a
//! hostile number.

use crate::table::{FdState, Table};
use fdkit::syscall::{Call, Value};
use fdkit::{Errno, ExitStatus, Fd, Pid, RLimit, Stat};

/// A message from the driver to a helper.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum Request {
    /// Run `call`. `child_slot` is the mailbox a process created by `fork`/`clone`
    /// serves; `candidates` are the numbers open before an `execve` (the helper after
    /// exec probes them to report what it inherited).
    Call {
        call: Call,
        child_slot: u32,
        candidates: Vec<u32>,
    },
    /// Probe these numbers and report the table.
    Table { candidates: Vec<u32> },
    /// Exit now.
    Quit,
}

/// A message from a helper to the driver.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum Response {
    /// The call's result; after `execve`, the table the new program found.
    Done {
        result: Result<Value, Errno>,
        table: Option<Table>,
    },
    /// A probed table.
    Table(Table),
    /// The helper does not perform this request.
    Unsupported(String),
}

/// A message that does not decode.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct WireError;

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }
    fn bytes(&mut self, v: &[u8]) {
        self.u64(v.len() as u64);
        self.0.extend_from_slice(v);
    }
    fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }
    fn u32s(&mut self, v: &[u32]) {
        self.u64(v.len() as u64);
        for &n in v {
            self.u32(n);
        }
    }
    fn limit(&mut self, l: &RLimit) {
        self.u64(l.cur);
        self.u64(l.max);
    }
    fn errno_result(&mut self, r: &Result<i64, Errno>) {
        match r {
            Ok(n) => {
                self.u8(0);
                self.i64(*n);
            }
            Err(e) => {
                self.u8(1);
                self.i32(e.raw());
            }
        }
    }
}

struct Reader<'a> {
    buf: &'a [u8],
}

type Decoded<T> = Result<T, WireError>;

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Decoded<&'a [u8]> {
        if n > self.buf.len() {
            return Err(WireError);
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Decoded<[u8; N]> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn u8(&mut self) -> Decoded<u8> {
        Ok(self.array::<1>()?[0])
    }
    fn u32(&mut self) -> Decoded<u32> {
        self.array().map(u32::from_le_bytes)
    }
    fn i32(&mut self) -> Decoded<i32> {
        self.array().map(i32::from_le_bytes)
    }
    fn u64(&mut self) -> Decoded<u64> {
        self.array().map(u64::from_le_bytes)
    }
    fn i64(&mut self) -> Decoded<i64> {
        self.array().map(i64::from_le_bytes)
    }
    fn bool(&mut self) -> Decoded<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(WireError),
        }
    }
    fn len(&mut self, unit: usize) -> Decoded<usize> {
        let n = usize::try_from(self.u64()?).map_err(|_| WireError)?;
        // Never allocate more than the message could hold.
        if n.checked_mul(unit)
            .map_or(true, |bytes| bytes > self.buf.len())
        {
            return Err(WireError);
        }
        Ok(n)
    }
    fn bytes(&mut self) -> Decoded<Vec<u8>> {
        let n = self.len(1)?;
        Ok(self.take(n)?.to_vec())
    }
    fn string(&mut self) -> Decoded<String> {
        String::from_utf8(self.bytes()?).map_err(|_| WireError)
    }
    fn u32s(&mut self) -> Decoded<Vec<u32>> {
        let n = self.len(4)?;
        (0..n).map(|_| self.u32()).collect()
    }
    fn limit(&mut self) -> Decoded<RLimit> {
        Ok(RLimit {
            cur: self.u64()?,
            max: self.u64()?,
        })
    }
    fn errno_result(&mut self) -> Decoded<Result<i64, Errno>> {
        match self.u8()? {
            0 => Ok(Ok(self.i64()?)),
            1 => Ok(Err(Errno::from_raw(self.i32()?))),
            _ => Err(WireError),
        }
    }
    fn finish<T>(self, value: T) -> Decoded<T> {
        if self.buf.is_empty() {
            Ok(value)
        } else {
            Err(WireError)
        }
    }
}

impl Request {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        match self {
            Request::Call {
                call,
                child_slot,
                candidates,
            } => {
                w.u8(0);
                encode_call(&mut w, call);
                w.u32(*child_slot);
                w.u32s(candidates);
            }
            Request::Table { candidates } => {
                w.u8(1);
                w.u32s(candidates);
            }
            Request::Quit => w.u8(2),
        }
        w.0
    }

    pub(crate) fn decode(buf: &[u8]) -> Decoded<Request> {
        let mut r = Reader { buf };
        let request = match r.u8()? {
            0 => Request::Call {
                call: decode_call(&mut r)?,
                child_slot: r.u32()?,
                candidates: r.u32s()?,
            },
            1 => Request::Table {
                candidates: r.u32s()?,
            },
            2 => Request::Quit,
            _ => return Err(WireError),
        };
        r.finish(request)
    }
}

impl Response {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        match self {
            Response::Done { result, table } => {
                w.u8(0);
                match result {
                    Ok(v) => {
                        w.u8(0);
                        encode_value(&mut w, v);
                    }
                    Err(e) => {
                        w.u8(1);
                        w.i32(e.raw());
                    }
                }
                match table {
                    None => w.u8(0),
                    Some(t) => {
                        w.u8(1);
                        encode_table(&mut w, t);
                    }
                }
            }
            Response::Table(t) => {
                w.u8(1);
                encode_table(&mut w, t);
            }
            Response::Unsupported(why) => {
                w.u8(2);
                w.str(why);
            }
        }
        w.0
    }

    pub(crate) fn decode(buf: &[u8]) -> Decoded<Response> {
        let mut r = Reader { buf };
        let response = match r.u8()? {
            0 => {
                let result = match r.u8()? {
                    0 => Ok(decode_value(&mut r)?),
                    1 => Err(Errno::from_raw(r.i32()?)),
                    _ => return Err(WireError),
                };
                let table = match r.u8()? {
                    0 => None,
                    1 => Some(decode_table(&mut r)?),
                    _ => return Err(WireError),
                };
                Response::Done { result, table }
            }
            1 => Response::Table(decode_table(&mut r)?),
            2 => Response::Unsupported(r.string()?),
            _ => return Err(WireError),
        };
        r.finish(response)
    }
}

fn encode_table(w: &mut Writer, t: &Table) {
    w.u64(t.fds.len() as u64);
    for s in &t.fds {
        w.u32(s.fd);
        w.bool(s.cloexec);
        w.u32(s.flags);
        w.errno_result(&s.offset.map(|n| n as i64));
        w.str(&s.link);
        match s.shares_with {
            None => w.u8(0),
            Some(fd) => {
                w.u8(1);
                w.u32(fd);
            }
        }
    }
}

fn decode_table(r: &mut Reader<'_>) -> Decoded<Table> {
    // Each entry takes at least 31 bytes.
    let n = r.len(31)?;
    let mut fds = Vec::with_capacity(n);
    for _ in 0..n {
        fds.push(FdState {
            fd: r.u32()?,
            cloexec: r.bool()?,
            flags: r.u32()?,
            offset: r.errno_result()?.map(|n| n as u64),
            link: r.string()?,
            shares_with: match r.u8()? {
                0 => None,
                1 => Some(r.u32()?),
                _ => return Err(WireError),
            },
        });
    }
    Ok(Table { fds })
}

fn encode_value(w: &mut Writer, v: &Value) {
    match v {
        Value::Int(n) => {
            w.u8(0);
            w.i64(*n);
        }
        Value::Pair([a, b]) => {
            w.u8(1);
            w.u32(a.get());
            w.u32(b.get());
        }
        Value::Bytes(b) => {
            w.u8(2);
            w.bytes(b);
        }
        Value::Limit(l) => {
            w.u8(3);
            w.limit(l);
        }
        Value::Stat(s) => {
            w.u8(4);
            w.u64(s.dev);
            w.u64(s.ino);
            w.u32(s.mode);
            w.u32(s.nlink);
            w.u64(s.size);
        }
        Value::Child(None) => w.u8(5),
        Value::Child(Some((pid, status))) => {
            w.u8(6);
            w.u32(pid.get());
            match status {
                ExitStatus::Exited(code) => {
                    w.u8(0);
                    w.i32(*code);
                }
                ExitStatus::Killed(sig) => {
                    w.u8(1);
                    w.i32(*sig);
                }
            }
        }
        Value::NoReturn => w.u8(7),
    }
}

fn decode_value(r: &mut Reader<'_>) -> Decoded<Value> {
    Ok(match r.u8()? {
        0 => Value::Int(r.i64()?),
        1 => Value::Pair([Fd::new(r.u32()?), Fd::new(r.u32()?)]),
        2 => Value::Bytes(r.bytes()?),
        3 => Value::Limit(r.limit()?),
        4 => Value::Stat(Stat {
            dev: r.u64()?,
            ino: r.u64()?,
            mode: r.u32()?,
            nlink: r.u32()?,
            size: r.u64()?,
        }),
        5 => Value::Child(None),
        6 => {
            let pid = Pid::new(r.u32()?);
            let status = match r.u8()? {
                0 => ExitStatus::Exited(r.i32()?),
                1 => ExitStatus::Killed(r.i32()?),
                _ => return Err(WireError),
            };
            Value::Child(Some((pid, status)))
        }
        7 => Value::NoReturn,
        _ => return Err(WireError),
    })
}

fn encode_call(w: &mut Writer, call: &Call) {
    use Call::*;
    match call {
        Open { path, flags, mode } => {
            w.u8(0);
            w.str(path);
            w.u32(*flags);
            w.u32(*mode);
        }
        Openat {
            dirfd,
            path,
            flags,
            mode,
        } => {
            w.u8(1);
            w.i32(*dirfd);
            w.str(path);
            w.u32(*flags);
            w.u32(*mode);
        }
        Creat { path, mode } => {
            w.u8(2);
            w.str(path);
            w.u32(*mode);
        }
        Close { fd } => {
            w.u8(3);
            w.i32(*fd);
        }
        CloseRange { first, last, flags } => {
            w.u8(4);
            w.u32(*first);
            w.u32(*last);
            w.u32(*flags);
        }
        Dup { fd } => {
            w.u8(5);
            w.i32(*fd);
        }
        Dup2 { old, new } => {
            w.u8(6);
            w.i32(*old);
            w.i32(*new);
        }
        Dup3 { old, new, flags } => {
            w.u8(7);
            w.i32(*old);
            w.i32(*new);
            w.u32(*flags);
        }
        Fcntl { fd, cmd, arg } => {
            w.u8(8);
            w.i32(*fd);
            w.i32(*cmd);
            w.u64(*arg);
        }
        Ioctl { fd, request, arg } => {
            w.u8(9);
            w.i32(*fd);
            w.u64(*request);
            w.u64(*arg);
        }
        Read { fd, count } => {
            w.u8(10);
            w.i32(*fd);
            w.u64(*count as u64);
        }
        Write { fd, data } => {
            w.u8(11);
            w.i32(*fd);
            w.bytes(data);
        }
        Pread { fd, count, offset } => {
            w.u8(12);
            w.i32(*fd);
            w.u64(*count as u64);
            w.i64(*offset);
        }
        Pwrite { fd, data, offset } => {
            w.u8(13);
            w.i32(*fd);
            w.bytes(data);
            w.i64(*offset);
        }
        Lseek { fd, offset, whence } => {
            w.u8(14);
            w.i32(*fd);
            w.i64(*offset);
            w.i32(*whence);
        }
        Pipe => w.u8(15),
        Pipe2 { flags } => {
            w.u8(16);
            w.u32(*flags);
        }
        Socketpair {
            domain,
            ty,
            protocol,
        } => {
            w.u8(17);
            w.i32(*domain);
            w.u32(*ty);
            w.i32(*protocol);
        }
        Eventfd2 { initval, flags } => {
            w.u8(18);
            w.u32(*initval);
            w.u32(*flags);
        }
        Getrlimit { resource } => {
            w.u8(19);
            w.u32(*resource);
        }
        Setrlimit { resource, limit } => {
            w.u8(20);
            w.u32(*resource);
            w.limit(limit);
        }
        Prlimit { pid, resource, new } => {
            w.u8(21);
            w.u32(*pid);
            w.u32(*resource);
            match new {
                None => w.u8(0),
                Some(l) => {
                    w.u8(1);
                    w.limit(l);
                }
            }
        }
        Fork => w.u8(22),
        Vfork => w.u8(23),
        Clone { flags } => {
            w.u8(24);
            w.u64(*flags);
        }
        Unshare { flags } => {
            w.u8(25);
            w.u64(*flags);
        }
        Execve { path } => {
            w.u8(26);
            w.str(path);
        }
        Exit { status } => {
            w.u8(27);
            w.i32(*status);
        }
        ExitGroup { status } => {
            w.u8(28);
            w.i32(*status);
        }
        Wait4 { pid, nohang } => {
            w.u8(29);
            w.i32(*pid);
            w.bool(*nohang);
        }
        Mkdir { path, mode } => {
            w.u8(30);
            w.str(path);
            w.u32(*mode);
        }
        Unlink { path } => {
            w.u8(31);
            w.str(path);
        }
        Rmdir { path } => {
            w.u8(32);
            w.str(path);
        }
        Rename { old, new } => {
            w.u8(33);
            w.str(old);
            w.str(new);
        }
        Chdir { path } => {
            w.u8(34);
            w.str(path);
        }
        Fstat { fd } => {
            w.u8(35);
            w.i32(*fd);
        }
    }
}

fn decode_call(r: &mut Reader<'_>) -> Decoded<Call> {
    use Call::*;
    let count = |r: &mut Reader<'_>| usize::try_from(r.u64()?).map_err(|_| WireError);
    Ok(match r.u8()? {
        0 => Open {
            path: r.string()?,
            flags: r.u32()?,
            mode: r.u32()?,
        },
        1 => Openat {
            dirfd: r.i32()?,
            path: r.string()?,
            flags: r.u32()?,
            mode: r.u32()?,
        },
        2 => Creat {
            path: r.string()?,
            mode: r.u32()?,
        },
        3 => Close { fd: r.i32()? },
        4 => CloseRange {
            first: r.u32()?,
            last: r.u32()?,
            flags: r.u32()?,
        },
        5 => Dup { fd: r.i32()? },
        6 => Dup2 {
            old: r.i32()?,
            new: r.i32()?,
        },
        7 => Dup3 {
            old: r.i32()?,
            new: r.i32()?,
            flags: r.u32()?,
        },
        8 => Fcntl {
            fd: r.i32()?,
            cmd: r.i32()?,
            arg: r.u64()?,
        },
        9 => Ioctl {
            fd: r.i32()?,
            request: r.u64()?,
            arg: r.u64()?,
        },
        10 => Read {
            fd: r.i32()?,
            count: count(r)?,
        },
        11 => Write {
            fd: r.i32()?,
            data: r.bytes()?,
        },
        12 => Pread {
            fd: r.i32()?,
            count: count(r)?,
            offset: r.i64()?,
        },
        13 => Pwrite {
            fd: r.i32()?,
            data: r.bytes()?,
            offset: r.i64()?,
        },
        14 => Lseek {
            fd: r.i32()?,
            offset: r.i64()?,
            whence: r.i32()?,
        },
        15 => Pipe,
        16 => Pipe2 { flags: r.u32()? },
        17 => Socketpair {
            domain: r.i32()?,
            ty: r.u32()?,
            protocol: r.i32()?,
        },
        18 => Eventfd2 {
            initval: r.u32()?,
            flags: r.u32()?,
        },
        19 => Getrlimit { resource: r.u32()? },
        20 => Setrlimit {
            resource: r.u32()?,
            limit: r.limit()?,
        },
        21 => Prlimit {
            pid: r.u32()?,
            resource: r.u32()?,
            new: match r.u8()? {
                0 => None,
                1 => Some(r.limit()?),
                _ => return Err(WireError),
            },
        },
        22 => Fork,
        23 => Vfork,
        24 => Clone { flags: r.u64()? },
        25 => Unshare { flags: r.u64()? },
        26 => Execve { path: r.string()? },
        27 => Exit { status: r.i32()? },
        28 => ExitGroup { status: r.i32()? },
        29 => Wait4 {
            pid: r.i32()?,
            nohang: r.bool()?,
        },
        30 => Mkdir {
            path: r.string()?,
            mode: r.u32()?,
        },
        31 => Unlink { path: r.string()? },
        32 => Rmdir { path: r.string()? },
        33 => Rename {
            old: r.string()?,
            new: r.string()?,
        },
        34 => Chdir { path: r.string()? },
        35 => Fstat { fd: r.i32()? },
        _ => return Err(WireError),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use fdkit::catalog::flagset as fs;

    fn every_call() -> Vec<Call> {
        use Call::*;
        let l = RLimit { cur: 8, max: 9 };
        vec![
            Open {
                path: "/tmp/a".into(),
                flags: 0o102,
                mode: 0o644,
            },
            Openat {
                dirfd: fs::AT_FDCWD as i32,
                path: "a".into(),
                flags: 1,
                mode: 0,
            },
            Creat {
                path: "/x".into(),
                mode: 0o600,
            },
            Close { fd: -1 },
            CloseRange {
                first: 3,
                last: u32::MAX,
                flags: 6,
            },
            Dup { fd: 3 },
            Dup2 { old: 3, new: 1023 },
            Dup3 {
                old: 3,
                new: 4,
                flags: fs::O_CLOEXEC as u32,
            },
            Fcntl {
                fd: 3,
                cmd: 1030,
                arg: u64::MAX,
            },
            Ioctl {
                fd: 3,
                request: fs::FIOCLEX,
                arg: 1,
            },
            Read { fd: 3, count: 5 },
            Write {
                fd: 4,
                data: b"hi".to_vec(),
            },
            Pread {
                fd: 3,
                count: 2,
                offset: -1,
            },
            Pwrite {
                fd: 3,
                data: vec![0, 255],
                offset: 7,
            },
            Lseek {
                fd: 3,
                offset: -5,
                whence: 2,
            },
            Pipe,
            Pipe2 {
                flags: fs::O_NONBLOCK as u32,
            },
            Socketpair {
                domain: 1,
                ty: 1,
                protocol: 0,
            },
            Eventfd2 {
                initval: 3,
                flags: 1,
            },
            Getrlimit { resource: 7 },
            Setrlimit {
                resource: 7,
                limit: l,
            },
            Prlimit {
                pid: 0,
                resource: 7,
                new: Some(l),
            },
            Prlimit {
                pid: 0,
                resource: 7,
                new: None,
            },
            Fork,
            Vfork,
            Clone { flags: 0x411 },
            Unshare {
                flags: fs::CLONE_FILES,
            },
            Execve {
                path: "/bin/true".into(),
            },
            Exit { status: 3 },
            ExitGroup { status: -1 },
            Wait4 {
                pid: -1,
                nohang: true,
            },
            Mkdir {
                path: "/tmp/d".into(),
                mode: 0o755,
            },
            Unlink {
                path: "/tmp/a".into(),
            },
            Rmdir {
                path: "/tmp/d".into(),
            },
            Rename {
                old: "/tmp/a".into(),
                new: "/tmp/b".into(),
            },
            Chdir {
                path: "/tmp".into(),
            },
            Fstat { fd: 0 },
        ]
    }

    #[test]
    fn every_call_round_trips() {
        for call in every_call() {
            let request = Request::Call {
                call: call.clone(),
                child_slot: 2,
                candidates: vec![0, 1, 7],
            };
            assert_eq!(Request::decode(&request.encode()), Ok(request), "{call:?}");
        }
    }

    #[test]
    fn responses_round_trip() {
        let table = Table {
            fds: vec![FdState {
                fd: 3,
                cloexec: true,
                flags: 0o100002,
                offset: Err(Errno::SPIPE),
                link: "pipe:[9]".into(),
                shares_with: Some(1),
            }],
        };
        let values = [
            Ok(Value::Int(-3)),
            Ok(Value::Pair([Fd::new(3), Fd::new(4)])),
            Ok(Value::Bytes(b"abc".to_vec())),
            Ok(Value::Limit(RLimit::INFINITY)),
            Ok(Value::Child(None)),
            Ok(Value::Child(Some((Pid::new(9), ExitStatus::Killed(9))))),
            Ok(Value::NoReturn),
            Err(Errno::BADF),
        ];
        for result in values {
            let r = Response::Done {
                result,
                table: Some(table.clone()),
            };
            assert_eq!(Response::decode(&r.encode()), Ok(r));
        }
        let r = Response::Unsupported("vfork".into());
        assert_eq!(Response::decode(&r.encode()), Ok(r));
    }

    #[test]
    fn truncated_or_padded_messages_are_rejected() {
        let bytes = Request::Call {
            call: Call::Write {
                fd: 1,
                data: vec![1; 10],
            },
            child_slot: 0,
            candidates: vec![],
        }
        .encode();
        for cut in 0..bytes.len() {
            assert_eq!(Request::decode(&bytes[..cut]), Err(WireError));
        }
        let mut padded = bytes.clone();
        padded.push(0);
        assert_eq!(Request::decode(&padded), Err(WireError));
        // A huge length does not allocate.
        let mut huge = vec![0u8, 11, 1, 0, 0, 0];
        huge.extend_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(Request::decode(&huge), Err(WireError));
    }
}
