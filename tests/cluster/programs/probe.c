/*
 * The real node's test container (tests/cluster/real-node.test.ts): reports what the container
 * actually got — user, writable volumes, the memory-backed /dev/shm and its size, a read-only
 * root, no new privileges, seccomp, no capabilities — as its termination message, then exits
 * with the code given as its argument. Static (`gcc -static`), so the image holds only this file.
 *
 * usage: probe EXIT_CODE DIR...   (each DIR is checked for being writable)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#define TMPFS_MAGIC 0x01021994

static const char *writable(const char *dir) {
  char path[512];
  snprintf(path, sizeof path, "%s/probe-%d", dir, (int)getpid());
  int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
  if (fd < 0) return strerror(errno);
  int ok = write(fd, "x", 1) == 1;
  close(fd);
  unlink(path);
  return ok ? "ok" : "short-write";
}

/* The value of one "Name:\tvalue" line of /proc/self/status. */
static void status_field(const char *name, char *out, size_t size) {
  snprintf(out, size, "?");
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return;
  char line[256];
  size_t len = strlen(name);
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, name, len) == 0 && line[len] == ':') {
      char *value = line + len + 1;
      while (*value == '\t' || *value == ' ') value++;
      value[strcspn(value, "\n")] = 0;
      snprintf(out, size, "%s", value);
      break;
    }
  }
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: probe EXIT_CODE DIR...\n");
    return 2;
  }
  int code = atoi(argv[1]);

  char dirs[256] = "";
  for (int i = 2; i < argc; i++) {
    size_t used = strlen(dirs);
    snprintf(dirs + used, sizeof dirs - used, "%s%s:%s", i > 2 ? "," : "", argv[i], writable(argv[i]));
  }

  char shm[64] = "missing";
  struct statfs fs;
  if (statfs("/dev/shm", &fs) == 0) {
    unsigned long long mib = (unsigned long long)fs.f_blocks * fs.f_bsize / (1024 * 1024);
    snprintf(shm, sizeof shm, "%s:%lluMi", fs.f_type == TMPFS_MAGIC ? "tmpfs" : "other", mib);
  }
  const char *root = "writable";
  int fd = open("/probe-root", O_CREAT | O_WRONLY, 0600);
  if (fd >= 0) {
    close(fd);
    unlink("/probe-root");
  } else {
    root = errno == EROFS ? "read-only" : strerror(errno);
  }
  char nnp[32], seccomp[32], capeff[32];
  status_field("NoNewPrivs", nnp, sizeof nnp);
  status_field("Seccomp", seccomp, sizeof seccomp);
  status_field("CapEff", capeff, sizeof capeff);

  char message[512];
  snprintf(message, sizeof message,
           "uid=%d gid=%d dirs=%s shm=%s shm-write=%s root=%s no-new-privs=%s seccomp=%s cap-eff=%s exit=%d",
           (int)getuid(), (int)getgid(), dirs, shm, writable("/dev/shm"), root, nnp, seccomp,
           capeff, code);
  puts(message);
  FILE *log = fopen("/dev/termination-log", "w");
  if (log) {
    fputs(message, log);
    fclose(log);
  }
  return code;
}
