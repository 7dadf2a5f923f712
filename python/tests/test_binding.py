"""fdkit.System / fdkit.Task: the model's calls from Python, errors as os raises them."""

import errno
import os
import threading

import pytest

import fdkit


def new_task():
    sys_ = fdkit.System()
    return sys_, sys_.task(sys_.spawn())


def test_lowest_free_number_and_shared_offset():
    s, t = new_task()
    assert t.pid == 100 and t.tid == 100
    a = t.open("/tmp/a", os.O_RDWR | os.O_CREAT, 0o644)
    assert a == 3
    b = t.dup(a)
    assert b == 4
    assert t.write(a, b"hello") == 5
    assert t.lseek(b, 0, os.SEEK_CUR) == 5  # one description, one offset
    t.close(a)
    assert t.open("/tmp/a", os.O_RDONLY) == 3  # the lowest free number again
    assert t.read(3, 100) == b"hello"


def test_errors_are_oserror_subclasses_with_errno():
    s, t = new_task()
    with pytest.raises(OSError) as e:
        t.dup(999)
    assert type(e.value) is OSError
    assert e.value.errno == errno.EBADF
    assert e.value.strerror == os.strerror(errno.EBADF)
    with pytest.raises(FileNotFoundError) as e:
        t.open("/no/such/file", os.O_RDONLY)
    assert e.value.errno == errno.ENOENT
    with pytest.raises(ProcessLookupError):
        s.task(4242)
    with pytest.raises(ChildProcessError):
        t.wait4(-1, False)
    with pytest.raises(IsADirectoryError):
        t.open("/tmp", os.O_WRONLY)
    with pytest.raises(FileExistsError):
        t.open("/tmp", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    with pytest.raises(OSError) as e:
        t.dup3(0, 0, 0)
    assert e.value.errno == errno.EINVAL


def test_fork_exec_sweep_and_wait():
    s, t = new_task()
    keep = t.open("/tmp/k", os.O_CREAT | os.O_WRONLY, 0o600)
    gone = t.open("/tmp/g", os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o600)
    child = t.fork()
    assert child == 101
    c = s.task(child)
    assert [i.fd for i in c.fds()] == [0, 1, 2, keep, gone]
    c.execve("/bin/true", ["true"])
    assert [i.fd for i in c.fds()] == [0, 1, 2, keep]  # close-on-exec swept
    c.exit_group(7)
    assert s.exit_status(child) == ("exited", 7)
    assert t.wait4(child, False) == (child, ("exited", 7))
    assert s.pids() == [100]


def test_tables_as_data_and_listing():
    s, t = new_task()
    r, w = t.pipe2(os.O_CLOEXEC)
    fds = t.fds()
    assert [(i.fd, i.access, i.cloexec) for i in fds] == [
        (0, "rw", False), (1, "rw", False), (2, "rw", False), (r, "r", True), (w, "w", True)]
    assert fds[r].link.startswith("pipe:[") and fds[r].link == fds[w].link
    assert fds[0].description == t.fds()[0].description
    text = t.listing()
    assert text.splitlines()[0] == "lrwx------ 0 -> /dev/pts/0"
    assert f"lr-x------ {r} -> pipe:[" in text
    st = t.fstat(r)
    assert isinstance(st, os.stat_result)
    assert st.st_mode & 0o170000 == 0o010000  # S_IFIFO


def test_log_is_strace_and_audit_finds_the_leak():
    s, t = new_task()
    fd = t.open("/tmp/leak", os.O_CREAT | os.O_WRONLY, 0o644)  # no O_CLOEXEC
    child = t.fork()
    s.task(child).execve("/bin/true", ["true"])
    s.task(child).exit_group(0)
    t.wait4(child, False)
    log = s.log().splitlines()
    assert log[0].startswith("100   open(\"/tmp/leak\", O_WRONLY|O_CREAT, 0644)")
    assert log[0].endswith("= 3")
    assert any(l.startswith("101   execve(\"/bin/true\", [\"true\"]") for l in log)
    assert "101   +++ exited with 0 +++" in log
    findings = s.audit()
    leak = [f for f in findings if f.kind == "inherited-across-exec"]
    assert len(leak) == 1
    assert (leak[0].severity, leak[0].pid, leak[0].fd, leak[0].object) == ("high", 101, fd, "/tmp/leak")
    assert "without close-on-exec" in leak[0].message


def test_threads_share_the_system():
    """Calls from many Python threads at once; a reader blocked on an empty model
    pipe does not hold the GIL, so the writer thread runs."""
    s, t = new_task()
    r, w = t.pipe()
    got = []
    reader = threading.Thread(target=lambda: got.append(t.read(r, 5)))
    reader.start()
    t.write(w, b"ping!")
    reader.join(10)
    assert got == [b"ping!"]

    def churn():
        for _ in range(200):
            fd = t.dup(0)
            t.close(fd)

    threads = [threading.Thread(target=churn) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert [i.fd for i in t.fds()] == [0, 1, 2, r, w]


def test_mirror_never_touches_the_host(tmp_path):
    s = fdkit.System()
    host = tmp_path / "f.txt"
    host.write_bytes(b"host bytes")
    assert s.mirror_file(str(host), b"host bytes", 0o644)
    assert not s.mirror_file(str(host), b"other", 0o644)  # already there
    t = s.task(s.spawn())
    fd = t.open(str(host), os.O_RDWR)
    assert t.read(fd, 100) == b"host bytes"
    t.write(fd, b" and model bytes")
    assert host.read_bytes() == b"host bytes"
    assert s.is_dir(str(tmp_path)) and s.exists(str(host))


def test_limits_interrupt_and_kill():
    s, t = new_task()
    assert t.getrlimit(7) == (1024, 4096)  # RLIMIT_NOFILE
    assert t.prlimit(0, 7, (3, 4096)) == (1024, 4096)
    assert t.getrlimit(7) == (3, 4096)
    with pytest.raises(OSError) as e:
        t.dup(0)  # only 0, 1, 2 fit under a soft limit of 3
    assert e.value.errno == errno.EMFILE
    assert s.nr_open == 1048576
    with pytest.raises(OSError) as e:
        s.nr_open = 1
    assert e.value.errno == errno.EINVAL
    t.setrlimit(7, (1024, 4096))
    r, w = t.pipe()
    errors = []

    def blocked_read():
        try:
            t.read(r, 1)
        except OSError as err:
            errors.append(err)

    reader = threading.Thread(target=blocked_read)
    reader.start()
    # Blocked already, or pending until the read waits: either way EINTR.
    s.interrupt(t.tid)
    reader.join(10)
    assert len(errors) == 1 and isinstance(errors[0], InterruptedError)
    child = t.fork()
    s.task(child).kill(9)
    assert t.wait4(child, False) == (child, ("killed", 9))
    assert f"{child}   +++ killed by SIGKILL +++" in s.log()
