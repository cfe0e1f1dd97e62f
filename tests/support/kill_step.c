/* A test-only LD_PRELOAD library that kills its process with SIGKILL just before the Nth step
 * that changes files under one folder: the real kill at every step that writes, without a hook
 * in Hearth itself.
 *
 *   HEARTH_KILL_DIR=/abs/folder   count only steps on paths under it (required)
 *   HEARTH_KILL_MATCH=a,b         and, if set, only paths containing one of these substrings
 *   HEARTH_KILL_AT=N              SIGKILL before the Nth counted step (0 or unset: never)
 *   HEARTH_KILL_LOG=/abs/file     append "N op path" for every counted step (to enumerate them)
 *
 * Steps: opening for writing (open, openat, creat, fopen), write and pwrite to such a file,
 * fsync, fdatasync, ftruncate, rename, unlink, remove, mkdir, rmdir, symlink, link. Calls made
 * inside libc itself (stdio's writes) are not seen; every call Hearth, libstdc++ and LibTorch
 * make into libc is. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_long steps;

static const char* env(const char* name) {
  const char* v = getenv(name);
  return v && *v ? v : NULL;
}

/* `path` from the working folder (an absolute one as it is); no link resolved: the folder under
 * test is given as the tests name it. */
static const char* absolute(const char* path, char* out, size_t size) {
  if (path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
  snprintf(out, size, "%s/%s", cwd, path);
  return out;
}

/* Whether absolute `abs` lies under HEARTH_KILL_DIR (and matches HEARTH_KILL_MATCH). A path
 * outside is judged without any call a sanitizer intercepts: ASan makes its log_path folder
 * through mkdir while it starts, when its interceptors (snprintf, strncmp) cannot run yet. */
static int watched(const char* abs) {
  const char* dir = env("HEARTH_KILL_DIR");
  if (!dir) return 0;
  const char* p = abs;
  while (*dir && *dir == *p) ++dir, ++p;
  if (*dir) return 0;
  const char* match = env("HEARTH_KILL_MATCH");
  if (!match) return 1;
  char list[1024];
  snprintf(list, sizeof list, "%s", match);
  for (char* save = NULL, *m = strtok_r(list, ",", &save); m; m = strtok_r(NULL, ",", &save))
    if (strstr(abs, m)) return 1;
  return 0;
}

static void step(const char* op, const char* path) {
  if (!path) return;
  char buffer[PATH_MAX + 256];
  const char* abs = absolute(path, buffer, sizeof buffer);
  if (!watched(abs)) return;
  const long n = atomic_fetch_add(&steps, 1) + 1;
  const char* log = env("HEARTH_KILL_LOG");
  if (log) {
    FILE* f = fopen(log, "a");
    if (f) {
      fprintf(f, "%ld %s %s\n", n, op, abs);
      fclose(f);
    }
  }
  const char* at = env("HEARTH_KILL_AT");
  if (at && atol(at) == n) kill(getpid(), SIGKILL);
}

static void step_fd(const char* op, int fd) {
  char link[64], path[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t len = readlink(link, path, sizeof path - 1);
  if (len <= 0) return;
  path[len] = 0;
  step(op, path);
}

static void step_at(const char* op, int dirfd, const char* path) {
  if (path[0] == '/' || dirfd == AT_FDCWD) {
    step(op, path);
    return;
  }
  char link[64], dir[PATH_MAX], full[PATH_MAX * 2];
  snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
  const ssize_t len = readlink(link, dir, sizeof dir - 1);
  if (len <= 0) return;
  dir[len] = 0;
  snprintf(full, sizeof full, "%s/%s", dir, path);
  step(op, full);
}

#define REAL(name) \
  static __typeof__(&name) real_##name; \
  if (!real_##name) real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)
#define WRITES(flags) (((flags) & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0)

int open(const char* path, int flags, ...) {
  REAL(open);
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
  va_end(ap);
  if (WRITES(flags)) step("open", path);
  return real_open(path, flags, mode);
}

int open64(const char* path, int flags, ...) {
  REAL(open64);
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
  va_end(ap);
  if (WRITES(flags)) step("open", path);
  return real_open64(path, flags, mode);
}

int openat(int dirfd, const char* path, int flags, ...) {
  REAL(openat);
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
  va_end(ap);
  if (WRITES(flags)) step_at("open", dirfd, path);
  return real_openat(dirfd, path, flags, mode);
}

int creat(const char* path, mode_t mode) {
  REAL(creat);
  step("open", path);
  return real_creat(path, mode);
}

static int writes_mode(const char* mode) { return strpbrk(mode, "wa+") != NULL; }

FILE* fopen(const char* path, const char* mode) {
  REAL(fopen);
  if (writes_mode(mode)) step("fopen", path);
  return real_fopen(path, mode);
}

FILE* fopen64(const char* path, const char* mode) {
  REAL(fopen64);
  if (writes_mode(mode)) step("fopen", path);
  return real_fopen64(path, mode);
}

ssize_t write(int fd, const void* data, size_t size) {
  REAL(write);
  if (fd > 2) step_fd("write", fd);
  return real_write(fd, data, size);
}

ssize_t pwrite(int fd, const void* data, size_t size, off_t at) {
  REAL(pwrite);
  step_fd("write", fd);
  return real_pwrite(fd, data, size, at);
}

int fsync(int fd) {
  REAL(fsync);
  step_fd("fsync", fd);
  return real_fsync(fd);
}

int fdatasync(int fd) {
  REAL(fdatasync);
  step_fd("fsync", fd);
  return real_fdatasync(fd);
}

int ftruncate(int fd, off_t size) {
  REAL(ftruncate);
  step_fd("truncate", fd);
  return real_ftruncate(fd, size);
}

int rename(const char* from, const char* to) {
  REAL(rename);
  step("rename", to);
  return real_rename(from, to);
}

int renameat(int fromfd, const char* from, int tofd, const char* to) {
  REAL(renameat);
  step_at("rename", tofd, to);
  return real_renameat(fromfd, from, tofd, to);
}

int unlink(const char* path) {
  REAL(unlink);
  step("unlink", path);
  return real_unlink(path);
}

int unlinkat(int dirfd, const char* path, int flags) {
  REAL(unlinkat);
  step_at("unlink", dirfd, path);
  return real_unlinkat(dirfd, path, flags);
}

int remove(const char* path) {
  REAL(remove);
  step("unlink", path);
  return real_remove(path);
}

int mkdir(const char* path, mode_t mode) {
  REAL(mkdir);
  step("mkdir", path);
  return real_mkdir(path, mode);
}

int rmdir(const char* path) {
  REAL(rmdir);
  step("rmdir", path);
  return real_rmdir(path);
}

int symlink(const char* target, const char* path) {
  REAL(symlink);
  step("symlink", path);
  return real_symlink(target, path);
}

int link(const char* from, const char* to) {
  REAL(link);
  step("link", to);
  return real_link(from, to);
}
