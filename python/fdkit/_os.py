"""The ``os`` module's descriptor functions over the fdkit model.

Each function has ``os``'s own signature and makes the system calls CPython makes
on Linux, in the model, as one process (``Model.pid``):

- PEP 446: every descriptor Python creates is non-inheritable (``O_CLOEXEC``):
  ``os.open`` is ``openat(AT_FDCWD, path, flags|O_CLOEXEC, mode)``, ``os.dup`` is
  ``fcntl(fd, F_DUPFD_CLOEXEC, 0)``, ``os.pipe`` is ``pipe2(O_CLOEXEC)``; except
  the target of ``os.dup2(fd, fd2)``, which is ``dup2`` (inheritable) unless
  ``inheritable=False`` makes it ``dup3(fd, fd2, O_CLOEXEC)``.
- ``os.set_inheritable`` is ``ioctl(FIOCLEX/FIONCLEX)``, falling back to
  ``fcntl(F_GETFD/F_SETFD)`` when the ioctl fails with ``EBADF`` (an ``O_PATH``
  descriptor); ``os.set_blocking`` is ``ioctl(FIONBIO)``, ``os.get_blocking``
  ``fcntl(F_GETFL)``.
- ``os.closerange(lo, hi)`` is ``close_range(lo, hi - 1, 0)``, errors ignored.
- Errors are ``OSError(errno, strerror)``: Python picks the subclass
  (``FileNotFoundError`` for ``ENOENT`` ...), as for the real ``os``.

Paths that exist on the host exist in the model: the first time the model looks
one up, its directory chain is made in the model's filesystem, and a regular file
is created with the host file's contents read then. Nothing is ever written back
to the host. ``/proc/PID/fd`` (``os.listdir``, ``os.readlink``) shows the model's
tables.

Processes: ``os.fork()`` returns the child's pid in the parent, whose code goes
on; the model's child, which has no Python code to run, exits at once with status
0 (its copy of the table shows in the audit). ``os.execv``/``os.execve`` run the
exec sweep in the calling process, then its *program* (below), then end the
Python program with ``SystemExit`` carrying the program's status (``os._exit``
too: the model process exits, and ``SystemExit`` stops the Python code). A
program is emulated: ``ls -l /proc/PID/fd`` (directly or as ``sh -c``) prints
the model's listing of PID to the program's standard output; any other program
exits 0 at once. ``os.system`` (``Model.os_system``) forks, execs ``/bin/sh -c CMD`` in the child, runs
it, and waits for it.
"""

from __future__ import annotations

import errno as _errno
import fcntl as _fcntl
import os as _real_os
import posixpath
import re
import shlex
import sys
import termios as _termios
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from ._fdkit import System, Task

#: Linux x86-64 values, as the host's own modules give them.
O_CLOEXEC = _real_os.O_CLOEXEC
O_NONBLOCK = _real_os.O_NONBLOCK
AT_FDCWD = -100
F_DUPFD_CLOEXEC = _fcntl.F_DUPFD_CLOEXEC
F_GETFD = _fcntl.F_GETFD
F_SETFD = _fcntl.F_SETFD
F_GETFL = _fcntl.F_GETFL
FD_CLOEXEC = _fcntl.FD_CLOEXEC
FIOCLEX = _termios.FIOCLEX
FIONCLEX = _termios.FIONCLEX
FIONBIO = _termios.FIONBIO
WNOHANG = _real_os.WNOHANG

#: The largest host file copied into the model.
MAX_MIRRORED = 64 << 20

_PROC_FD = re.compile(r"^/proc/(self|\d+)/fd/?$")
_PROC_FD_N = re.compile(r"^/proc/(self|\d+)/fd/(\d+)$")

#: The real functions, saved when this module is imported (before any patch).
REAL: Dict[str, Callable[..., Any]] = {
    name: getattr(_real_os, name)
    for name in (
        "open", "dup", "dup2", "close", "closerange", "pipe", "pipe2", "read",
        "write", "lseek", "fstat", "get_inheritable", "set_inheritable",
        "get_blocking", "set_blocking", "getpid", "fork", "execv", "execve",
        "waitpid", "_exit", "listdir", "readlink", "system", "stat", "getcwd",
    )
}


