//! [`MemFs`]: an in-memory filesystem of directories, regular files and the device
//! nodes `/dev/null` and `/dev/zero`.
//!
//! It starts with `/`, `/tmp`, `/dev`, `/dev/null` and `/dev/zero`. Paths are
//! absolute by the time they arrive here (the system resolves `AT_FDCWD` and
//! directory descriptors); `.` and `..` are walked, not rewritten, so `file/..` fails
//! with `ENOTDIR` as on Linux.
//!
//! `open` follows Linux's `path_openat` outcomes: `ENOENT` for a missing component or
//! a missing file without `O_CREAT`; `ENOTDIR` when a non-final component, or the
//! target of `O_DIRECTORY` or a trailing slash, is not a directory; `EEXIST` for
//! `O_CREAT|O_EXCL` on an existing name; `EISDIR` for a directory opened for writing,
//! with `O_CREAT`, or with `O_TRUNC`; `EACCES` when an unprivileged caller lacks the
//! permission bit for the access it asks (root, the default, bypasses them as
//! `CAP_DAC_OVERRIDE` does). `O_TRUNC` empties an existing regular file, whatever the
//! access mode.
//!
//! Not modelled: symbolic links, hard links, ownership (every file belongs to the
//! caller), timestamps, `O_TMPFILE` (`EOPNOTSUPP`).

use super::dev::{Device, MemDevice};
use super::{generic_seek, FileKind, FileObject, Io, Stat};
use crate::errno::{Errno, Result};
use crate::flags::{AccessMode, OFlags, Whence};
use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use crate::sync::{Arc, Mutex};
use crate::wait::lock;
use std::collections::BTreeMap;

/// Longest path `open` accepts, including the terminating NUL (`PATH_MAX`).
pub const PATH_MAX: usize = 4096;
/// Longest path component (`NAME_MAX`).
pub const NAME_MAX: usize = 255;
/// Largest file the model lets a write create (1 GiB): beyond it, `EFBIG`.
pub const MAX_FILE_SIZE: u64 = 1 << 30;

#[derive(Debug)]
enum Body {
    File(Mutex<FileData>),
    Dir(Mutex<BTreeMap<String, Arc<Inode>>>),
    Device(MemDevice),
}

/// A file, directory or device node.
#[derive(Debug)]
pub struct Inode {
    ino: u64,
    mode: AtomicU32,
    body: Body,
    /// The current path; for an unlinked inode, the path it had.
    path: Mutex<String>,
    /// Whether the inode has been removed from the tree (`(deleted)` in /proc).
    unlinked: Mutex<bool>,
}

impl Inode {
    /// The inode's current path.
    pub fn path(&self) -> String {
        lock(&self.path).clone()
    }

    /// Whether it is a directory.
    pub fn is_dir(&self) -> bool {
        self.dir().is_some()
    }

    /// The inode number.
    pub fn ino(&self) -> u64 {
        self.ino
    }

    fn kind(&self) -> FileKind {
        match self.body {
            Body::File(_) => FileKind::Regular,
            Body::Dir(_) => FileKind::Directory,
            Body::Device(_) => FileKind::CharDevice,
        }
    }

    fn dir(&self) -> Option<&Mutex<BTreeMap<String, Arc<Inode>>>> {
        match &self.body {
            Body::Dir(entries) => Some(entries),
            _ => None,
        }
    }

    fn size(&self) -> u64 {
        match &self.body {
            Body::File(data) => lock(data).len(),
            _ => 0,
        }
    }

    fn stat(&self) -> Stat {
        Stat {
            dev: 0x2a,
            ino: self.ino,
            mode: self.kind().mode_bits() | (self.mode.load(Ordering::Relaxed) & 0o7777),
            nlink: match (&self.body, *lock(&self.unlinked)) {
                (_, true) => 0,
                (Body::Dir(_), false) => 2,
                _ => 1,
            },
            size: self.size(),
        }
    }

    fn link_text(&self) -> String {
        let path = lock(&self.path).clone();
        if *lock(&self.unlinked) {
            format!("{path} (deleted)")
        } else {
            path
        }
    }

    /// Whether an unprivileged caller may access with the permission bits `want`
    /// (4 read, 2 write, 1 search), using the owner bits.
    fn permits(&self, want: u32) -> bool {
        let owner = (self.mode.load(Ordering::Relaxed) >> 6) & 7;
        owner & want == want
    }
}

