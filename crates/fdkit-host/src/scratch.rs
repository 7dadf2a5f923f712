//! [`Scratch`]: the private directory that stands for the model's filesystem root.
//!
//! The model starts with `/`, `/tmp` (mode 1777), `/dev`, `/dev/null` and
//! `/dev/zero`. On the host, `/X` becomes `$scratch/X`, except that *opening*
//! `/dev/null` or `/dev/zero` opens the real device (the model's devices behave like
//! them). Paths are mapped by the driver before a call is sent; link texts read back
//! from `/proc` are mapped the other way.
//!
//! The model's filesystem behaves like tmpfs (directory offsets as
//! `dcache_dir_lseek` keeps them, `O_DIRECT` on regular files), so the scratch
//! directory goes on a tmpfs when there is one ([`default_parent`]): on ext4,
//! `lseek(dir, 0, SEEK_END)` answers with a hash position instead of `EINVAL`.
//!
//! The helpers run as whoever runs the tests, often root, so mapping is also a
//! fence: a path with a `..` component is refused (it could climb out of the
//! scratch directory), and only `open`, `openat` and `creat` ever reach a real
//! device — `unlink("/dev/null")` removes `$scratch/dev/null`, which does not exist.

use crate::error::{Error, ErrorKind};
use fdkit::syscall::Call;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

const DEVICES: [&str; 2] = ["/dev/null", "/dev/zero"];

/// `TMPFS_MAGIC`, the `f_type` of a tmpfs in `statfs`.
const TMPFS_MAGIC: i64 = 0x0102_1994;

