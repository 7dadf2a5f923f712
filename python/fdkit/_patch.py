"""``fdkit.patch()``: the real ``os`` module's descriptor functions routed to the
model, restored on exit; ``subprocess`` forks and execs in the model too.

Scope:

- Replaced in ``os``: ``open``, ``dup``, ``dup2``, ``close``, ``closerange``,
  ``pipe``, ``pipe2``, ``read``, ``write``, ``lseek``, ``fstat``,
  ``get_inheritable``, ``set_inheritable``, ``get_blocking``, ``set_blocking``,
  ``getpid``, ``fork``, ``execv``, ``execve`` (so ``execl``, ``execlp``,
  ``execvp``... which call them), ``waitpid``, ``_exit``, ``listdir``,
  ``readlink``, ``system``.
- ``subprocess.Popen`` (``run``, ``call``, ``check_output``...): the child is
  forked in the model and does what CPython's ``_posixsubprocess`` child does
  (``pass_fds`` made inheritable, ``dup2`` of the standard streams, ``close_fds``
  as ``close_range`` around the kept ones, ``execve`` of the first existing
  candidate, the program, its exit); ``Popen.wait``/``poll`` reap it in the
  model. ``posix_spawn`` is not used while patched.
- Not replaced: file objects. ``open()``, ``io.open`` and ``os.fdopen`` stay real,
  so ``subprocess.PIPE`` (which wraps the pipe's descriptors in file objects) is
  refused with ``NotImplementedError`` before any is made; ``DEVNULL`` and
  descriptors work.
- Calls made by pytest and pluggy themselves (their capture machinery) keep the
  real functions, so the fixture does not disturb the test runner.
"""

from __future__ import annotations

import _posixsubprocess  # type: ignore[import-not-found]
import contextlib
import inspect
import os
import subprocess
import sys
import threading
import types
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from . import _os
from ._fdkit import System
from ._os import Model

#: ``os`` function → ``Model`` method.
OS_FUNCTIONS: Dict[str, str] = {
    "open": "open",
    "dup": "dup",
    "dup2": "dup2",
    "close": "close",
    "closerange": "closerange",
    "pipe": "pipe",
    "pipe2": "pipe2",
    "read": "read",
    "write": "write",
    "lseek": "lseek",
    "fstat": "fstat",
    "get_inheritable": "get_inheritable",
    "set_inheritable": "set_inheritable",
    "get_blocking": "get_blocking",
    "set_blocking": "set_blocking",
    "getpid": "getpid",
    "fork": "fork",
    "execv": "execv",
    "execve": "execve",
    "waitpid": "waitpid",
    "_exit": "_exit",
    "listdir": "listdir",
    "readlink": "readlink",
    "system": "os_system",
}

#: Callers that keep the real ``os``: the test runner's own machinery.
EXEMPT = ("_pytest", "pytest", "pluggy")

_lock = threading.Lock()
_active: list = []


