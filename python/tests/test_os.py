"""fdkit.Model: the os functions over the model, with Python's rules (PEP 446)."""

import errno
import os

import pytest

import fdkit


@pytest.fixture
def m():
    return fdkit.Model(mirror_host=False, echo=False)


def test_pep446_inheritable_flags(m):
    fd = m.open("/tmp/x", os.O_CREAT | os.O_RDWR, 0o644)
    assert fd == 3 and not m.get_inheritable(fd)  # os.open: non-inheritable
    d = m.dup(fd)
    assert d == 4 and not m.get_inheritable(d)  # os.dup: non-inheritable
    assert m.dup2(fd, 7) == 7 and m.get_inheritable(7)  # os.dup2: inheritable
    assert m.dup2(fd, 8, inheritable=False) == 8 and not m.get_inheritable(8)
    r, w = m.pipe()
    assert (r, w) == (5, 6)  # the lowest free numbers, in order
    assert not m.get_inheritable(r) and not m.get_inheritable(w)
    r2, w2 = m.pipe2(0)
    assert m.get_inheritable(r2) and m.get_inheritable(w2)
    m.set_inheritable(fd, True)
    assert m.get_inheritable(fd)
    m.set_inheritable(fd, False)
    assert not m.get_inheritable(fd)


def test_dup2_same_fd(m):
    fd = m.open("/tmp/y", os.O_CREAT | os.O_RDWR, 0o644)
    assert m.dup2(fd, fd) == fd  # dup2(fd, fd): a no-op
    with pytest.raises(OSError) as e:
        m.dup2(fd, fd, inheritable=False)  # dup3(fd, fd, O_CLOEXEC)
    assert e.value.errno == errno.EINVAL


def test_bad_descriptors(m):
    with pytest.raises(OSError) as e:
        m.dup(999)
    assert e.value.errno == errno.EBADF
    with pytest.raises(OSError) as e:
        m.close(3)
    assert e.value.errno == errno.EBADF
    with pytest.raises(OSError) as e:
        m.dup2(0, -1)
    assert e.value.errno == errno.EBADF
    with pytest.raises(TypeError):
        m.dup("3")
    with pytest.raises(FileNotFoundError) as e:
        m.open("/nope", os.O_RDONLY)
    assert e.value.filename == "/nope"


def test_io_and_blocking(m):
    fd = m.open("/tmp/z", os.O_CREAT | os.O_RDWR, 0o644)
    assert m.write(fd, bytearray(b"abcdef")) == 6
    assert m.lseek(fd, 2, os.SEEK_SET) == 2
    assert m.read(fd, 2) == b"cd"
    assert m.fstat(fd).st_size == 6
    assert m.get_blocking(fd)
    d = m.dup(fd)
    m.set_blocking(fd, False)
    assert not m.get_blocking(d)  # O_NONBLOCK belongs to the description
    r, w = m.pipe()
    m.set_blocking(r, False)
    with pytest.raises(BlockingIOError):
        m.read(r, 1)


def test_closerange(m):
    for _ in range(6):
        m.dup(0)  # 3..8
    m.closerange(4, 7)  # closes 4, 5, 6
    assert [i.fd for i in m.fds()] == [0, 1, 2, 3, 7, 8]
    m.closerange(7, 7)  # empty
    m.closerange(100, 200)  # nothing open: no error
    assert [i.fd for i in m.fds()] == [0, 1, 2, 3, 7, 8]


def test_fork_waitpid_exec(m):
    fd = m.open("/tmp/w", os.O_CREAT | os.O_WRONLY, 0o644)
    m.set_inheritable(fd, True)
    pid = m.fork()
    assert pid == m.pid + 1
    assert m.waitpid(pid, 0) == (pid, 0)
    with pytest.raises(ChildProcessError):
        m.waitpid(-1, 0)
    assert m.getpid() == m.pid
    with pytest.raises(SystemExit) as e:
        m.execv("/bin/true", ["true"])
    assert e.value.code == 0
    assert m.system.pids() == []  # exited; no parent to wait for it
    kinds = {f.kind for f in m.audit()}
    assert "inherited-across-exec" in kinds


def test_system_and_proc_fd(m, capsys):
    m.echo = True
    fd = m.open("/tmp/v", os.O_CREAT | os.O_WRONLY, 0o644)
    assert m.listdir("/proc/self/fd") == ["0", "1", "2", "3"]
    assert m.listdir(f"/proc/{m.pid}/fd/") == ["0", "1", "2", "3"]
    assert m.listdir(b"/proc/self/fd") == [b"0", b"1", b"2", b"3"]
    assert m.readlink(f"/proc/{m.pid}/fd/{fd}") == "/tmp/v"
    with pytest.raises(FileNotFoundError):
        m.readlink(f"/proc/{m.pid}/fd/9")
    with pytest.raises(FileNotFoundError):
        m.listdir("/proc/4242/fd")
    assert m.os_system(f"ls -l /proc/{m.pid}/fd") == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "lrwx------ 0 -> /dev/pts/0",
        "lrwx------ 1 -> /dev/pts/0",
        "lrwx------ 2 -> /dev/pts/0",
        "l-wx------ 3 -> /tmp/v",
    ]
    assert m.os_system("true") == 0
    log = m.log()
    assert 'execve("/bin/sh", ["sh", "-c", "true"], []) = 0' in log


def test_hostile_numbers_stay_cheap(m):
    with pytest.raises(OSError) as e:
        m.dup2(0, 2**31 - 1)  # beyond RLIMIT_NOFILE: EBADF, nothing allocated
    assert e.value.errno == errno.EBADF
    zero = m.open("/dev/zero", os.O_RDONLY)
    assert len(m.read(zero, 2**40)) == 1 << 20  # at most 1 MiB per call
    m.closerange(0, 2**31 - 1)
    assert m.fds() == []
    with pytest.raises(OverflowError):
        m.dup(2**40)