/// The in-memory filesystem.
#[derive(Debug)]
pub struct MemFs {
    root: Arc<Inode>,
    next_ino: AtomicU64,
}

impl Default for MemFs {
    fn default() -> Self {
        MemFs::new()
    }
}

/// Who is asking, for permission checks and file creation.
#[derive(Clone, Copy, Debug)]
pub struct Credentials {
    /// Bypasses permission bits (root's `CAP_DAC_OVERRIDE`).
    pub privileged: bool,
    /// The file mode creation mask.
    pub umask: u32,
}

/// A path split for walking.
struct Split<'a> {
    components: Vec<&'a str>,
    trailing_slash: bool,
}

fn split(path: &str) -> Result<Split<'_>> {
    if path.is_empty() {
        return Err(Errno::NOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(Errno::NAMETOOLONG);
    }
    if !path.starts_with('/') {
        return Err(Errno::NOENT);
    }
    let components: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    if components.iter().any(|c| c.len() > NAME_MAX) {
        return Err(Errno::NAMETOOLONG);
    }
    Ok(Split {
        trailing_slash: path.ends_with('/')
            && components.last().is_some_and(|c| *c != "." && *c != ".."),
        components,
    })
}

/// The result of an open: the object and whether the file was created.
pub struct Opened {
    /// The object for the new description.
    pub object: Box<dyn FileObject>,
    /// Whether `O_CREAT` created the file.
    pub created: bool,
}

impl MemFs {
    /// A filesystem holding `/`, `/tmp` (mode 1777), `/dev`, `/dev/null`, `/dev/zero`.
    pub fn new() -> MemFs {
        let fs = MemFs {
            root: Arc::new(Inode {
                ino: 2,
                mode: AtomicU32::new(0o755),
                body: Body::Dir(Mutex::new(BTreeMap::new())),
                path: Mutex::new("/".to_string()),
                unlinked: Mutex::new(false),
            }),
            next_ino: AtomicU64::new(100),
        };
        let root = Credentials {
            privileged: true,
            umask: 0,
        };
        let _ = fs.mkdir("/tmp", 0o1777, root);
        let _ = fs.mkdir("/dev", 0o755, root);
        for (name, which) in [("null", MemDevice::Null), ("zero", MemDevice::Zero)] {
            if let Ok(dev) = fs.resolve("/dev") {
                let node = fs.new_inode(Body::Device(which), 0o666, &format!("/dev/{name}"));
                if let Some(entries) = dev.dir() {
                    lock(entries).insert(name.to_string(), node);
                }
            }
        }
        fs
    }

    fn new_inode(&self, body: Body, mode: u32, path: &str) -> Arc<Inode> {
        Arc::new(Inode {
            ino: self.next_ino.fetch_add(1, Ordering::Relaxed),
            mode: AtomicU32::new(mode & 0o7777),
            body,
            path: Mutex::new(path.to_string()),
            unlinked: Mutex::new(false),
        })
    }

    /// Walks `components`, returning the inode reached.
    fn walk(&self, components: &[&str]) -> Result<Arc<Inode>> {
        let mut stack = vec![Arc::clone(&self.root)];
        for &name in components {
            let here = stack
                .last()
                .cloned()
                .unwrap_or_else(|| Arc::clone(&self.root));
            let entries = here.dir().ok_or(Errno::NOTDIR)?;
            match name {
                "." => {}
                ".." => {
                    if stack.len() > 1 {
                        stack.pop();
                    }
                }
                _ => {
                    let next = lock(entries).get(name).cloned().ok_or(Errno::NOENT)?;
                    stack.push(next);
                }
            }
        }
        Ok(stack.pop().unwrap_or_else(|| Arc::clone(&self.root)))
    }

    /// The inode at absolute `path`.
    ///
    /// # Errors
    /// `ENOENT`, `ENOTDIR`, `ENAMETOOLONG` as path lookup gives them.
    pub fn resolve(&self, path: &str) -> Result<Arc<Inode>> {
        let split = split(path)?;
        let inode = self.walk(&split.components)?;
        if split.trailing_slash && inode.dir().is_none() {
            return Err(Errno::NOTDIR);
        }
        Ok(inode)
    }

