/* The C ABI of fdkit's table, checked against Linux's rules: dup, dup2, dup3,
 * fcntl, close, close_range, fork, exec, owner tags and the release callback.
 * Constants come from the system's own headers, so they are Linux's values.
 * Run by tests/c_program.rs; prints "ok" and exits 0, or names the failed check. */
#define _GNU_SOURCE /* F_DUPFD_CLOEXEC */
#include "fdkit.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>

static int failures;

#define CHECK_EQ(got, want)                                                    \
    do {                                                                       \
        long long got_ = (long long)(got), want_ = (long long)(want);          \
        if (got_ != want_) {                                                   \
            fprintf(stderr, "table.c:%d: %s = %lld, expected %s = %lld\n",     \
                    __LINE__, #got, got_, #want, want_);                       \
            failures++;                                                        \
        }                                                                      \
    } while (0)

/* The release callback: counts last closes and remembers the last cookie. */
struct released {
    int count;
    uint64_t last;
};

static void on_release(void *ctx, uint64_t cookie) {
    struct released *r = ctx;
    r->count++;
    r->last = cookie;
}

static uint64_t cookie_of(FdkitTable *t, int fd) {
    uint64_t cookie = 0;
    CHECK_EQ(fdkit_get(t, fd, &cookie), 0);
    return cookie;
}

int main(void) {
    struct released rel = {0, 0};
    FdkitTable *t = fdkit_table_new(on_release, &rel);
    uint64_t tag = 0;

    /* open: the lowest free number; 0, 1, 2 like a process's standard streams. */
    CHECK_EQ(fdkit_open(t, 100, 0), 0);
    CHECK_EQ(fdkit_open(t, 101, 0), 1);
    CHECK_EQ(fdkit_open(t, 102, 0), 2);
    CHECK_EQ(fdkit_open(t, 103, O_CLOEXEC), 3);
    CHECK_EQ(fdkit_open(t, 999, O_APPEND), -EINVAL);

    /* dup: lowest free number, same description, close-on-exec clear. */
    CHECK_EQ(fdkit_dup(t, 3), 4);
    CHECK_EQ(cookie_of(t, 4), 103);
    CHECK_EQ(fdkit_fcntl(t, 3, F_GETFD, 0), FD_CLOEXEC);
    CHECK_EQ(fdkit_fcntl(t, 4, F_GETFD, 0), 0);
    CHECK_EQ(fdkit_dup(t, 42), -EBADF);
    CHECK_EQ(fdkit_dup(t, -1), -EBADF);

    /* dup2: dup2(fd, fd) leaves fd alone; a target is replaced silently. */
    CHECK_EQ(fdkit_dup2(t, 3, 3), 3);
    CHECK_EQ(fdkit_fcntl(t, 3, F_GETFD, 0), FD_CLOEXEC);
    CHECK_EQ(fdkit_dup2(t, 42, 42), -EBADF);
    CHECK_EQ(fdkit_dup2(t, 0, 10), 10);
    CHECK_EQ(cookie_of(t, 10), 100);
    CHECK_EQ(fdkit_dup2(t, 1, 10), 10); /* 10 held a dup of 0: not a last close */
    CHECK_EQ(rel.count, 0);
    CHECK_EQ(fdkit_dup2(t, 0, -1), -EBADF);
    CHECK_EQ(fdkit_dup2(t, 0, 1024), -EBADF); /* newfd >= RLIMIT_NOFILE */
    CHECK_EQ(fdkit_dup2(t, 42, 11), -EBADF);

    /* dup3: O_CLOEXEC only; dup3(fd, fd) is EINVAL even for a closed fd. */
    CHECK_EQ(fdkit_dup3(t, 0, 11, O_CLOEXEC), 11);
    CHECK_EQ(fdkit_fcntl(t, 11, F_GETFD, 0), FD_CLOEXEC);
    CHECK_EQ(fdkit_dup3(t, 0, 0, 0), -EINVAL);
    CHECK_EQ(fdkit_dup3(t, 42, 42, 0), -EINVAL);
    CHECK_EQ(fdkit_dup3(t, 0, 12, O_NONBLOCK), -EINVAL);

    /* fcntl: F_DUPFD honours its minimum; EBADF before EINVAL. */
    CHECK_EQ(fdkit_fcntl(t, 0, F_DUPFD, 20), 20);
    CHECK_EQ(fdkit_fcntl(t, 0, F_DUPFD, 20), 21);
    CHECK_EQ(fdkit_fcntl(t, 0, F_DUPFD_CLOEXEC, 5), 5);
    CHECK_EQ(fdkit_fcntl(t, 5, F_GETFD, 0), FD_CLOEXEC);
    CHECK_EQ(fdkit_fcntl(t, 5, F_SETFD, 0), 0);
    CHECK_EQ(fdkit_fcntl(t, 5, F_GETFD, 0), 0);
    CHECK_EQ(fdkit_fcntl(t, 5, F_SETFD, FD_CLOEXEC | 6), 0);
    CHECK_EQ(fdkit_fcntl(t, 5, F_GETFD, 0), FD_CLOEXEC);
    CHECK_EQ(fdkit_fcntl(t, 0, F_DUPFD, 1024), -EINVAL);
    CHECK_EQ(fdkit_fcntl(t, 0, F_DUPFD, (uint64_t)-1), -EINVAL);
    CHECK_EQ(fdkit_fcntl(t, 42, F_DUPFD, 1024), -EBADF);
    CHECK_EQ(fdkit_fcntl(t, 42, F_GETFD, 0), -EBADF);
    CHECK_EQ(fdkit_fcntl(t, 0, 9999, 0), -EINVAL);

    /* RLIMIT_NOFILE on every allocating path. */
    CHECK_EQ(fdkit_set_limits(t, 22, 1048576), 0);
    CHECK_EQ(fdkit_fcntl(t, 0, F_DUPFD, 20), -EMFILE);
    CHECK_EQ(fdkit_fcntl(t, 0, F_DUPFD, 22), -EINVAL);
    CHECK_EQ(fdkit_dup2(t, 0, 22), -EBADF);
    CHECK_EQ(fdkit_set_limits(t, 1024, 1), -EINVAL);
    CHECK_EQ(fdkit_set_limits(t, 1024, 1048576), 0);

    /* close: EBADF for a closed number; the lowest free number comes back. */
    CHECK_EQ(fdkit_close(t, 4), 0);
    CHECK_EQ(fdkit_close(t, 4), -EBADF);
    CHECK_EQ(fdkit_close(t, -1), -EBADF);
    CHECK_EQ(fdkit_dup(t, 2), 4);

    /* close_range: CLOEXEC marks, a plain range closes, ~0U is "to the end". */
    CHECK_EQ(fdkit_close_range(t, 3, ~0U, CLOSE_RANGE_CLOEXEC), 0);
    CHECK_EQ(fdkit_fcntl(t, 4, F_GETFD, 0), FD_CLOEXEC);
    CHECK_EQ(fdkit_fcntl(t, 21, F_GETFD, 0), FD_CLOEXEC);
    CHECK_EQ(fdkit_fcntl(t, 2, F_GETFD, 0), 0);
    CHECK_EQ(fdkit_close_range(t, 5, 4, 0), -EINVAL);
    CHECK_EQ(fdkit_close_range(t, 3, 4, 8), -EINVAL);
    CHECK_EQ(fdkit_close_range(t, 20, ~0U, 0), 0);
    CHECK_EQ(fdkit_fcntl(t, 20, F_GETFD, 0), -EBADF);
    CHECK_EQ(fdkit_fcntl(t, 21, F_GETFD, 0), -EBADF);
    /* Open now: 0 1 2 3 4 5 10 11; 3, 4, 5, 10, 11 close-on-exec. */
    CHECK_EQ(fdkit_count(t), 8);

    /* fork: a copy that shares descriptions; the child's changes are its own. */
    FdkitTable *child = NULL;
    CHECK_EQ(fdkit_fork(t, &child), 0);
    CHECK_EQ(fdkit_count(child), 8);
    CHECK_EQ(cookie_of(child, 3), 103);
    CHECK_EQ(fdkit_fcntl(child, 3, F_GETFD, 0), FD_CLOEXEC);
    CHECK_EQ(fdkit_close(child, 0), 0);
    CHECK_EQ(fdkit_fcntl(t, 0, F_GETFD, 0), 0);
    CHECK_EQ(fdkit_fork(t, NULL), -EFAULT);

    /* exec in the child: the close-on-exec sweep; description 103 is still
     * held by the parent, so nothing is released yet. */
    CHECK_EQ(fdkit_exec(child), 5);
    CHECK_EQ(fdkit_count(child), 2);
    CHECK_EQ(fdkit_fcntl(child, 3, F_GETFD, 0), -EBADF);
    CHECK_EQ(fdkit_dup(child, 1), 0);
    CHECK_EQ(rel.count, 0);

    /* The last close of a description releases it, in whichever table: the
     * child's exec closed its 3, so the parent's close of 3 is 103's last. */
    CHECK_EQ(fdkit_close(t, 3), 0);
    CHECK_EQ(rel.count, 1);
    CHECK_EQ(rel.last, 103);
    CHECK_EQ(fdkit_close(t, 4), 0); /* 4 is a dup of 2: not the last */
    CHECK_EQ(rel.count, 1);

    /* Owner tags (fdsan): a plain close of an owned descriptor is refused and
     * names the owner; the owner's close works; a duplicate starts unowned. */
    uint64_t owner = 0x0100000000007f00ull;
    CHECK_EQ(fdkit_exchange_owner_tag(t, 2, 0, owner, NULL), 0);
    CHECK_EQ(fdkit_get_owner_tag(t, 2, &tag), 0);
    CHECK_EQ(tag, owner);
    CHECK_EQ(fdkit_dup(t, 2), 3);
    CHECK_EQ(fdkit_get_owner_tag(t, 3, &tag), 0);
    CHECK_EQ(tag, 0);
    tag = 0;
    CHECK_EQ(fdkit_close(t, 2), -EPERM);
    CHECK_EQ(fdkit_close_with_tag(t, 2, 0x55, &tag), -EPERM);
    CHECK_EQ(tag, owner);
    CHECK_EQ(fdkit_exchange_owner_tag(t, 2, 0, 0x55, &tag), -EPERM);
    CHECK_EQ(fdkit_close_with_tag(t, 2, owner, NULL), 0);
    CHECK_EQ(fdkit_close_with_tag(t, 2, owner, &tag), -EPERM);
    CHECK_EQ(tag, 0); /* not open: owned by nobody */
    CHECK_EQ(fdkit_close_with_tag(t, 2, 0, NULL), -EBADF);
    CHECK_EQ(fdkit_get_owner_tag(t, 2, &tag), -EBADF);

    /* Freeing closes everything: each description is released exactly once. */
    fdkit_table_free(child);
    fdkit_table_free(t);
    CHECK_EQ(rel.count, 4); /* 100, 101, 102, 103 */
    CHECK_EQ(fdkit_dup(NULL, 0), -EFAULT);

    if (failures) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    puts("ok");
    return 0;
}
