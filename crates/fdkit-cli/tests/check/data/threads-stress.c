/* threads-stress.c -- six threads racing on one descriptor table: open, dup,
 * F_DUPFD_CLOEXEC, dup2 onto a private and onto a shared target, socketpair and
 * pipe2 (two numbers taken one at a time), EBADF probes, F_SETFD/F_GETFD, and
 * closes; one thread blocked in accept4 while the others allocate; a fork whose
 * child runs close_range and execs. Built and traced by the live tests of
 * `fdkit check` (crates/fdkit-cli/tests/check/live.rs): the log must replay
 * without a divergence. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 6
#define ROUNDS 120

static int lsock;

static void *acceptor(void *arg) {
  (void)arg;
  for (int i = 0; i < 10; i++) {
    int c = accept4(lsock, 0, 0, SOCK_CLOEXEC);
    if (c >= 0)
      close(c);
  }
  return 0;
}

static void *run(void *arg) {
  long id = (long)arg;
  for (int i = 0; i < ROUNDS; i++) {
    int fd = open("/dev/null", O_RDONLY);
    int d = fcntl(fd, F_DUPFD_CLOEXEC, 50 + (int)id);
    int e = dup(fd);
    dup2(fd, 200 + (int)id);
    dup2(fd, 300); /* a shared target: the threads race */
    fcntl(300, F_GETFD);
    int sv[2], p[2];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
    pipe2(p, O_CLOEXEC);
    if (i % 7 == 0)
      close(fd + 1000); /* EBADF */
    fcntl(e, F_SETFD, FD_CLOEXEC);
    fcntl(e, F_GETFD);
    close(sv[0]); close(sv[1]); close(p[0]); close(p[1]);
    if (i % 40 == 0 && id == 0) {
      pid_t c = fork();
      if (c == 0) {
        syscall(SYS_close_range, 3, ~0U, 0);
        execl("/bin/true", "true", (char *)0);
        _exit(1);
      }
      waitpid(c, 0, 0);
    }
    close(e); close(d); close(200 + (int)id); close(fd);
  }
  return 0;
}

int main(void) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
  socklen_t l = sizeof a;
  lsock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (bind(lsock, (void *)&a, sizeof a) || listen(lsock, 64) || getsockname(lsock, (void *)&a, &l))
    return 1;
  pthread_t acc, t[THREADS];
  pthread_create(&acc, 0, acceptor, 0);
  for (long i = 0; i < THREADS; i++)
    pthread_create(&t[i], 0, run, (void *)i);
  for (int i = 0; i < 10; i++) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (void *)&a, sizeof a);
    close(c);
  }
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], 0);
  pthread_join(acc, 0);
  return 0;
}