    /// The parent directory of the last component and that component's name (`None`
    /// when the path names the root or ends in `.`/`..`).
    fn walk_parent<'p>(&self, split: &Split<'p>) -> Result<(Arc<Inode>, Option<&'p str>)> {
        match split.components.split_last() {
            Some((last, dirs)) if *last != "." && *last != ".." => {
                let parent = self.walk(dirs)?;
                if parent.dir().is_none() {
                    return Err(Errno::NOTDIR);
                }
                Ok((parent, Some(*last)))
            }
            _ => Ok((self.walk(&split.components)?, None)),
        }
    }

    /// Opens absolute `path` with `flags` (mode `mode` if created).
    ///
    /// # Errors
    /// As the module documentation lists.
    pub fn open(&self, path: &str, flags: OFlags, mode: u32, cred: Credentials) -> Result<Opened> {
        let split = split(path)?;
        let (parent, name) = self.walk_parent(&split)?;
        // Linux open_last_lookups: with O_CREAT, a trailing slash after a normal last
        // component is EISDIR before the name is even looked up (so for an existing
        // file too, and before O_EXCL's EEXIST).
        if flags.contains(OFlags::CREAT) && split.trailing_slash && name.is_some() {
            return Err(Errno::ISDIR);
        }
        let is_path = flags.contains(OFlags::PATH);
        let existing = match name {
            Some(name) => parent.dir().and_then(|d| lock(d).get(name).cloned()),
            None => Some(Arc::clone(&parent)),
        };
        // Linux ACC_MODE ("\004\002\006\006"): access mode 3 asks for read and
        // write permission like O_RDWR, though the description gets neither access.
        let (may_read, may_write) = match flags.access_mode() {
            AccessMode::ReadOnly => (true, false),
            AccessMode::WriteOnly => (false, true),
            AccessMode::ReadWrite | AccessMode::NoAccess => (true, true),
        };
        let (inode, created) = match existing {
            Some(inode) => {
                if flags.contains(OFlags::CREAT | OFlags::EXCL) {
                    return Err(Errno::EXIST);
                }
                if inode.dir().is_some() {
                    if !is_path
                        && (flags.contains(OFlags::CREAT)
                            || may_write
                            || flags.contains(OFlags::TRUNC))
                    {
                        return Err(Errno::ISDIR);
                    }
                } else if flags.contains(OFlags::DIRECTORY) || split.trailing_slash {
                    return Err(Errno::NOTDIR);
                }
                if !is_path && !cred.privileged {
                    let mut want = 0;
                    if may_read {
                        want |= 4;
                    }
                    if may_write || flags.contains(OFlags::TRUNC) {
                        want |= 2;
                    }
                    if !inode.permits(want) {
                        return Err(Errno::ACCES);
                    }
                }
                if !is_path && flags.contains(OFlags::TRUNC) {
                    if let Body::File(data) = &inode.body {
                        lock(data).clear();
                    }
                }
                (inode, false)
            }
            None => {
                if !flags.contains(OFlags::CREAT) {
                    return Err(Errno::NOENT);
                }
                if split.trailing_slash {
                    return Err(Errno::ISDIR);
                }
                if !cred.privileged && !parent.permits(3) {
                    return Err(Errno::ACCES);
                }
                let name = name.ok_or(Errno::ISDIR)?;
                let entries = parent.dir().ok_or(Errno::NOTDIR)?;
                let mut entries = lock(entries);
                // Another thread may have created it since the lookup.
                if let Some(raced) = entries.get(name) {
                    if flags.contains(OFlags::EXCL) {
                        return Err(Errno::EXIST);
                    }
                    (Arc::clone(raced), false)
                } else {
                    let full = join(&lock(&parent.path), name);
                    let inode = self.new_inode(
                        Body::File(Mutex::new(FileData::default())),
                        mode & !cred.umask,
                        &full,
                    );
                    entries.insert(name.to_string(), Arc::clone(&inode));
                    (inode, true)
                }
            }
        };
        let object: Box<dyn FileObject> = match &inode.body {
            Body::Device(which) if !is_path => Box::new(Device::new(*which, inode.ino)),
            _ => Box::new(MemHandle { inode }),
        };
        Ok(Opened { object, created })
    }

    /// `mkdir(path, mode)`.
    ///
    /// # Errors
    /// `EEXIST` if the name exists; `ENOENT`/`ENOTDIR` for the parent; `EACCES` for an
    /// unprivileged caller without write permission on the parent.
    pub fn mkdir(&self, path: &str, mode: u32, cred: Credentials) -> Result<()> {
        let split = split(path)?;
        let (parent, name) = self.walk_parent(&split)?;
        let name = name.ok_or(Errno::EXIST)?;
        let entries = parent.dir().ok_or(Errno::NOTDIR)?;
        let mut entries = lock(entries);
        if entries.contains_key(name) {
            return Err(Errno::EXIST);
        }
        if !cred.privileged && !parent.permits(3) {
            return Err(Errno::ACCES);
        }
        let full = join(&lock(&parent.path), name);
        let dir = self.new_inode(
            Body::Dir(Mutex::new(BTreeMap::new())),
            mode & !cred.umask,
            &full,
        );
        entries.insert(name.to_string(), dir);
        Ok(())
    }

    /// `unlink(path)`: removes a non-directory name. Open descriptions keep the file.
    ///
    /// # Errors
    /// `ENOENT`; `EISDIR` for a directory (Linux's answer for `unlink`).
    pub fn unlink(&self, path: &str) -> Result<()> {
        self.remove(path, false)
    }

    /// `rmdir(path)`: removes an empty directory.
    ///
    /// # Errors
    /// `ENOENT`; `ENOTDIR` for a non-directory; `ENOTEMPTY`; `EBUSY` for `/`;
    /// `EINVAL` for a path ending in `.`.
    pub fn rmdir(&self, path: &str) -> Result<()> {
        self.remove(path, true)
    }

    fn remove(&self, path: &str, dir: bool) -> Result<()> {
        let split = split(path)?;
        let (parent, name) = self.walk_parent(&split)?;
        let name = match name {
            Some(name) => name,
            None if split.components.last() == Some(&".") && dir => return Err(Errno::INVAL),
            None if dir => return Err(Errno::BUSY),
            None => return Err(Errno::ISDIR),
        };
        let entries = parent.dir().ok_or(Errno::NOTDIR)?;
        let mut entries = lock(entries);
        let victim = entries.get(name).cloned().ok_or(Errno::NOENT)?;
        match (victim.dir(), dir) {
            (Some(_), false) => return Err(Errno::ISDIR),
            (None, true) => return Err(Errno::NOTDIR),
            (Some(children), true) if !lock(children).is_empty() => return Err(Errno::NOTEMPTY),
            _ => {}
        }
        if split.trailing_slash && victim.dir().is_none() {
            return Err(Errno::NOTDIR);
        }
        entries.remove(name);
        *lock(&victim.unlinked) = true;
        Ok(())
    }

    /// `rename(old, new)`: moves a name, replacing a non-directory at `new` (or an
    /// empty directory, when `old` is a directory).
    ///
    /// # Errors
    /// `ENOENT`; `EISDIR` (file onto directory); `ENOTDIR` (directory onto file);
    /// `ENOTEMPTY`; `EINVAL` (a directory into itself); `EBUSY` (the root).
    pub fn rename(&self, old: &str, new: &str) -> Result<()> {
        let old_split = split(old)?;
        let new_split = split(new)?;
        let (old_parent, old_name) = self.walk_parent(&old_split)?;
        let (new_parent, new_name) = self.walk_parent(&new_split)?;
        let (old_name, new_name) = match (old_name, new_name) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(Errno::BUSY),
        };
        let moving = old_parent
            .dir()
            .and_then(|d| lock(d).get(old_name).cloned())
            .ok_or(Errno::NOENT)?;
        if moving.dir().is_some() {
            let target = lock(&new_parent.path).clone();
            let source = lock(&moving.path).clone();
            if target == source || target.starts_with(&format!("{source}/")) {
                return Err(Errno::INVAL);
            }
        }
        let replaced = new_parent
            .dir()
            .and_then(|d| lock(d).get(new_name).cloned());
        if let Some(replaced) = &replaced {
            if Arc::ptr_eq(replaced, &moving) {
                return Ok(());
            }
            match (moving.dir().is_some(), replaced.dir()) {
                (false, Some(_)) => return Err(Errno::ISDIR),
                (true, None) => return Err(Errno::NOTDIR),
                (true, Some(children)) if !lock(children).is_empty() => {
                    return Err(Errno::NOTEMPTY)
                }
                _ => {}
            }
        }
        let new_path = join(&lock(&new_parent.path), new_name);
        if let Some(d) = old_parent.dir() {
            lock(d).remove(old_name);
        }
        if let Some(d) = new_parent.dir() {
            if let Some(replaced) = lock(d).insert(new_name.to_string(), Arc::clone(&moving)) {
                *lock(&replaced.unlinked) = true;
            }
        }
        set_path_recursive(&moving, &new_path);
        Ok(())
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