def _routed(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    real = _os.REAL[name]

    def call(*args: Any, **kwargs: Any) -> Any:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.startswith(EXEMPT):
            return real(*args, **kwargs)
        return method(*args, **kwargs)

    call.__name__ = name
    call.__qualname__ = name
    call.__doc__ = method.__doc__
    call.__wrapped__ = method  # type: ignore[attr-defined]
    return call


PIPE_REFUSED = (
    "fdkit.patch(): subprocess.PIPE would wrap model descriptors in real file "
    "objects; use DEVNULL, a descriptor, or os.pipe() with os.read"
)


def _get_handles(model: Model, real: Callable[..., Any]) -> Callable[..., Any]:
    """``Popen._get_handles`` refusing ``PIPE`` before ``Popen`` wraps the model's
    pipe descriptors in real file objects (``io.open`` of a number the real
    process may have open for something else)."""

    def get_handles(self: Any, stdin: Any, stdout: Any, stderr: Any) -> Any:
        handles = real(self, stdin, stdout, stderr)
        p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite = handles
        pipes = [(p2cread, p2cwrite), (c2pread, c2pwrite), (errread, errwrite)]
        made = [pair for pair, side in zip(pipes, (p2cwrite, c2pread, errread)) if side != -1]
        if not made:
            return handles
        for pair in made:
            for fd in pair:
                try:
                    model.close(fd)
                except OSError:
                    pass
        devnull = getattr(self, "_devnull", None)
        if isinstance(devnull, int):
            try:
                model.close(devnull)
            except OSError:
                pass
            del self._devnull
        raise NotImplementedError(PIPE_REFUSED)

    return get_handles


def _fork_exec(model: Model) -> Callable[..., int]:
    def fork_exec(args: Any, executable_list: Any, close_fds: bool, fds_to_keep: Any,
                  cwd: Any, env_list: Any, p2cread: int, p2cwrite: int, c2pread: int,
                  c2pwrite: int, errread: int, errwrite: int, errpipe_read: int,
                  errpipe_write: int, *rest: Any) -> int:
        if any(fd != -1 for fd in (p2cwrite, c2pread, errread)):
            raise NotImplementedError(PIPE_REFUSED)
        task = model.task
        child = task.fork()
        ct = model.system.task(child)
        try:
            keep = [int(fd) for fd in fds_to_keep]
            for fd in keep:
                if fd != errpipe_write:
                    ct.ioctl(fd, _os.FIONCLEX, 0)
            for src, dst in ((p2cread, 0), (c2pwrite, 1), (errwrite, 2)):
                if src == dst:
                    ct.ioctl(dst, _os.FIONCLEX, 0)
                elif src != -1:
                    ct.dup2(src, dst)
            if close_fds:
                low = 3
                for fd in sorted(set(keep)) + [2**31]:
                    if fd >= low:
                        if fd - 1 >= low:
                            ct.close_range(low, min(fd - 1, 2**32 - 1), 0)
                        low = fd + 1
            argv = [os.fsdecode(a) for a in args]
            for exe in executable_list:
                path = os.fsdecode(exe)
                if model.system.exists(path) or os.path.exists(path):
                    ct.execve(path, argv)
                    status = model.run_program(ct, argv)
                    ct.exit_group(status)
                    return child
            # No candidate: the child reports ENOENT through the error pipe, as
            # _posixsubprocess does, and exits 255.
            ct.write(errpipe_write, b"OSError:%x:noexec" % 2)
            ct.exit_group(255)
        except OSError:
            if model.system.exit_status(child) is None:
                ct.exit_group(255)
        return child

    return fork_exec


@contextlib.contextmanager
def patch(system: Optional[System] = None, *, mirror_host: bool = True,
          echo: bool = True) -> Iterator[Model]:
    """Routes the ``os`` descriptor functions (and ``subprocess``'s fork and
    exec) to a model process of ``system`` (a new :class:`fdkit.System` if
    ``None``) for the duration of the ``with`` block, and yields the
    :class:`fdkit.Model`: its ``pid``, ``task``, ``listing()``, ``fds()``, and
    the system's ``log()``, ``audit()``, ``task(pid)``, ``pids()``. The real
    process's descriptor table is not touched by the routed calls. Patches do
    not nest (``RuntimeError``)."""
    model = Model(system, mirror_host=mirror_host, echo=echo)
    with _lock:
        if _active:
            raise RuntimeError("fdkit.patch() is already active")
        _active.append(model)
    undo: List[Tuple[Any, str, Any]] = []

    def replace(owner: Any, name: str, value: Any) -> None:
        undo.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    try:
        for name, method in OS_FUNCTIONS.items():
            replace(os, name, _routed(name, getattr(model, method)))
        # subprocess's fork and exec: CPython 3.11+ calls subprocess._fork_exec,
        # 3.9 and 3.10 _posixsubprocess.fork_exec.
        if hasattr(subprocess, "_fork_exec"):
            replace(subprocess, "_fork_exec", _fork_exec(model))
        else:
            replace(_posixsubprocess, "fork_exec", _fork_exec(model))
        replace(subprocess, "_USE_POSIX_SPAWN", False)
        popen = subprocess.Popen
        poll = popen.__dict__["_internal_poll"]
        params = inspect.signature(poll).parameters
        if "_waitpid" in params:  # CPython <= 3.12
            poll_kw: Dict[str, Any] = {"_waitpid": model.waitpid}
        else:  # 3.13: the functions are attributes of _del_safe
            safe = params["_del_safe"].default
            fields = {k: v for k, v in vars(safe).items() if not k.startswith("__")}
            fields["waitpid"] = model.waitpid
            poll_kw = {"_del_safe": types.SimpleNamespace(**fields)}

        def _internal_poll(self: Any, _deadstate: Any = None, **kw: Any) -> Any:
            return poll(self, _deadstate, **{**kw, **poll_kw})

        replace(popen, "_internal_poll", _internal_poll)
        replace(popen, "_get_handles", _get_handles(model, popen.__dict__["_get_handles"]))
        yield model
    finally:
        for owner, name, value in reversed(undo):
            setattr(owner, name, value)
        with _lock:
            _active.remove(model)


def active() -> Optional[Model]:
    """The model of the ``fdkit.patch()`` in effect, if any."""
    with _lock:
        return _active[0] if _active else None