def _oserror(code: int, filename: Any = None) -> OSError:
    if filename is None:
        return OSError(code, _real_os.strerror(code))
    return OSError(code, _real_os.strerror(code), filename)


def _int(x: Any) -> int:
    """An integer argument as ``os`` takes it (``__index__``)."""
    if not hasattr(x, "__index__"):
        raise TypeError(f"'{type(x).__name__}' object cannot be interpreted as an integer")
    return x.__index__()


def _fd(fd: Any) -> int:
    """A C ``int`` argument (a descriptor, flags) as ``os`` takes it."""
    n = _int(fd)
    if not -(2**31) <= n < 2**31:
        raise OverflowError("fd is greater than maximum" if n > 0 else "fd is less than minimum")
    return n


def _path(path: Any) -> str:
    p = _real_os.fspath(path)
    if isinstance(p, bytes):
        p = _real_os.fsdecode(p)
    if "\0" in p:
        raise ValueError("embedded null byte")
    return p


class Model:
    """A model process standing in for this Python process, and the ``os``
    functions over it. ``fdkit.patch()`` installs them into ``os``; without it they
    are usable directly (``model.open(...)``). Attributes of the
    :class:`fdkit.System` (``log``, ``audit``, ``task``, ``pids`` ...) are reachable
    here too.
    """

    def __init__(self, system: Optional[System] = None, pid: Optional[int] = None,
                 mirror_host: bool = True, echo: bool = True) -> None:
        self.system: System = system if system is not None else System()
        spawned = pid is None
        self.pid: int = pid if pid is not None else self.system.spawn()
        self.task: Task = self.system.task(self.pid)
        if spawned:
            # The log starts as strace's does, with the program's execve.
            self.task.execve(sys.executable, [sys.executable] + list(sys.argv))
        self.mirror_host = mirror_host
        self.echo = echo
        self.exited: Optional[int] = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.system, name)

    def __repr__(self) -> str:
        return f"<fdkit.Model pid {self.pid} of {self.system!r}>"

    # ---- reading the model -----------------------------------------------------

    def listing(self, pid: Optional[int] = None) -> str:
        """Process ``pid``'s table (default: this one) as ``ls -l /proc/PID/fd``."""
        return self.system.task(self.pid if pid is None else pid).listing()

    def fds(self, pid: Optional[int] = None) -> list:
        """Process ``pid``'s table as a list of :class:`fdkit.FdInfo`."""
        return self.system.task(self.pid if pid is None else pid).fds()

    # ---- host paths ------------------------------------------------------------

    def _abspath(self, path: str, dir_fd: Optional[int] = None) -> str:
        if posixpath.isabs(path) or dir_fd is not None:
            return path
        return posixpath.join(REAL["getcwd"](), path)

    def mirror(self, path: str, create: bool = False) -> None:
        """Makes host path ``path`` (absolute) exist in the model, if it exists on
        the host and not yet in the model: its directories, and a regular file
        with the host file's contents. With ``create``, only its directory is
        needed (``O_CREAT`` makes the file). Nothing is written to the host."""
        if not self.mirror_host or _PROC_FD.match(path) or path.startswith("/proc/"):
            return
        if self.system.exists(path):
            return
        try:
            st = REAL["stat"](path)
        except (OSError, ValueError):
            parent = posixpath.dirname(path)
            if create and parent != path:
                self.mirror(parent)
            return
        import stat as _stat

        if _stat.S_ISDIR(st.st_mode):
            self.system.mirror_dir(path, _stat.S_IMODE(st.st_mode))
        elif _stat.S_ISREG(st.st_mode):
            try:
                with open(path, "rb") as f:
                    data = f.read(MAX_MIRRORED)
            except OSError:
                data = b""
            self.system.mirror_file(path, data, _stat.S_IMODE(st.st_mode))
        else:
            # Devices, sockets, FIFOs: only what the model has (/dev/null, /dev/zero).
            parent = posixpath.dirname(path)
            if parent != path:
                self.mirror(parent)

    # ---- the os functions ------------------------------------------------------

    def open(self, path: Any, flags: int, mode: int = 0o777, *, dir_fd: Optional[int] = None) -> int:
        """``os.open``: ``openat(dir_fd or AT_FDCWD, path, flags|O_CLOEXEC, mode)``;
        the new descriptor is the lowest free one, non-inheritable (PEP 446)."""
        p = _path(path)
        full = self._abspath(p, dir_fd)
        if posixpath.isabs(full):
            self.mirror(full, create=bool(flags & _real_os.O_CREAT))
        dirfd = AT_FDCWD if dir_fd is None else _fd(dir_fd)
        try:
            return self.task.openat(dirfd, full, _fd(flags) | O_CLOEXEC, _fd(mode))
        except OSError as e:
            raise _oserror(e.errno, path) from None

    def dup(self, fd: int) -> int:
        """``os.dup``: ``fcntl(fd, F_DUPFD_CLOEXEC, 0)``; non-inheritable."""
        return self.task.fcntl(_fd(fd), F_DUPFD_CLOEXEC, 0)

    def dup2(self, fd: int, fd2: int, inheritable: bool = True) -> int:
        """``os.dup2``: ``dup2(fd, fd2)`` (``fd2`` inheritable), or with
        ``inheritable=False`` ``dup3(fd, fd2, O_CLOEXEC)`` (``EINVAL`` when equal);
        returns ``fd2``."""
        fd, fd2 = _fd(fd), _fd(fd2)
        if fd < 0 or fd2 < 0:
            raise _oserror(_errno.EBADF)
        if inheritable:
            return self.task.dup2(fd, fd2)
        return self.task.dup3(fd, fd2, O_CLOEXEC)

    def close(self, fd: int) -> None:
        """``os.close``: ``close(fd)``."""
        self.task.close(_fd(fd))

    def closerange(self, fd_low: int, fd_high: int) -> None:
        """``os.closerange``: ``close_range(fd_low, fd_high - 1, 0)``, errors
        ignored (CPython ``_Py_closerange``)."""
        lo, hi = max(_fd(fd_low), 0), _fd(fd_high)
        if lo >= hi:
            return
        try:
            self.task.close_range(lo, hi - 1, 0)
        except OSError:
            pass

    def pipe(self) -> Tuple[int, int]:
        """``os.pipe``: ``pipe2(O_CLOEXEC)``; both ends non-inheritable."""
        return self.task.pipe2(O_CLOEXEC)

    def pipe2(self, flags: int) -> Tuple[int, int]:
        """``os.pipe2``: ``pipe2(flags)``, exactly the flags given."""
        return self.task.pipe2(_fd(flags))

    def read(self, fd: int, n: int) -> bytes:
        """``os.read``: ``read(fd, n)``."""
        n = _int(n)
        if n < 0:
            raise _oserror(_errno.EINVAL)
        return self.task.read(_fd(fd), min(n, 2**63 - 1))

    def write(self, fd: int, data: Any) -> int:
        """``os.write``: ``write(fd, data)``. What a model process writes to the
        terminal is also shown on this process's real standard output (or
        error, for descriptor 2)."""
        fd = _fd(fd)
        data = bytes(memoryview(data))
        n = self.task.write(fd, data)
        if self.echo and n > 0:
            self._echo(self.task, fd, data[:n])
        return n

    def _echo(self, task: Task, fd: int, data: bytes) -> None:
        for info in task.fds():
            if info.fd == fd:
                if info.link.startswith("/dev/pts/"):
                    stream = sys.__stderr__ if fd == 2 else sys.__stdout__
                    out = sys.stderr if fd == 2 else sys.stdout
                    try:
                        out.flush()
                        if stream is not None:
                            stream.flush()
                        # Through the Python stream, so that capture (pytest) sees it.
                        out.write(data.decode(errors="replace"))
                        out.flush()
                    except (OSError, ValueError):
                        pass
                return

    def lseek(self, fd: int, position: int, whence: int) -> int:
        """``os.lseek``: ``lseek(fd, position, whence)``; the new offset."""
        return self.task.lseek(_fd(fd), _int(position), _fd(whence))

    def fstat(self, fd: int) -> "_real_os.stat_result":
        """``os.fstat``: ``fstat(fd)`` (mode, inode, links, size; owner and times 0)."""
        return self.task.fstat(_fd(fd))

    def get_inheritable(self, fd: int) -> bool:
        """``os.get_inheritable``: ``FD_CLOEXEC`` clear in ``fcntl(fd, F_GETFD)``."""
        return not (self.task.fcntl(_fd(fd), F_GETFD, 0) & FD_CLOEXEC)

    def set_inheritable(self, fd: int, inheritable: bool) -> None:
        """``os.set_inheritable``: ``ioctl(fd, FIONCLEX or FIOCLEX)``; on ``EBADF``
        (``O_PATH``), ``fcntl(F_GETFD)`` then ``F_SETFD`` if the flag changes."""
        fd = _fd(fd)
        try:
            self.task.ioctl(fd, FIONCLEX if inheritable else FIOCLEX, 0)
            return
        except OSError as e:
            if e.errno != _errno.EBADF:
                raise
        flags = self.task.fcntl(fd, F_GETFD, 0)
        new = (flags & ~FD_CLOEXEC) if inheritable else (flags | FD_CLOEXEC)
        if new != flags:
            self.task.fcntl(fd, F_SETFD, new)

    def get_blocking(self, fd: int) -> bool:
        """``os.get_blocking``: ``O_NONBLOCK`` clear in ``fcntl(fd, F_GETFL)``."""
        return not (self.task.fcntl(_fd(fd), F_GETFL, 0) & O_NONBLOCK)

    def set_blocking(self, fd: int, blocking: bool) -> None:
        """``os.set_blocking``: ``ioctl(fd, FIONBIO, !blocking)`` (the flag is the
        description's, shared by every duplicate)."""
        self.task.ioctl(_fd(fd), FIONBIO, 0 if blocking else 1)

    def getpid(self) -> int:
        """``os.getpid``: the model process's pid."""
        return self.pid

    def fork(self) -> int:
        """``os.fork``: ``fork()``; returns the child's pid. The model's child,
        with a copy of the table, exits at once with status 0 (there is no Python
        code to run in it); ``os.waitpid`` reaps it."""
        child = self.task.fork()
        self.system.task(child).exit_group(0)
        return child

    def execv(self, path: Any, argv: Sequence[Any]) -> None:
        """``os.execv``: as ``os.execve`` with no environment change."""
        self.execve(path, argv, None)

    def execve(self, path: Any, argv: Sequence[Any], env: Any) -> None:
        """``os.execve``: the exec sweep in this process (close-on-exec descriptors
        closed), then the program (``ls -l /proc/PID/fd`` prints the model's
        listing; anything else exits 0), then ``SystemExit`` with its status:
        the Python program is gone. ``FileNotFoundError`` when ``path`` exists
        neither on the host nor in the model."""
        p = self._abspath(_path(path))
        args = [_path(a) for a in argv]
        if not args or not args[0]:
            raise ValueError("execv() arg 2 must not be empty")
        self._check_program(p)
        self.task.execve(p, args)
        status = self.run_program(self.task, args)
        self._exit_model(status)
        raise SystemExit(status)

    def _check_program(self, path: str) -> None:
        if not self.system.exists(path):
            try:
                REAL["stat"](path)
            except OSError:
                raise _oserror(_errno.ENOENT, path) from None

    def _exit_model(self, status: int) -> None:
        if self.exited is None:
            self.exited = status
            self.task.exit_group(status)

    def exit(self, status: int = 0) -> None:
        """Ends the model process (``exit_group(status)``) unless it has ended."""
        self._exit_model(status)

    def _exit(self, status: int) -> None:
        """``os._exit``: ``exit_group(status)`` in the model, then ``SystemExit``
        (the real process is not ended)."""
        self._exit_model(_fd(status))
        raise SystemExit(status)

    def waitpid(self, pid: int, options: int) -> Tuple[int, int]:
        """``os.waitpid``: ``wait4(pid, &status, options)``; ``(pid, wait status)``,
        ``(0, 0)`` with ``WNOHANG`` while the child runs; ``ChildProcessError``
        (``ECHILD``) without such a child."""
        r = self.task.wait4(_fd(pid), bool(_fd(options) & WNOHANG))
        if r is None:
            return (0, 0)
        child, (how, n) = r
        return (child, (n & 0xFF) << 8 if how == "exited" else n & 0x7F)

    def listdir(self, path: Any = ".") -> list:
        """``os.listdir``: under ``/proc/PID/fd`` the model's descriptors of PID
        (``self``: this process); elsewhere the host's directory."""
        if isinstance(path, int):
            return REAL["listdir"](path)
        p = self._abspath(_path(path))
        m = _PROC_FD.match(p)
        if m is None:
            return REAL["listdir"](path)
        names = [str(i.fd) for i in self._proc_task(m.group(1), p).fds()]
        if isinstance(_real_os.fspath(path), bytes):
            return [_real_os.fsencode(n) for n in names]
        return names

    def readlink(self, path: Any, *, dir_fd: Optional[int] = None) -> Union[str, bytes]:
        """``os.readlink``: ``/proc/PID/fd/N`` is the model's link text (a path,
        ``pipe:[N]`` ...); elsewhere the host's link."""
        p = self._abspath(_path(path), dir_fd)
        m = _PROC_FD_N.match(p)
        if m is None:
            if dir_fd is None:
                return REAL["readlink"](path)
            return REAL["readlink"](path, dir_fd=dir_fd)
        task = self._proc_task(m.group(1), p)
        for info in task.fds():
            if info.fd == int(m.group(2)):
                link = info.link
                return _real_os.fsencode(link) if isinstance(_real_os.fspath(path), bytes) else link
        raise _oserror(_errno.ENOENT, path)

    def _proc_task(self, which: str, path: str) -> Task:
        pid = self.pid if which == "self" else int(which)
        try:
            return self.system.task(pid)
        except OSError:
            raise _oserror(_errno.ENOENT, path) from None

    def os_system(self, command: Any) -> int:
        """``os.system``: ``fork()``; in the child ``execve("/bin/sh", ["sh",
        "-c", command])`` (the exec sweep), the command, ``exit_group``; then
        ``wait4`` for it. Returns the wait status (exit code << 8)."""
        cmd = _path(command)
        child = self.task.fork()
        ct = self.system.task(child)
        argv = ["sh", "-c", cmd]
        ct.execve("/bin/sh", argv)
        status = self.run_program(ct, argv)
        ct.exit_group(status)
        _, st = self.waitpid(child, 0)
        return st

    # ---- programs --------------------------------------------------------------

    def run_program(self, task: Task, argv: List[str]) -> int:
        """What a program does in the model after its ``execve``: ``ls`` with a
        ``/proc/PID/fd`` argument (directly or as ``sh -c 'ls ...'``) writes the
        model's listing of PID to its descriptor 1; anything else does nothing.
        Returns the exit status."""
        words = list(argv)
        if posixpath.basename(words[0]) in ("sh", "bash", "dash") and "-c" in words[1:]:
            i = words.index("-c")
            if i + 1 >= len(words):
                return 2
            try:
                words = shlex.split(words[i + 1])
            except ValueError:
                return 2
            if words and words[0] == "exec":
                words = words[1:]
        if not words or posixpath.basename(words[0]) != "ls":
            return 0
        targets = [w for w in words[1:] if not w.startswith("-")]
        out = []
        status = 0
        for t in targets:
            m = _PROC_FD.match(t)
            if m is None:
                continue
            pid = task.pid if m.group(1) == "self" else int(m.group(1))
            try:
                text = self.system.task(pid).listing()
            except OSError:
                status = 2
                continue
            if len(targets) > 1:
                text = f"{t}:\n{text}"
            out.append(text)
        text = "\n".join(out)
        if text:
            self._program_output(task, text.encode())
        return status

    def _program_output(self, task: Task, data: bytes) -> None:
        try:
            n = task.write(1, data)
        except OSError:
            return
        if self.echo and n > 0:
            self._echo(task, 1, data[:n])
