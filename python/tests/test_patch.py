"""fdkit.patch(): the real os module routed to the model, and restored."""

import errno
import os
import subprocess
import sys

import pytest

import fdkit
from fdkit import _os as model_os

HERE = os.path.dirname(os.path.abspath(__file__))
REAL_LISTDIR = model_os.REAL["listdir"]


def real_fds():
    return sorted(REAL_LISTDIR("/proc/self/fd"), key=int)


def test_patch_routes_and_restores(tmp_path):
    real_open = os.open
    before = real_fds()
    host = tmp_path / "data.txt"
    host.write_text("from the host\n")
    with fdkit.patch() as system:
        assert os.open is not real_open
        fd = os.open(str(host), os.O_RDONLY)
        assert fd == 3
        assert os.read(fd, 100) == b"from the host\n"  # contents read on demand
        assert os.dup(fd) == 4
        assert os.getpid() == system.pid == 100
        assert not os.get_inheritable(4)
        assert os.listdir("/proc/self/fd") == ["0", "1", "2", "3", "4"]
        assert os.readlink("/proc/self/fd/4") == str(host)
        w = os.open(str(host), os.O_WRONLY | os.O_TRUNC)
        os.write(w, b"model only")
        with pytest.raises(OSError) as e:
            os.dup(999)
        assert e.value.errno == errno.EBADF
        assert real_fds() == before  # the real table is untouched
    assert os.open is real_open
    assert host.read_text() == "from the host\n"  # nothing written back
    assert real_fds() == before


def test_patches_do_not_nest():
    with fdkit.patch():
        with pytest.raises(RuntimeError):
            with fdkit.patch():
                pass
    assert fdkit.active() is None


def test_restored_after_an_exception():
    real = os.dup
    with pytest.raises(ZeroDivisionError):
        with fdkit.patch():
            1 / 0
    assert os.dup is real


def test_subprocess_runs_in_the_model(capfd, tmp_path):
    before = real_fds()
    with fdkit.patch() as system:
        tmp = os.open(f"{tmp_path}/leak", os.O_CREAT | os.O_WRONLY, 0o644)
        leak = os.dup2(tmp, 10)  # inheritable, as os.dup2 makes it
        passed = os.open(f"{tmp_path}/passed", os.O_CREAT | os.O_WRONLY, 0o644)
        r = subprocess.run(["ls", "-l", f"/proc/{os.getpid()}/fd"])
        assert r.returncode == 0
        assert subprocess.call(["true"], pass_fds=[passed]) == 0
        assert subprocess.call(["true"], close_fds=False) == 0
        with pytest.raises(FileNotFoundError):
            subprocess.run(["/no/such/program"])
        with pytest.raises(NotImplementedError):
            subprocess.run(["true"], stdout=subprocess.PIPE)
        assert subprocess.run(["ls", "-l", "/proc/self/fd"], stdout=subprocess.DEVNULL).returncode == 0
        assert real_fds() == before
        findings = system.audit()
    out = capfd.readouterr().out
    assert "lrwx------ 0 -> /dev/pts/0" in out
    assert f"l-wx------ {leak} -> {tmp_path}/leak" in out
    # close_fds=True (the default) closed the leak in the children; only
    # close_fds=False lets it through, and pass_fds is a deliberate pass.
    inherited = [f for f in findings if f.kind == "inherited-across-exec"]
    assert {(f.fd, f.severity) for f in inherited} == {(leak, "high"), (passed, "info")}
    assert len([p for f in inherited if f.fd == leak for p in f.places]) == 1


def test_os_system_leak_shows_in_audit(tmp_path):
    with fdkit.patch() as system:
        fd = os.open(f"{tmp_path}/f", os.O_CREAT | os.O_WRONLY, 0o644)
        kept = os.dup2(fd, 10)  # inheritable, as os.dup2 makes it
        assert os.system("true") == 0
    leaks = [(f.kind, f.fd) for f in system.audit() if f.severity == "high"]
    assert leaks == [("inherited-across-exec", kept)]


def test_os_exit_ends_the_model_process():
    with fdkit.patch() as system:
        with pytest.raises(SystemExit) as e:
            os._exit(3)
        assert e.value.code == 3
        assert system.pids() == []  # exited (no parent in the model)


def test_execlp_goes_through_the_patched_execv(capfd, tmp_path):
    """os.execlp -> os.execvp -> os.execv: the stdlib's own exec helpers reach the
    model, the PATH search finds the host's ls, and the Python program ends."""
    with fdkit.patch() as system:
        fd = os.open(f"{tmp_path}/kept", os.O_CREAT | os.O_WRONLY, 0o644)
        kept = os.dup2(fd, 5)
        with pytest.raises(SystemExit) as e:
            os.execlp("ls", "ls", "-l", "/proc/self/fd")
        assert e.value.code == 0
    out = capfd.readouterr().out.splitlines()
    # After the exec sweep only the inheritable descriptors are left.
    assert out == [
        "lrwx------ 0 -> /dev/pts/0",
        "lrwx------ 1 -> /dev/pts/0",
        "lrwx------ 2 -> /dev/pts/0",
        f"l-wx------ {kept} -> {tmp_path}/kept",
    ]
    assert any(f.kind == "inherited-across-exec" and f.fd == kept for f in system.audit())
    with pytest.raises(FileNotFoundError):
        with fdkit.patch():
            os.execv("/no/such/program", ["x"])
