/* The program of issue 14's "done when": it leaks two descriptors into a
 * dozen execs, reads one after closing it and closes it twice.
 * crates/fdkit-cli/tests/audit_srcloc.rs compiles it with gcc -g and expects
 * `fdkit audit -- ./prog` to name the lines marked below. */
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int log = open("prog.log", O_WRONLY | O_CREAT | O_TRUNC, 0644); /* @open-log */
    int data = open("/dev/null", O_RDONLY); /* @open-data */
    for (int i = 0; i < 12; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            execl("/bin/true", "true", (char *)0); /* @exec */
            _exit(127);
        }
        if (pid > 0)
            waitpid(pid, NULL, 0);
    }
    close(data); /* @close */
    char c;
    if (read(data, &c, 1) < 0) /* @use */
        c = 0;
    close(data); /* @double-close */
    close(log);
    return c;
}