/// Where scratch directories go by default: `/dev/shm` if it is a writable tmpfs,
/// else the system's temporary directory.
pub(crate) fn default_parent() -> PathBuf {
    let shm = Path::new("/dev/shm");
    // `f_type` is an i64 on x86-64 but narrower on other architectures.
    #[allow(clippy::unnecessary_cast)]
    let tmpfs = rustix::fs::statfs(shm).is_ok_and(|st| st.f_type as i64 == TMPFS_MAGIC);
    if tmpfs && rustix::fs::access(shm, rustix::fs::Access::WRITE_OK).is_ok() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// A scratch directory, removed on drop.
#[derive(Debug)]
pub(crate) struct Scratch {
    root: PathBuf,
    text: String,
}

impl Scratch {
    /// Creates `PARENT/fdkit-host-PID-N` with `tmp` (1777) and `dev` inside.
    pub(crate) fn create(base: &Path) -> Result<Scratch, Error> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        for _ in 0..1000 {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let root = base.join(format!("fdkit-host-{}-{n}", std::process::id()));
            match fs::create_dir(&root) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(Error::setup("creating the scratch directory", e)),
            }
            let Some(text) = root.to_str().map(str::to_string) else {
                let _ = fs::remove_dir(&root);
                return Err(Error::new(
                    ErrorKind::Setup,
                    format!("scratch directory {root:?} is not UTF-8"),
                ));
            };
            let scratch = Scratch { root, text };
            scratch.populate()?;
            return Ok(scratch);
        }
        Err(Error::new(
            ErrorKind::Setup,
            "no free scratch directory name",
        ))
    }

    fn populate(&self) -> Result<(), Error> {
        let mode = |p: &Path, m: u32| fs::set_permissions(p, fs::Permissions::from_mode(m));
        let tmp = self.root.join("tmp");
        fs::create_dir(&tmp)
            .and_then(|()| mode(&tmp, 0o1777))
            .and_then(|()| fs::create_dir(self.root.join("dev")))
            .and_then(|()| mode(&self.root, 0o755))
            .map_err(|e| Error::setup("populating the scratch directory", e))
    }

    /// The directory.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// `path` on the host. `device` allows the real `/dev/null` and `/dev/zero`.
    fn map(&self, path: &str, device: bool) -> Result<String, Error> {
        if path.split('/').any(|c| c == "..") {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("path {path:?}: `..` could leave the scratch directory"),
            ));
        }
        if !path.starts_with('/') {
            return Ok(path.to_string());
        }
        if device
            && DEVICES
                .iter()
                .any(|d| path == *d || path.strip_prefix(d).is_some_and(|r| r.starts_with('/')))
        {
            return Ok(path.to_string());
        }
        // The root has no last component (Linux LAST_ROOT), like `.`: `$scratch/`
        // would be a normal name with a trailing slash, which O_CREAT answers with
        // EISDIR where `/` answers EEXIST.
        if path.bytes().all(|b| b == b'/') {
            return Ok(format!("{}/.", self.text));
        }
        Ok(format!("{}{path}", self.text))
    }

    /// `call` with its paths mapped onto the host.
    ///
    /// # Errors
    /// `Unsupported` for a path with a `..` component.
    pub(crate) fn map_call(&self, call: &Call) -> Result<Call, Error> {
        use Call::*;
        let mut call = call.clone();
        match &mut call {
            Open { path, .. } | Openat { path, .. } | Creat { path, .. } => {
                *path = self.map(path, true)?;
            }
            Mkdir { path, .. } | Unlink { path } | Rmdir { path } | Chdir { path } => {
                *path = self.map(path, false)?;
            }
            Rename { old, new } => {
                *old = self.map(old, false)?;
                *new = self.map(new, false)?;
            }
            _ => {}
        }
        Ok(call)
    }

    /// A `/proc` link text in the model's namespace: `$scratch/tmp/a` is `/tmp/a`,
    /// `$scratch` itself is `/`.
    pub(crate) fn unmap_link(&self, link: &str) -> String {
        match link.strip_prefix(&self.text) {
            Some("") => "/".to_string(),
            Some(rest) if rest.starts_with('/') => rest.to_string(),
            Some(rest) if rest.starts_with(" (deleted)") => format!("/{rest}"),
            _ => link.to_string(),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if fs::remove_dir_all(&self.root).is_ok() {
            return;
        }
        // A script may have left directories without search permission; as a
        // non-root user that blocks removal. Open everything up and retry.
        fn open_up(dir: &Path) {
            let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
            if let Ok(entries) = fs::read_dir(dir) {
                for entry in entries.flatten() {
                    if entry.file_type().is_ok_and(|t| t.is_dir()) {
                        open_up(&entry.path());
                    }
                }
            }
        }
        open_up(&self.root);
        let _ = fs::remove_dir_all(&self.root);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_into_scratch_and_back() {
        let s = Scratch::create(&default_parent()).unwrap();
        let root = s.root().to_str().unwrap().to_string();
        assert!(s.root().join("tmp").is_dir());
        let open = |p: &str| Call::Open {
            path: p.into(),
            flags: 0,
            mode: 0,
        };
        assert_eq!(
            s.map_call(&open("/tmp/a")).unwrap(),
            open(&format!("{root}/tmp/a"))
        );
        assert_eq!(s.map_call(&open("/dev/null")).unwrap(), open("/dev/null"));
        assert_eq!(s.map_call(&open("/")).unwrap(), open(&format!("{root}/.")));
        assert_eq!(s.map_call(&open("//")).unwrap(), open(&format!("{root}/.")));
        assert_eq!(s.map_call(&open("tmp/a")).unwrap(), open("tmp/a"));
        assert_eq!(
            s.map_call(&Call::Unlink {
                path: "/dev/null".into()
            })
            .unwrap(),
            Call::Unlink {
                path: format!("{root}/dev/null")
            }
        );
        assert_eq!(
            s.map_call(&open("/tmp/../../etc")).unwrap_err().kind(),
            ErrorKind::Unsupported
        );
        assert_eq!(s.unmap_link(&format!("{root}/tmp/a")), "/tmp/a");
        assert_eq!(s.unmap_link(&root), "/");
        assert_eq!(s.unmap_link("pipe:[3]"), "pipe:[3]");
        let path = s.root().to_path_buf();
        drop(s);
        assert!(!path.exists());
    }
}
