/*
 * The real node's pod sandbox process (containerd's sandbox_image), since no image can be
 * pulled here: it holds the pod's namespaces open, reaps zombies when the pod shares its PID
 * namespace, and exits at once on SIGTERM/SIGINT so pods stop without waiting for a SIGKILL.
 * Built with `gcc -static` (tests/cluster/harness/static-binary.ts): the image has nothing else.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig) {
  (void)sig;
  _exit(0);
}

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  signal(SIGTERM, quit);
  signal(SIGINT, quit);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