fn set_path_recursive(inode: &Arc<Inode>, path: &str) {
    *lock(&inode.path) = path.to_string();
    if let Some(entries) = inode.dir() {
        let children: Vec<(String, Arc<Inode>)> = lock(entries)
            .iter()
            .map(|(k, v)| (k.clone(), Arc::clone(v)))
            .collect();
        for (name, child) in children {
            set_path_recursive(&child, &join(path, &name));
        }
    }
}

/// The bytes of a regular file, kept as pages of [`FileData::PAGE`] bytes: a hole
/// (a range never written, as after a write far past the end) costs no memory and
/// reads as zeros, so a write at any offset costs what it writes, not the offset.
#[derive(Debug, Default)]
struct FileData {
    len: u64,
    /// Page number → its bytes; pages never written are absent.
    pages: BTreeMap<u64, Box<[u8]>>,
}

impl FileData {
    const PAGE: usize = 4096;

    fn len(&self) -> u64 {
        self.len
    }

    /// `O_TRUNC`: no bytes.
    fn clear(&mut self) {
        self.len = 0;
        self.pages.clear();
    }

    /// Copies bytes from `pos` into `buf`, up to the end of the file; returns how
    /// many.
    fn read_at(&self, pos: u64, buf: &mut [u8]) -> usize {
        let n = self.len.saturating_sub(pos).min(buf.len() as u64) as usize;
        let mut done = 0;
        while done < n {
            let at = pos + done as u64;
            let (page, offset) = (at / Self::PAGE as u64, (at % Self::PAGE as u64) as usize);
            let k = (Self::PAGE - offset).min(n - done);
            let dst = &mut buf[done..done + k];
            match self.pages.get(&page) {
                Some(bytes) => dst.copy_from_slice(&bytes[offset..offset + k]),
                None => dst.fill(0),
            }
            done += k;
        }
        n
    }

