#!/usr/bin/env python3
"""verify-fixtures.py -- check that recorded strace fixtures contain what they should.

Usage: scripts/verify-fixtures.py [DIR] [NAME...]

DIR defaults to tests/fixtures/ next to this script; NAME defaults to every
fixture that has a NAME.strace in DIR. For each NAME it checks NAME.strace and
every decorated variant present (NAME.yy-tt-T.strace, NAME.ttt.strace,
NAME.r.strace, NAME.stderr.strace, NAME.s0.strace):

  * the line format of the variant (pid prefix "1234  " for -o logs,
    "[pid  1234] " or no prefix for the stderr form, timestamps, -T, -yy);
  * the log starts with a successful execve and ends with
    "+++ exited with 0 +++";
  * the first fd handed out in the initial process is 3 (0, 1, 2 open);
  * per fixture, a list of lines that must occur (regexes over lines with the
    prefix, timestamps, -T durations and -yy <...> decorations removed).

Exit status 0 if all checks pass, 1 otherwise (every failure is printed).
Only the Python standard library is used.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.path.join(HERE, "..", "tests", "fixtures")

PID_O = re.compile(r"^(\d+) +")
PID_STDERR = re.compile(r"^\[pid +(\d+)\] ")
TS_TT = re.compile(r"^\d\d:\d\d:\d\d\.\d{6} ")
TS_TTT = re.compile(r"^\d{9,}\.\d{6} ")
TS_R = re.compile(r"^ *\d+\.\d{6} ")
DUR_T = re.compile(r" <\d+\.\d{6}>$")
# -yy decoration after an fd number: 3</path>, 4<UNIX-STREAM:[1->2]>,
# 7</memfd:x>(deleted), 5<TCP:[127.0.0.1:1->127.0.0.1:2]>
# (one level of nesting: 0</dev/null<char 1:3>>)
DECOR = re.compile(r"(\d|AT_FDCWD)<(?:->|[^<>\n]|<[^<>\n]*>)*>(?:\(deleted\))?")
NOTICE = re.compile(r"strace: Process \d+ attached$")

FD_RESULT_CALLS = ("open", "openat", "openat2", "creat")

# Per-fixture required lines (regex, searched in normalised lines).
REQUIRED = {
    "shell-redirs": [
        r'^openat\(AT_FDCWD, "out\.txt", O_WRONLY\|O_CREAT\|O_TRUNC, 0666\) = \d+$',
        r'^openat\(AT_FDCWD, "out\.txt", O_WRONLY\|O_CREAT\|O_APPEND, 0666\) = \d+$',
        r'^openat\(AT_FDCWD, "out\.txt", O_RDONLY\) = \d+$',
        r'^openat\(AT_FDCWD, "fd3\.txt", O_WRONLY\|O_CREAT\|O_TRUNC, 0666\) = \d+$',
        r'^dup2\(1, 2\) = 2$',
        r'^dup2\(\d+, 0\) = 0$',
        r'^(pipe2?\(\[\d+, \d+\]|openat\(.*O_CREAT\|O_EXCL)',  # here-doc: pipe (dash) or temp file
        r'here-doc line 1\\nhere-doc line 2\\n',
        r'^(clone3?|fork|vfork)\(',
        r'^execve\("[^"]*/cat", \["cat", "missing-file"\]',
        r'^\+\+\+ exited with 1 \+\+\+$',
    ],
    "shell-pipeline": [
        r'^pipe2?\(\[\d+, \d+\]',
        r'^execve\("[^"]*/cat", \["cat", "input\.txt"\]',
        r'^execve\("[^"]*/sort", \["sort"\]',
        r'^execve\("[^"]*/wc", \["wc", "-l"\]',
        r'^openat\(AT_FDCWD, "/dev/null", O_WRONLY\|O_CREAT\|O_TRUNC, 0666\) = \d+$',
        r'^openat\(AT_FDCWD, "count\.txt", O_WRONLY\|O_CREAT\|O_TRUNC, 0666\) = \d+$',
        r'^dup2\(\d+, 0\) = 0$',
        r'^dup2\(\d+, 1\) = 1$',
        r'^execve\(".*\) = -1 ENOENT|^newfstatat\(AT_FDCWD, "/usr/local/bin/cat".* = -1 ENOENT',
    ],
    "py-subprocess": [
        r'^pipe2\(\[\d+, \d+\], O_CLOEXEC\) = 0$',
        r'^(vfork\(|clone3?\(.*CLONE_VFORK|clone\()',
        r'^close_range\(3, \d+, 0\) = 0$',
        r'^execve\("/bin/cat", \["/bin/cat"\]',
        r'^fcntl\(\d+, F_DUPFD_CLOEXEC, 0\) = \d+$',
        r'^dup2\(\d+, 9\) = 9$',
        r'^dup3\(\d+, 11, O_CLOEXEC\) = 11$',
        r'^(ioctl\(\d+, FIONCLEX\)|fcntl\(\d+, F_SETFD, 0\)) = 0$',
        r'^(ioctl\(\d+, FIOCLEX\)|fcntl\(\d+, F_SETFD, FD_CLOEXEC\)) = 0$',
        r'^execve\("/bin/sh", \["/bin/sh", "-c", "echo passed >&9"\]',
        r'^close_range\(3, 19, 0\) = 0$|^close\(19\) = -1 EBADF',
        r'^write\(1, "== done\\n", 8\) = 8$',
    ],
    "py-threads": [
        r'^clone3?\(.*CLONE_THREAD',
        r'^openat\(AT_FDCWD, "p0\.txt", O_RDONLY\|O_CLOEXEC',
        r'^openat\(AT_FDCWD, "p3\.txt", O_RDONLY\|O_CLOEXEC',
        r'<unfinished \.\.\.>$',
    ],
    "c-threads": [
        r'^clone3?\(.*CLONE_FILES.*CLONE_THREAD',
        r'^(<\.\.\. dup2 resumed>\)|dup2\(\d+, 10[0-3]\)) += 10[0-3]$',
        r'^(<\.\.\. fcntl resumed>\)|fcntl\(\d+, F_DUPFD, 64\)) += 6\d$',
        r'^pread64\(\d+, "[0-3]", 1, 0\) = 1$|^<\.\.\. pread64 resumed>"[0-3]", 1, 0\) = 1$',
        r'<unfinished \.\.\.>$',
    ],
    "c-dup-edge": [
        r'^dup\(-1\) = -1 EBADF',
        r'^dup\(42\) = -1 EBADF',
        r'^dup2\(3, 3\) = 3$',
        r'^dup2\(42, 42\) = -1 EBADF',
        r'^dup2\(3, 63\) = 63$',
        r'^dup2\(3, 64\) = -1 EBADF',
        r'^dup2\(3, -1\) = -1 EBADF',
        r'^dup2\(3, 4\) = 4$',
        r'^dup3\(3, 10, O_NONBLOCK\) = -1 EINVAL',
        r'^dup3\(3, 3, 0\) = -1 EINVAL',
        r'^dup3\(3, 3, O_CLOEXEC\) = -1 EINVAL',
        r'^dup3\(3, 10, O_CLOEXEC\) = 10$',
        r'^fcntl\(3, F_DUPFD, 64\) = -1 EINVAL',
        r'^fcntl\(3, F_DUPFD, (-1|4294967295|18446744073709551615)\) = -1 EINVAL',
        r'^fcntl\(3, F_DUPFD, 63\) = 63$',
        r'^fcntl\(3, F_DUPFD, 10\) = 11$',
        r'^fcntl\(3, F_DUPFD_CLOEXEC, 0\) = 5$',
        r'^fcntl\(5, F_SETFD, 0xfe',
        r'^fcntl\(3, F_SETFL, O_RDONLY\|O_CREAT\|O_EXCL\|O_TRUNC\|O_APPEND\|O_NONBLOCK',
        r'^fcntl\(11, F_GETFL\) = 0x8c02 \(flags O_RDWR\|O_APPEND\|O_NONBLOCK\|O_LARGEFILE\)$',
        r'^close_range\(20, 23, CLOSE_RANGE_CLOEXEC\) = 0$',
        r'^close_range\(22, 23, CLOSE_RANGE_UNSHARE\) = 0$',
        r'^close_range\(20, 21, 0x8 /\* CLOSE_RANGE_\?\?\? \*/\) = -1 EINVAL',
        r'^close_range\(21, 20, 0\) = -1 EINVAL',
        r'^close_range\(20, 4294967295, 0\) = 0$',
        r'^close\(42\) = -1 EBADF',
        r'^close\(-1\) = -1 EBADF',
        r'^close\(11\) = -1 EBADF',
        r'^openat\(AT_FDCWD, "edge\.txt", O_RDONLY\|O_PATH\) = 6$',
        r'^fcntl\(6, F_SETFL, O_RDONLY\|O_NONBLOCK\) = -1 EBADF',
        r'^read\(6, 0x[0-9a-f]+, 1\) = -1 EBADF',
        r'^pipe2\(\[6, 7\], O_NONBLOCK\|O_CLOEXEC\) = 0$',
        r'^read\(6, 0x[0-9a-f]+, 1\) = -1 EAGAIN',
        r'^lseek\(6, 0, SEEK_CUR\) = -1 ESPIPE',
        r'^pipe2\(0x[0-9a-f]+, O_TRUNC\) = -1 EINVAL',
        r'^read\(3, "234", 3\) = 3$',
        r'^lseek\(6, 0, SEEK_CUR\) = 5$',
        r'^lseek\(6, 0, SEEK_CUR\) = 7$',
        r'^write\(1, "== done\\n", 8\) = 8$',
    ],
    "c-fork-exec": [
        r'^clone\(child_stack=NULL, flags=CLONE_CHILD_CLEARTID\|CLONE_CHILD_SETTID\|SIGCHLD',
        r'^read\(3, "0123", 4\) = 4$',
        r'^lseek\(3, 0, SEEK_CUR\) = 4$',
        r'^execve\("/proc/self/exe", \["c-fork-exec", "--exec-child", "8"\]',
        r'^fcntl\(4, F_GETFD\) = -1 EBADF',
        r'^read\(3, "89", 2\) = 2$',
        r'^execve\("/nonexistent/fdkit-no-such-program", \["nope"\], NULL\) = -1 ENOENT',
        r'^vfork\(',
        r'^execve\("/bin/true", \["true"\]',
        r'^clone\(child_stack=0x[0-9a-f]+, flags=CLONE_FILES\|SIGCHLD\) = \d+$',
        r'^dup2\(3, 40\) = 40$',
        r'^fcntl\(7, F_GETFD\) = -1 EBADF',
        r'^fcntl\(40, F_GETFD\) = 0$',
        r'^unshare\(CLONE_FILES\) = 0$',
        r'^clone3\(\{flags=CLONE_VM\|CLONE_FS\|CLONE_FILES\|CLONE_SIGHAND\|CLONE_THREAD',
        r'^execve\("/proc/self/exe", \["c-fork-exec", "--exec-child", "10"\]',
        r'^\+\+\+ superseded by execve in pid \d+ \+\+\+$',
        r'^read\(3, "ab", 2\) = 2$',
        r'^lseek\(3, 0, SEEK_CUR\) = 12$',
        r'^--- SIGUSR1 ',
        r'^read\(5, "x", 1\) = 1$|^<\.\.\. read resumed>"x", 1\) = 1$',
        r'^write\(1, "== done\\n", 8\) = 8$',
    ],
    "c-sockets": [
        r'^socketpair\(AF_UNIX, SOCK_STREAM, 0, \[3, 4\]\) = 0$',
        r'^sendmsg\(3, .*cmsg_type=SCM_RIGHTS, cmsg_data=\[4, 6\]',
        r'cmsg_type=SCM_RIGHTS, cmsg_data=\[3, 5\]',
        r'cmsg_type=SCM_RIGHTS, cmsg_data=\[4\].*MSG_CMSG_CLOEXEC\) = 1$',
        r'^socket\(AF_INET, SOCK_STREAM\|SOCK_CLOEXEC, IPPROTO_IP\) = 3$',
        r'^bind\(3, \{sa_family=AF_INET, sin_port=htons\(0\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}',
        r'^listen\(3, 4\) = 0$',
        r'^connect\(4, \{sa_family=AF_INET, sin_port=htons\(\d+\)',
        r'^accept4\(3, NULL, NULL, SOCK_CLOEXEC\) = 5$',
        r'^accept\(3, \{sa_family=AF_INET, .*\) = 7$',
        r'^eventfd2\(0, EFD_CLOEXEC\|EFD_NONBLOCK\) = 3$',
        r'^epoll_create1\(EPOLL_CLOEXEC\) = 4$',
        r'^timerfd_create\(CLOCK_MONOTONIC, TFD_CLOEXEC\|TFD_NONBLOCK\) = 5$',
        r'^signalfd4\(-1, \[USR1\], 8, SFD_CLOEXEC\|SFD_NONBLOCK\) = 6$',
        r'^memfd_create\("fdkit-memfd", MFD_CLOEXEC\) = 7$',
        r'^inotify_init1\(IN_NONBLOCK\|IN_CLOEXEC\) = 8$',
        r'^inotify_add_watch\(8, "\.", IN_CREATE\) = 1$',
        r'^dup\(3\) = 9$',
        r'^write\(1, "== done\\n", 8\) = 8$',
    ],
    "c-emfile": [
        r'^getrlimit\(RLIMIT_NOFILE, \{rlim_cur=',
        r'^setrlimit\(RLIMIT_NOFILE, \{rlim_cur=16, ',
        r'^openat\(AT_FDCWD, "/dev/null", O_RDONLY\) = 15$',
        r'^openat\(AT_FDCWD, "/dev/null", O_RDONLY\) = -1 EMFILE',
        r'^dup\(0\) = -1 EMFILE',
        r'^fcntl\(0, F_DUPFD, 10\) = -1 EMFILE',
        r'^fcntl\(0, F_DUPFD_CLOEXEC, 10\) = -1 EMFILE',
        r'^fcntl\(0, F_DUPFD, 16\) = -1 EINVAL',
        r'^fcntl\(0, F_DUPFD, 3\) = 7$',
        r'^dup2\(1, 15\) = 15$',
        r'^dup2\(0, 16\) = -1 EBADF',
        r'^pipe2\(0x[0-9a-f]+, 0\) = -1 EMFILE',
        r'^socketpair\(AF_UNIX, SOCK_STREAM, 0, 0x[0-9a-f]+\) = -1 EMFILE',
        r'^socket\(AF_UNIX, SOCK_STREAM, 0\) = 7$',
        r'^setrlimit\(RLIMIT_NOFILE, \{rlim_cur=8, ',
        r'^prlimit64\(0, RLIMIT_NOFILE, \{rlim_cur=\d+, rlim_max=\S+\}, \{rlim_cur=8, ',
        r'^openat\(AT_FDCWD, "/dev/null", O_RDONLY\) = 16$',
        r'^write\(1, "== done\\n", 8\) = 8$',
    ],
    "make-j": [
        r'^execve\("[^"]*make", \["[^"]*make", "-j4"\]',
        r'^pipe2?\(\[\d+, \d+\]',
        r'^(clone3?|vfork|fork)\(',
        r'^execve\("/bin/sh", \["/bin/sh", "-c", "echo a > a\.txt"\]',
        r'^execve\("/bin/sh", \["/bin/sh", "-c", "cat a\.txt b\.txt c\.txt d\.txt > al"\.\.\.\]',  # -s 32
        r'^openat\(AT_FDCWD, "d\.txt", O_WRONLY\|O_CREAT\|O_APPEND, 0666\) = \d+$',
    ],
    "leak-c-exec": [
        r'^openat\(AT_FDCWD, "secret\.txt", O_RDONLY\) = 3$',
        r'^openat\(AT_FDCWD, "config\.txt", O_RDONLY\|O_CLOEXEC\) = 4$',
        r'^execve\("/bin/true", \["true"\]',
        # in /bin/true the loader's first fd is 4: 3 is the leaked secret.txt
        r'^openat\(AT_FDCWD, "/etc/ld\.so\.cache", O_RDONLY\|O_CLOEXEC\) = 4$',
    ],
    "leak-py-loop": [
        r'^prlimit64\(0, RLIMIT_NOFILE, \{rlim_cur=32, ',
        r'^openat\(AT_FDCWD, "log0\.txt", O_WRONLY\|O_CREAT\|O_TRUNC\|O_CLOEXEC, 0644\) = \d+$',
        r'^openat\(AT_FDCWD, "log\d+\.txt", .*\) = 31$',
        r'^openat\(AT_FDCWD, "log\d+\.txt", .*\) = -1 EMFILE',
        r'^write\(1, "EMFILE after \d+ opens',
    ],
    "leak-shell": [
        r'^openat\(AT_FDCWD, "held\.txt", O_WRONLY\|O_CREAT\|O_TRUNC, 0666\) = \d+$',
        r'^(dup2\(\d+, 5\) = 5|fcntl\(\d+, F_DUPFD, 5\) = 5)$',
        r'^execve\("[^"]*/cat", \["cat", "input\.txt"\]',
        r'^close\(5\) = 0$',
    ],
    "clean-c": [
        r'^openat\(AT_FDCWD, "clean\.txt", O_WRONLY\|O_CREAT\|O_TRUNC\|O_CLOEXEC, 0666\) = 3$',
        r'^fcntl\(3, F_DUPFD_CLOEXEC, 0\) = 4$',
        r'^dup3\(3, 10, O_CLOEXEC\) = 10$',
        r'^pipe2\(\[\d+, \d+\], O_CLOEXEC\) = 0$',
        r'^socketpair\(AF_UNIX, SOCK_STREAM\|SOCK_CLOEXEC, 0, \[\d+, \d+\]\) = 0$',
        r'^execve\("/bin/true", \["true"\]',
        r'^close\(10\) = 0$',
    ],
    "leak-c-dup2": [
        r'^openat\(AT_FDCWD, "app\.log", O_WRONLY\|O_CREAT\|O_TRUNC\|O_CLOEXEC, 0644\) = 3$',
        r'^pipe2\(\[4, 5\], O_CLOEXEC\) = 0$',
        r'^dup2\(5, 1\) = 1$',
        r'^dup2\(3, 6\) = 6$',
        r'^dup2\(5, 3\) = 3$',
        r'^write\(3, "lost\\n", 5\) = 5$',
        r'^exit_group\(0\)',
    ],
    "use-after-close": [
        r'^openat\(AT_FDCWD, "data\.txt", .*\) = 3$',
        r'^write\(3, "after close\\n", 12\) = -1 EBADF',
        r'^close\(3\) = -1 EBADF',
        r'^openat\(AT_FDCWD, "other\.txt", .*\) = 3$',
        r'^write\(3, "stale\\n", 6\) = 6$',
    ],
}

REQUIRED.update({
    "c-pipe2-flags": [
        r'^pipe2\(\[3, 4\], O_DIRECT\) = 0$',
        # O_DIRECT only on the write end (fs/pipe.c, create_pipe_files)
        r'^fcntl\(3, F_GETFL\) = 0x800 \(flags O_RDONLY\|O_NONBLOCK\)$',
        r'^fcntl\(4, F_GETFL\) = 0x4801 \(flags O_WRONLY\|O_NONBLOCK\|O_DIRECT\)$',
        r'^fcntl\(3, F_GETFL\) = 0 \(flags O_RDONLY\)$',
        r'^fcntl\(4, F_GETFL\) = 0x4001 \(flags O_WRONLY\|O_DIRECT\)$',
        r'^pipe2\(0x[0-9a-f]+, O_APPEND\) = -1 EINVAL',
    ],
    "c-scm-badf": [
        r'^socketpair\(AF_UNIX, SOCK_STREAM, 0, \[3, 4\]\) = 0$',
        r'^sendmsg\(3, .*cmsg_data=\[6\]\}.*\) = -1 EBADF',
        r'^sendmsg\(3, .*cmsg_data=\[5, 6\]\}.*\) = -1 EBADF',
        r'^sendmsg\(3, .*cmsg_data=\[-1\]\}.*\) = -1 EBADF',
        r'^recvfrom\(4, .*MSG_DONTWAIT.*\) = -1 EAGAIN',
        r'^sendmsg\(3, .*cmsg_data=\[5\]\}.*\) = 1$',
        r'^recvmsg\(4, .*cmsg_data=\[6\]\}.*\) = 1$',
    ],
    "c-ioctl-ptpeer": [
        r'^openat\(AT_FDCWD, "/dev/ptmx", O_RDWR\|O_NOCTTY\) = 3$',
        r'^ioctl\(3, TIOCGPTPEER, (0x102|O_RDWR\|O_NOCTTY)\) = 4$',
        r'^ioctl\(3, TIOCGPTPEER, (0x80102|O_RDWR\|O_NOCTTY\|O_CLOEXEC)\) = 5$',
        r'^fcntl\(5, F_GETFD\) = 0x1 \(flags FD_CLOEXEC\)$',
    ],
    "py-pipes": [
        r'^pipe2\(\[\d+, \d+\], O_CLOEXEC\) = 0$',
        r'^execve\("/bin/cat", \["/bin/cat"\]',
    ],
})

# `strace -s 0` variants (NAME.s0.strace): arrays and strings elided.
REQUIRED_S0 = {
    "py-pipes": [
        r'^pipe2\(\[\.\.\.\], O_CLOEXEC\) = 0$',
        r'^execve\("/bin/cat", \[\.\.\.\]',
    ],
    "c-sockets": [
        r'^socketpair\(AF_UNIX, SOCK_STREAM, 0, \[\.\.\.\]\) = 0$',
        r'cmsg_type=SCM_RIGHTS, cmsg_data=\[\.\.\.\]',
    ],
}

# Wanted but timing-dependent (e.g. on a single CPU): reported as WARN only.
WANTED = {
    "py-threads": [
        # an fd syscall of one thread interrupted by another thread's syscall
        r'^<\.\.\. (openat|close|read|newfstatat|lseek|ioctl) resumed>',
    ],
}

# Started with more than 0, 1, 2 open (fdlaunch --keep3): the first new fd.
FIRST_FD = {"py-inherited": "4"}

# Threaded fixtures: at least this many distinct pids/tids must appear.
MIN_TASKS = {"py-threads": 5, "c-threads": 5, "shell-pipeline": 4, "make-j": 6}


def variant_of(filename, name):
    rest = filename[len(name):]
    if rest == ".strace":
        return "plain"
    return rest[1:-len(".strace")]


def normalise(line, variant):
    """Return (pid or None, body) for one raw line."""
    pid = None
    if variant == "stderr":
        m = PID_STDERR.match(line)
        if m:
            pid = int(m.group(1))
            line = line[m.end():]
    else:
        m = PID_O.match(line)
        if m:
            pid = int(m.group(1))
            line = line[m.end():]
    if variant == "yy-tt-T":
        line = TS_TT.sub("", line, count=1)
        line = DUR_T.sub("", line)
        line = DECOR.sub(r"\1", line)
    elif variant == "tt":
        line = TS_TT.sub("", line, count=1)
    elif variant == "ttt":
        line = TS_TTT.sub("", line, count=1)
    elif variant == "r":
        line = TS_R.sub("", line, count=1)
    # collapse strace's column alignment before " = "
    line = re.sub(r"\) +(= )", r") \1", line)
    line = re.sub(r"(resumed>\)) +(= )", r"\1 \2", line)
    return pid, line


def unsplice(raw):
    """stderr form: strace prints its attach notice in the middle of the
    parent's clone/fork line and continues that line on the next one:
        clone(...|SIGCHLDstrace: Process N attached
         <unfinished ...>            (or: ) = N)
    -> the notice on its own line, then "clone(...|SIGCHLD <unfinished ...>"."""
    out = []
    i = 0
    while i < len(raw):
        l = raw[i]
        m = NOTICE.search(l)
        if m and m.start() > 0 and not PID_STDERR.fullmatch(l[:m.start()]):
            head = l[:m.start()]
            out.append(l[m.start():])
            if i + 1 < len(raw) and not raw[i + 1].startswith("[pid "):
                out.append(head + raw[i + 1])
                i += 1
            else:
                out.append(head)
        else:
            out.append(l)
        i += 1
    return out


def join_resumed(lines):
    """Join "call(args <unfinished ...>" with the same pid's "<... call resumed>rest"."""
    pending = {}
    joined = []
    for pid, b in lines:
        if b.endswith(" <unfinished ...>"):
            pending[pid] = b[: -len(" <unfinished ...>")]
            continue
        m = re.match(r"^<\.\.\. (\w+) resumed>(.*)$", b)
        if not m:
            continue
        # stderr form: a call started while only one process was traced has
        # no "[pid N]" prefix, its "resumed" half has one -> fall back to None.
        key = pid if pid in pending else None
        if key in pending and pending[key].startswith(m.group(1) + "("):
            head = pending.pop(key)
            joined.append(re.sub(r"\) +(= )", r") \1", head + m.group(2)))
    return joined


