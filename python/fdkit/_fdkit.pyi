"""Type stubs of the extension module ``fdkit._fdkit`` (crates/fdkit-py).

Every ``Task`` method is one Linux system call with Linux's check order and errno;
a failure raises ``OSError(errno, strerror)``, which Python turns into the subclass
the ``os`` module would raise (``FileNotFoundError`` for ``ENOENT``,
``ProcessLookupError`` for ``ESRCH``, ``ChildProcessError`` for ``ECHILD`` ...).
"""

import os
from typing import List, Optional, Tuple

class System:
    """The model of a Linux kernel's descriptor system: processes, threads,
    descriptor tables, open file descriptions, an in-memory filesystem (``/tmp``,
    ``/dev/null``, ``/dev/zero``) and a terminal ``/dev/pts/0``. Safe to share
    between Python threads; every call releases the GIL."""

    def __init__(self, first_pid: int = 100, nofile: Tuple[int, int] = (1024, 4096),
                 privileged: bool = True) -> None: ...
    def spawn(self, stdio: bool = True) -> int:
        """A new process, 0, 1, 2 open on the terminal when ``stdio``; its pid."""
    def task(self, tid: int) -> Task:
        """Thread ``tid`` (``ProcessLookupError`` if none)."""
    def pids(self) -> List[int]: ...
    def threads(self, pid: int) -> List[int]: ...
    def exit_status(self, pid: int) -> Optional[Tuple[str, int]]:
        """``None`` while running; ``("exited", code)`` or ``("killed", sig)``."""
    def shares_table(self, a: int, b: int) -> bool:
        """Whether ``a`` and ``b`` use one table (``CLONE_FILES``)."""
    def exists(self, path: str) -> bool: ...
    def is_dir(self, path: str) -> bool: ...
    def mirror_dir(self, path: str, mode: int = 0o755) -> bool:
        """Makes directory ``path`` and its parents in the model (not logged)."""
    def mirror_file(self, path: str, data: bytes, mode: int = 0o644) -> bool:
        """Creates file ``path`` holding ``data`` unless it exists (not logged)."""
    def terminal_output(self) -> bytes:
        """Everything written to ``/dev/pts/0``."""
    def log(self) -> str:
        """Every call so far, as ``strace -f -o`` writes it; ``fdkit audit`` reads it."""
    def audit(self) -> List[Finding]:
        """The log through ``fdkit audit``'s rules: leaks across ``execve``, open at
        exit, use after close, double close, ``dup2`` replacing, ``EMFILE``, trends."""

class Task:
    """One thread of a model process; one method per system call."""

    @property
    def tid(self) -> int: ...
    @property
    def pid(self) -> int: ...
    def open(self, path: str, flags: int, mode: int = 0o666) -> int:
        """The lowest free descriptor; close-on-exec iff ``O_CLOEXEC``."""
    def openat(self, dirfd: int, path: str, flags: int, mode: int = 0o666) -> int: ...
    def creat(self, path: str, mode: int) -> int: ...
    def close(self, fd: int) -> None: ...
    def close_range(self, first: int, last: int, flags: int = 0) -> None: ...
    def dup(self, fd: int) -> int:
        """Lowest free number, same description, close-on-exec clear."""
    def dup2(self, old: int, new: int) -> int:
        """``new`` closed and reused, close-on-exec clear; ``dup2(fd, fd)`` only checks."""
    def dup3(self, old: int, new: int, flags: int = 0) -> int:
        """As ``dup2`` with ``O_CLOEXEC`` allowed; ``EINVAL`` when ``old == new``."""
    def fcntl(self, fd: int, cmd: int, arg: int = 0) -> int: ...
    def ioctl(self, fd: int, request: int, arg: int = 0) -> int: ...
    def read(self, fd: int, count: int) -> bytes: ...
    def write(self, fd: int, data: bytes) -> int: ...
    def pread(self, fd: int, count: int, offset: int) -> bytes: ...
    def pwrite(self, fd: int, data: bytes, offset: int) -> int: ...
    def lseek(self, fd: int, offset: int, whence: int) -> int:
        """The offset is the description's, shared by every duplicate."""
    def pipe(self) -> Tuple[int, int]: ...
    def pipe2(self, flags: int) -> Tuple[int, int]: ...
    def socketpair(self, domain: int, ty: int, protocol: int = 0) -> Tuple[int, int]: ...
    def eventfd(self, initval: int, flags: int = 0) -> int: ...
    def fstat(self, fd: int) -> os.stat_result: ...
    def getrlimit(self, resource: int) -> Tuple[int, int]: ...
    def setrlimit(self, resource: int, limit: Tuple[int, int]) -> None: ...
    def fork(self) -> int:
        """A child process with a copy of the table; its pid."""
    def vfork(self) -> int: ...
    def clone(self, flags: int) -> int: ...
    def unshare(self, flags: int) -> None: ...
    def execve(self, path: str, argv: Optional[List[str]] = None) -> None:
        """The exec sweep: close-on-exec descriptors close, the others stay."""
    def exit(self, status: int) -> None: ...
    def exit_group(self, status: int) -> None: ...
    def wait4(self, pid: int = -1, nohang: bool = False) -> Optional[Tuple[int, Tuple[str, int]]]: ...
    def mkdir(self, path: str, mode: int = 0o777) -> None: ...
    def unlink(self, path: str) -> None: ...
    def rmdir(self, path: str) -> None: ...
    def rename(self, old: str, new: str) -> None: ...
    def chdir(self, path: str) -> None: ...
    def fds(self) -> List[FdInfo]:
        """The table as data, in increasing order (``/proc/PID/fd``, ``fdinfo``)."""
    def listing(self) -> str:
        """The table as ``ls -l /proc/PID/fd`` shows it (without owner and date)."""

class FdInfo:
    """One descriptor as ``/proc/PID/fd/N`` and ``/proc/PID/fdinfo/N`` show it."""

    fd: int
    link: str
    access: str
    cloexec: bool
    description: int
    offset: int
    flags: int
    mode: str

class Finding:
    """One finding of the leak audit (``fdkit audit``'s rules)."""

    kind: str
    severity: str
    line: int
    pid: int
    fd: Optional[int]
    object: Optional[str]
    message: str
    places: List[Tuple[int, int, str]]
