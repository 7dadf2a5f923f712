/*
 * fdlaunch: start a program with exactly fds 0, 1, 2 open.
 *
 * Used by scripts/record-fixtures.sh and scripts/valgrind-fds.sh (compiled
 * into a temp dir; statically linked when possible so that, when it appears
 * in a trace, it adds no dynamic-loader noise).
 *
 *   fdlaunch [--stdin F] [--stdout F] [--stderr F] [--keep3 F] [--argv0 NAME] [--] PROG [ARG...]
 *       --keep3 F: after the close_range, open F (O_RDONLY) as fd 3, without
 *       close-on-exec: a descriptor the program inherits from its environment.
 *       Open F (stdin: O_RDONLY; stdout/stderr: O_WRONLY|O_CREAT|O_TRUNC)
 *       onto fd 0/1/2, make sure 0, 1 and 2 are open (/dev/null otherwise),
 *       close every fd >= 3 (close_range(3, ~0U, 0), with a fallback loop
 *       for kernels without it), then execv(PROG) (PROG must be a path),
 *       with argv[0] = NAME if --argv0 is given (so that strace, run by
 *       its full path, still calls itself "strace" in its messages).
 *
 *   fdlaunch --list-fds
 *       Print the fds open in this process (from /proc/self/fd, minus the
 *       directory's own fd) as "0 1 2\n". Used as a pre-flight check:
 *       `fdlaunch -- strace ... fdlaunch --list-fds` must print exactly
 *       "0 1 2", proving strace hands its tracee nothing but 0, 1, 2.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "fdlaunch: %s %s: %s\n", what, arg ? arg : "", strerror(errno));
	exit(127);
}

static void redirect(const char *path, int target, int flags)
{
	int fd = open(path, flags, 0644);
	if (fd < 0)
		die("cannot open", path);
	if (fd != target) {
		if (dup2(fd, target) < 0)
			die("dup2 failed for", path);
		close(fd);
	}
}

static int list_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		die("opendir", "/proc/self/fd");
	int self = dirfd(d), fds[64], n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);
		if (fd != self && n < 64)
			fds[n++] = fd;
	}
	closedir(d);
	/* insertion sort: readdir order is not guaranteed */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];
			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	for (int i = 0; i < n; i++)
		printf("%s%d", i ? " " : "", fds[i]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1;
	const char *argv0 = NULL, *keep3 = NULL;
	if (argc == 2 && strcmp(argv[1], "--list-fds") == 0)
		return list_fds();
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "--stdin") == 0 && i + 1 < argc) {
			redirect(argv[++i], 0, O_RDONLY);
		} else if (strcmp(argv[i], "--stdout") == 0 && i + 1 < argc) {
			redirect(argv[++i], 1, O_WRONLY | O_CREAT | O_TRUNC);
		} else if (strcmp(argv[i], "--stderr") == 0 && i + 1 < argc) {
			redirect(argv[++i], 2, O_WRONLY | O_CREAT | O_TRUNC);
		} else if (strcmp(argv[i], "--keep3") == 0 && i + 1 < argc) {
			keep3 = argv[++i];
		} else if (strcmp(argv[i], "--argv0") == 0 && i + 1 < argc) {
			argv0 = argv[++i];
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "fdlaunch: unknown option %s\n", argv[i]);
			return 127;
		} else {
			break;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: fdlaunch [--stdin F] [--stdout F] [--stderr F] [--keep3 F] [--argv0 NAME] [--] PROG [ARG...]\n");
		return 127;
	}
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			redirect("/dev/null", fd, fd == 0 ? O_RDONLY : O_WRONLY);
	if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
		struct rlimit rl;
		long max = 65536;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			max = (long)rl.rlim_cur;
		for (long fd = 3; fd < max; fd++)
			close((int)fd);
	}
	if (keep3 && open(keep3, O_RDONLY) != 3)
		die("cannot open as fd 3:", keep3);
	const char *path = argv[i];
	if (argv0)
		argv[i] = (char *)argv0;
	execv(path, argv + i);
	die("cannot exec", path);
	return 127;
}