def check_file(path, name, variant):
    errors = []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        raw = f.read().splitlines()
    if not raw:
        return ["empty log"]

    # --- format of the variant ---
    if variant == "stderr":
        if PID_O.match(raw[0]) or raw[0].startswith("[pid"):
            errors.append("stderr form: first line should carry no pid prefix")
        if not any(l.startswith("[pid ") for l in raw):
            errors.append("stderr form: no '[pid N] ' prefixed line")
        if not any(re.search(r"strace: Process \d+ attached", l) for l in raw):
            errors.append("stderr form: no 'strace: Process N attached' notice")
    else:
        bad = [l for l in raw if not PID_O.match(l)]
        if bad:
            errors.append("%d line(s) without the 'PID  ' prefix, e.g. %r" % (len(bad), bad[0][:80]))
    stripped = [PID_O.sub("", l, count=1) for l in raw] if variant != "stderr" else raw
    fmt = {"yy-tt-T": TS_TT, "ttt": TS_TTT, "r": TS_R}.get(variant)
    if fmt and not all(fmt.match(l) for l in stripped[:20]):
        errors.append("%s: timestamps missing at line start" % variant)
    if variant == "yy-tt-T":
        if not any(DUR_T.search(l) for l in stripped):
            errors.append("-T durations missing")
        if not any(re.search(r"\d</", l) for l in stripped):
            errors.append("-yy path decorations missing")

    lines = [normalise(l, variant) for l in unsplice(raw)]
    bodies = [b for _, b in lines] + join_resumed(lines)

    # --- start and end ---
    first = bodies[0]
    if variant == "stderr":
        # the traced fdlaunch trampoline, then the program
        if not re.match(r'^execve\("[^"]*fdlaunch", ', first):
            errors.append("stderr form: first line is not execve of fdlaunch: %r" % first[:80])
        if not any(re.match(r"^close_range\(3, 4294967295, 0\) = 0$", b) for b in bodies[:40]):
            errors.append("stderr form: fdlaunch close_range(3, ~0U, 0) not found")
    elif not re.match(r"^execve\(.*\) = 0$", first):
        errors.append("first line is not a successful execve: %r" % first[:80])
    if lines[-1][1] != "+++ exited with 0 +++":
        errors.append("last line is not '+++ exited with 0 +++': %r" % lines[-1][1][:80])

    # --- the first fd handed out in the initial process is 3 ---
    first_pid = lines[0][0]
    for pid, b in lines:
        if pid not in (None, first_pid):
            continue
        m = re.match(r"^(\w+)\(.*\) = (-?\d+)", b)
        if m and m.group(1) in FD_RESULT_CALLS and not m.group(2).startswith("-"):
            if m.group(2) != FIRST_FD.get(name, "3"):
                errors.append("first fd allocated is %s, not 3 (inherited fds?): %r" % (m.group(2), b[:80]))
            break

    # --- required content ---
    required = REQUIRED_S0.get(name, []) if variant == "s0" else REQUIRED.get(name, [])
    for rx in required:
        r = re.compile(rx)
        if not any(r.search(b) for b in bodies):
            errors.append("missing: /%s/" % rx)

    for rx in WANTED.get(name, []) if variant != "s0" else []:
        r = re.compile(rx)
        if not any(r.search(b) for b in bodies):
            print("WARN %s: not found (timing-dependent): /%s/" % (os.path.basename(path), rx))

    # --- tasks ---
    pids = {p for p, _ in lines if p is not None}
    need = MIN_TASKS.get(name)
    if need and len(pids) + (1 if variant == "stderr" else 0) < need:
        errors.append("only %d distinct pids, expected >= %d" % (len(pids), need))

    # --- c-threads: numbers handed out to more than one thread ---
    if name == "c-threads":
        owners = {}
        pending = {}
        for pid, b in lines:
            m = re.match(r"^openat\(.*<unfinished \.\.\.>$", b)
            if m:
                pending[pid] = True
                continue
            m = re.match(r"^openat\(.*\) = (\d+)$", b) or (
                pending.pop(pid, None) and re.match(r"^<\.\.\. openat resumed>\) = (\d+)$", b))
            if m:
                owners.setdefault(int(m.group(1)), set()).add(pid)
        if not any(len(v) >= 2 for v in owners.values()):
            errors.append("no fd number was returned by openat to two different threads")
    return errors


def main(argv):
    d = argv[1] if len(argv) > 1 else DEFAULT_DIR
    names = argv[2:]
    if not names:
        names = sorted(f[: -len(".strace")] for f in os.listdir(d)
                       if f.endswith(".strace") and f.count(".") == 1)
    failed = 0
    checked = 0
    for name in names:
        files = sorted(f for f in os.listdir(d)
                       if f.startswith(name + ".") and f.endswith(".strace")
                       and re.fullmatch(re.escape(name) + r"(\.(yy-tt-T|ttt|r|stderr|s0|tt))?\.strace", f))
        if name + ".strace" not in files:
            print("FAIL %s: %s.strace not found in %s" % (name, name, d))
            failed += 1
            continue
        for f in files:
            errs = check_file(os.path.join(d, f), name, variant_of(f, name))
            checked += 1
            if errs:
                failed += 1
                print("FAIL %s" % f)
                for e in errs:
                    print("     %s" % e)
    print("verify-fixtures: %d log(s) checked, %d failed" % (checked, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