    /// Stores `buf` at `pos` (the caller has checked the end against
    /// [`MAX_FILE_SIZE`]), extending the file.
    fn write_at(&mut self, pos: u64, buf: &[u8]) {
        let mut done = 0;
        while done < buf.len() {
            let at = pos + done as u64;
            let (page, offset) = (at / Self::PAGE as u64, (at % Self::PAGE as u64) as usize);
            let k = (Self::PAGE - offset).min(buf.len() - done);
            let bytes = self
                .pages
                .entry(page)
                .or_insert_with(|| vec![0; Self::PAGE].into_boxed_slice());
            bytes[offset..offset + k].copy_from_slice(&buf[done..done + k]);
            done += k;
        }
        if !buf.is_empty() {
            self.len = self.len.max(pos + buf.len() as u64);
        }
    }
}

/// An open regular file or directory (or an `O_PATH` open of anything in the tree).
#[derive(Debug)]
pub struct MemHandle {
    inode: Arc<Inode>,
}

impl FileObject for MemHandle {
    fn kind(&self) -> FileKind {
        self.inode.kind()
    }

    fn proc_link(&self) -> String {
        self.inode.link_text()
    }

    fn path(&self) -> Option<String> {
        Some(lock(&self.inode.path).clone())
    }

    fn read(&self, io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize> {
        match &self.inode.body {
            Body::File(data) => {
                let n = lock(data).read_at(io.pos, buf);
                io.pos += n as u64;
                Ok(n)
            }
            Body::Dir(_) => Err(Errno::ISDIR),
            Body::Device(_) => Err(Errno::INVAL),
        }
    }

    fn write(&self, io: &mut Io<'_>, buf: &[u8]) -> Result<usize> {
        let Body::File(data) = &self.inode.body else {
            return Err(Errno::INVAL);
        };
        // Linux generic_write_checks: an empty write returns 0 before O_APPEND moves
        // the position to the end, so the offset stays where it was.
        if buf.is_empty() {
            return Ok(0);
        }
        let mut data = lock(data);
        if io.append {
            io.pos = data.len();
        }
        let end = io.pos.checked_add(buf.len() as u64).ok_or(Errno::FBIG)?;
        if end > MAX_FILE_SIZE {
            return Err(Errno::FBIG);
        }
        data.write_at(io.pos, buf);
        io.pos = end;
        Ok(buf.len())
    }

    fn seek(&self, pos: u64, offset: i64, whence: Whence) -> Result<i64> {
        match &self.inode.body {
            // Linux dcache_dir_lseek: SEEK_SET and SEEK_CUR only.
            Body::Dir(_) => match whence {
                Whence::Set | Whence::Cur => generic_seek(0, pos, offset, whence),
                _ => Err(Errno::INVAL),
            },
            _ => generic_seek(self.inode.size(), pos, offset, whence),
        }
    }

    fn stat(&self) -> Stat {
        self.inode.stat()
    }

    fn supports_direct(&self) -> bool {
        matches!(self.inode.body, Body::File(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: Credentials = Credentials {
        privileged: true,
        umask: 0o022,
    };

    #[track_caller]
    fn open_err(fs: &MemFs, path: &str, flags: u32, cred: Credentials) -> Errno {
        match fs.open(path, OFlags::from_raw(flags), 0o644, cred) {
            Ok(_) => panic!("open({path:?}, {flags:#o}): got a description, want an error"),
            Err(e) => e,
        }
    }

    // ---- open ------------------------------------------------------------------------

    /// Found by the host differential test: Linux's `may_open` refuses access mode 3
    /// on a directory with `EISDIR`, as for `O_WRONLY`/`O_RDWR`.
    #[test]
    fn access_mode_3_on_a_directory_is_eisdir() {
        let fs = MemFs::new();
        assert_eq!(open_err(&fs, "/tmp", 3, ROOT), Errno::ISDIR);
        assert_eq!(open_err(&fs, "/tmp", 3 | 0o200000, ROOT), Errno::ISDIR);
        assert!(
            fs.open("/tmp", OFlags::from_raw(0o10000003), 0, ROOT)
                .is_ok(),
            "O_PATH"
        );
    }

    /// Found by the host differential test: O_CREAT with a trailing slash is EISDIR
    /// whether or not the name exists, and before O_EXCL's EEXIST.
    #[test]
    fn o_creat_with_a_trailing_slash_is_eisdir() {
        let fs = MemFs::new();
        fs.open("/tmp/a", OFlags::CREAT, 0o644, ROOT).unwrap();
        assert_eq!(open_err(&fs, "/tmp/a/", 0o101, ROOT), Errno::ISDIR);
        assert_eq!(open_err(&fs, "/tmp/b/", 0o101, ROOT), Errno::ISDIR);
        assert_eq!(open_err(&fs, "/tmp/", 0o300, ROOT), Errno::ISDIR);
        assert_eq!(
            open_err(&fs, "/tmp/a/", 0o1, ROOT),
            Errno::NOTDIR,
            "no O_CREAT"
        );
        assert_eq!(
            open_err(&fs, "/tmp/.", 0o300, ROOT),
            Errno::EXIST,
            "not a normal name"
        );
    }

    // ---- write -----------------------------------------------------------------------

    /// Found by the host differential test: an empty write through an O_APPEND
    /// description leaves its offset alone.
    #[test]
    fn empty_append_write_keeps_the_offset() {
        let sys = crate::System::new();
        let t = sys.task(sys.spawn().unwrap()).unwrap();
        let w = t
            .open("/tmp/a", OFlags::RDWR | OFlags::CREAT, 0o644)
            .unwrap();
        t.write(w, b"abc").unwrap();
        let a = t.open("/tmp/a", OFlags::RDWR | OFlags::APPEND, 0).unwrap();
        assert_eq!(t.write(a, b""), Ok(0));
        assert_eq!(t.lseek(a, 0, Whence::Cur), Ok(0));
        assert_eq!(t.write(a, b"x"), Ok(1));
        assert_eq!(t.lseek(a, 0, Whence::Cur), Ok(4));
    }

    #[test]
    fn access_mode_3_needs_read_and_write_permission() {
        let fs = MemFs::new();
        let user = Credentials {
            privileged: false,
            umask: 0o022,
        };
        fs.open("/tmp/r", OFlags::CREAT | OFlags::WRONLY, 0o444, user)
            .unwrap();
        assert_eq!(open_err(&fs, "/tmp/r", 3, user), Errno::ACCES);
        assert!(fs.open("/tmp/r", OFlags::from_raw(0), 0, user).is_ok());
    }
}
