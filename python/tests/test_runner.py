"""python -m fdkit: the tutorial unchanged, --audit, --log, exit status."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TUTORIAL = os.path.join(ROOT, "examples", "tutorial.py")
TEXT = os.path.join(ROOT, "examples", "tutorial.txt")


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "fdkit", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def test_tutorial_under_the_model(tmp_path):
    before = open(TEXT, "rb").read()
    r = run(TUTORIAL, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"opened {TEXT} as 3"
    assert lines[1] == "duplicated 3 as 4"
    assert lines[2:7] == [
        "lrwx------ 0 -> /dev/pts/0",
        "lrwx------ 1 -> /dev/pts/0",
        "lrwx------ 2 -> /dev/pts/0",
        f"l-wx------ 3 -> {TEXT}",
        f"l-wx------ 4 -> {TEXT}",
    ]
    assert lines[7].startswith("done:")
    assert len(lines) == 8
    assert open(TEXT, "rb").read() == before


def test_tutorial_on_the_real_kernel_agrees():
    """The same program without fdkit: the kernel also gives 3 then 4."""
    r = subprocess.run([sys.executable, TUTORIAL], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"opened {TEXT} as 3" and lines[1] == "duplicated 3 as 4"


def test_audit_and_log(tmp_path):
    script = tmp_path / "leaky.py"
    script.write_text(
        "import os, sys\n"
        "fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o600)\n"
        "os.set_inheritable(fd, True)\n"
        "os.system('true')\n"
        "sys.exit(5)\n"
    )
    log = tmp_path / "run.strace"
    r = run("--audit", "--log", str(log), str(script), str(tmp_path / "out"))
    assert r.returncode == 5, r.stderr
    assert "inherited-across-exec" in r.stdout and "fd 3" in r.stdout
    assert "open-at-exit" in r.stdout
    text = log.read_text()
    assert 'execve("/bin/sh", ["sh", "-c", "true"], []) = 0' in text
    assert "100   +++ exited with 5 +++" in text
    assert not (tmp_path / "out").exists()  # created in the model only


def test_missing_script():
    r = run("/no/such/script.py")
    assert r.returncode == 2
    assert r.stderr.startswith("fdkit: /no/such/script.py")


def test_readme_python_quickstart_runs():
    """The README's Python example, run as written from the repository root."""
    readme = open(os.path.join(ROOT, "README.md")).read()
    section = readme.split("## Quickstart (Python)", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=ROOT, timeout=60)
    assert r.returncode == 0, r.stderr
    text = os.path.join(ROOT, "examples", "tutorial.txt")
    assert f"l-wx------ 10 -> {text}" in r.stdout
    assert "inherited-across-exec" in r.stdout and "fd 10" in r.stdout


def test_a_failing_script_is_still_audited(tmp_path):
    script = tmp_path / "fails.py"
    target = tmp_path / "new.txt"
    script.write_text(
        f"import os\nos.dup2(os.open({str(target)!r}, os.O_CREAT | os.O_RDWR), 7)\n"
        "raise KeyError('boom')\n"
    )
    r = run("--audit", str(script))
    assert r.returncode == 1
    assert "KeyError: 'boom'" in r.stderr
    assert "open-at-exit" in r.stdout and "fd 7" in r.stdout
