/* SPDX-License-Identifier: BSD-3-Clause */
/* killpoint: runs a program (lunmapd) under ptrace and kills it with
 * SIGKILL before or after its k-th change to a watched place (configfs,
 * the state folder), or makes chosen changes fail with EIO: the crash
 * trials of the LIO backend (tests/e2e/lio_qemu.sh), whose steps are
 * syscalls in lunmapd itself, where tgt's trials put a wrapper around
 * tgtadm. No hook in lunmapd: a seccomp filter stops it at the syscalls
 * that can change a file or folder, and the tracer counts those whose
 * path (or file descriptor) is under a watched prefix.
 *
 *   killpoint -a ARM -l LOG -p PIDFILE -w PREFIX [-w PREFIX]... [-v] -- PROGRAM ARG...
 *
 * ARM holds one line "GEN K WHEN FAILS [NAMES]": a new GEN starts the
 * count again; K (0: never) is the change before (WHEN "before") or after
 * ("after") which the program is killed; FAILS ("-" or "3,5") lists the
 * changes that fail with EIO without being made; NAMES ("a,b"), when
 * given, counts only the changes of files so named (the state's
 * "state.journal,state.xml": killed right after a save). Each kill and failure is
 * appended to LOG ("GEN N before|after|fail SYSCALL PATH"), every change
 * too with -v. PIDFILE gets the program's PID. killpoint exits as the
 * program did (128 + the signal that killed it). x86-64 Linux only. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) && defined(__linux__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#define MAX_WATCH 8

static const char *arm_path, *log_path;
static const char *watch[MAX_WATCH];
static size_t nwatch;
static bool verbose;
static unsigned long gen = ~0UL, count;

/* The syscalls that can change a file or a folder. */
static const int changing[] = {
	SYS_mkdir, SYS_mkdirat, SYS_rmdir, SYS_unlink, SYS_unlinkat, SYS_symlink,
	SYS_symlinkat, SYS_rename, SYS_renameat, SYS_renameat2, SYS_link, SYS_linkat,
	SYS_write, SYS_pwrite64, SYS_writev, SYS_pwritev, SYS_pwritev2, SYS_ftruncate,
	SYS_truncate, SYS_fallocate,
};

static const char *name_of(long nr)
{
	switch (nr) {
	case SYS_mkdir: case SYS_mkdirat: return "mkdir";
	case SYS_rmdir: return "rmdir";
	case SYS_unlink: case SYS_unlinkat: return "unlink";
	case SYS_symlink: case SYS_symlinkat: return "symlink";
	case SYS_rename: case SYS_renameat: case SYS_renameat2: return "rename";
	case SYS_link: case SYS_linkat: return "link";
	case SYS_ftruncate: case SYS_truncate: return "truncate";
	case SYS_fallocate: return "fallocate";
	default: return "write";
	}
}

static int install_filter(void)
{
	struct sock_filter f[4 + 2 * (sizeof changing / sizeof changing[0]) + 1];
	size_t n = 0, k = sizeof changing / sizeof changing[0];

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < k; i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)changing[i], 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = (unsigned short)n, .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* A NUL-terminated string of the tracee's memory. */
static bool peek_string(pid_t pid, unsigned long addr, char *out, size_t len)
{
	struct iovec local = { out, len - 1 }, remote = { (void *)addr, len - 1 };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n <= 0) {
		/* the string may end near the end of a page: one byte at a time */
		size_t i;
		for (i = 0; i < len - 1; i++) {
			errno = 0;
			long w = ptrace(PTRACE_PEEKDATA, pid, (void *)(addr + i), NULL);
			if (errno)
				return false;
			out[i] = (char)(w & 0xff);
			if (!out[i])
				return true;
		}
		out[i] = '\0';
		return true;
	}
	out[n] = '\0';
	return memchr(out, '\0', (size_t)n + 1) != NULL;
}

static bool fd_path(pid_t pid, long fd, char *out, size_t len)
{
	char link[64];
	ssize_t n;

	if (fd == AT_FDCWD)
		snprintf(link, sizeof link, "/proc/%d/cwd", pid);
	else
		snprintf(link, sizeof link, "/proc/%d/fd/%ld", pid, fd);
	n = readlink(link, out, len - 1);
	if (n <= 0)
		return false;
	out[n] = '\0';
	return true;
}

/* The path a (dirfd, path) pair names, made absolute. */
static bool at_path(pid_t pid, long dirfd, unsigned long addr, char *out, size_t len)
{
	char rel[PATH_MAX], dir[PATH_MAX];

	if (!peek_string(pid, addr, rel, sizeof rel))
		return false;
	if (rel[0] == '/') {
		if (strlen(rel) >= len)
			return false;
		memcpy(out, rel, strlen(rel) + 1);
		return true;
	}
	if (!fd_path(pid, dirfd, dir, sizeof dir))
		return false;
	size_t a = strlen(dir), b = strlen(rel);
	if (a + b + 2 > len)
		return false;
	memcpy(out, dir, a);
	out[a] = '/';
	memcpy(out + a + 1, rel, b + 1);
	return true;
}

static bool watched(const char *path)
{
	for (size_t i = 0; i < nwatch; i++) {
		size_t n = strlen(watch[i]);
		if (strncmp(path, watch[i], n) == 0 && (path[n] == '/' || path[n] == '\0'))
			return true;
	}
	return false;
}

/* Whether the syscall at this stop changes a watched place; its path. */
static bool is_change(pid_t pid, const struct user_regs_struct *r, char *path, size_t len)
{
	char other[PATH_MAX];

	switch ((long)r->orig_rax) {
	case SYS_mkdir: case SYS_rmdir: case SYS_unlink: case SYS_truncate:
		return at_path(pid, AT_FDCWD, r->rdi, path, len) && watched(path);
	case SYS_mkdirat: case SYS_unlinkat:
		return at_path(pid, (long)(int)r->rdi, r->rsi, path, len) && watched(path);
	case SYS_symlink: case SYS_link:
		return at_path(pid, AT_FDCWD, r->rsi, path, len) && watched(path);
	case SYS_symlinkat:
		return at_path(pid, (long)(int)r->rsi, r->rdx, path, len) && watched(path);
	case SYS_linkat:
		return at_path(pid, (long)(int)r->rdx, r->r10, path, len) && watched(path);
	case SYS_rename:
		return (at_path(pid, AT_FDCWD, r->rsi, path, len) && watched(path)) ||
		       (at_path(pid, AT_FDCWD, r->rdi, other, sizeof other) && watched(other) &&
			snprintf(path, len, "%s", other) >= 0);
	case SYS_renameat: case SYS_renameat2:
		return (at_path(pid, (long)(int)r->rdx, r->r10, path, len) && watched(path)) ||
		       (at_path(pid, (long)(int)r->rdi, r->rsi, other, sizeof other) && watched(other) &&
			snprintf(path, len, "%s", other) >= 0);
	default: /* write and the like: the file behind the descriptor */
		return fd_path(pid, (long)(int)r->rdi, path, len) && watched(path);
	}
}

struct arm {
	unsigned long gen, k;
	char when[16], fails[256], names[256];
};

static bool read_arm(struct arm *a)
{
	FILE *f = fopen(arm_path, "r");
	bool ok;

	memset(a, 0, sizeof *a);
	if (!f)
		return false;
	ok = fscanf(f, "%lu %lu %15s %255s %255s", &a->gen, &a->k, a->when, a->fails, a->names) >= 3;
	fclose(f);
	return ok;
}

static bool in_list(const char *list, unsigned long n)
{
	char *end;

	for (const char *p = list; *p;) {
		unsigned long v = strtoul(p, &end, 10);
		if (end == p)
			return false;
		if (v == n)
			return true;
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return false;
	}
	return false;
}

/* Whether the path's last component is one of the comma-separated
 * names (none given: every path counts). */
static bool named(const char *names, const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t n = strlen(base);

	if (!*names)
		return true;
	for (const char *p = names; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] ? 1 : 0))
		if (strcspn(p, ",") == n && strncmp(p, base, n) == 0)
			return true;
	return false;
}

static void note(const char *what, long nr, const char *path)
{
	FILE *f = fopen(log_path, "a");

	if (!f)
		return;
	fprintf(f, "%lu %lu %s %s %s\n", gen, count, what, name_of(nr), path);
	fclose(f);
}

enum { GO, KILL_NOW, KILL_AT_EXIT, FAIL };

static int decide(pid_t pid, const struct user_regs_struct *r)
{
	char path[PATH_MAX];
	struct arm a;

	if (!is_change(pid, r, path, sizeof path))
		return GO;
	if (!read_arm(&a))
		a.gen = gen, a.k = 0;
	if (a.gen != gen) {
		gen = a.gen;
		count = 0;
	}
	if (!named(a.names, path))
		return GO;
	count++;
	if (verbose)
		note("change", (long)r->orig_rax, path);
	if (in_list(a.fails, count)) {
		note("fail", (long)r->orig_rax, path);
		return FAIL;
	}
	if (a.k && count == a.k) {
		bool after = strcmp(a.when, "after") == 0;
		note(after ? "after" : "before", (long)r->orig_rax, path);
		return after ? KILL_AT_EXIT : KILL_NOW;
	}
	return GO;
}

static int trace(pid_t child)
{
	pid_t pending = 0;

	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (pid == child)
				return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		int sig = WSTOPSIG(status), event = status >> 16, inject = 0;
		if (event == PTRACE_EVENT_SECCOMP) {
			struct user_regs_struct r;
			if (ptrace(PTRACE_GETREGS, pid, NULL, &r) != 0) {
				ptrace(PTRACE_CONT, pid, NULL, NULL);
				continue;
			}
			switch (decide(pid, &r)) {
			case KILL_NOW:
				kill(child, SIGKILL);
				continue;
			case KILL_AT_EXIT:
				pending = pid;
				ptrace(PTRACE_SYSCALL, pid, NULL, NULL);
				continue;
			case FAIL:
				r.orig_rax = (unsigned long long)-1; /* not made */
				r.rax = (unsigned long long)-EIO;
				ptrace(PTRACE_SETREGS, pid, NULL, &r);
				break;
			default:
				break;
			}
		} else if (sig == (SIGTRAP | 0x80)) {
			if (pid == pending) {
				kill(child, SIGKILL);
				continue;
			}
		} else if (event == 0 && sig != SIGTRAP && sig != SIGSTOP) {
			inject = sig; /* a signal for the program: deliver it */
		}
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)inject);
	}
}

int main(int argc, char **argv)
{
	const char *pidfile = NULL;
	int opt;
	pid_t child;

	while ((opt = getopt(argc, argv, "+a:l:p:w:v")) != -1) {
		switch (opt) {
		case 'a': arm_path = optarg; break;
		case 'l': log_path = optarg; break;
		case 'p': pidfile = optarg; break;
		case 'w':
			if (nwatch < MAX_WATCH)
				watch[nwatch++] = optarg;
			break;
		case 'v': verbose = true; break;
		default: goto usage;
		}
	}
	if (!arm_path || !log_path || !nwatch || optind >= argc)
		goto usage;
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0 || raise(SIGSTOP) != 0 ||
		    install_filter() != 0) {
			perror("killpoint");
			_exit(127);
		}
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		_exit(127);
	}
	if (waitpid(child, NULL, __WALL) != child ||
	    ptrace(PTRACE_SETOPTIONS, child, NULL,
		   (void *)(long)(PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD |
				  PTRACE_O_TRACEEXEC | PTRACE_O_TRACEFORK | PTRACE_O_TRACECLONE |
				  PTRACE_O_TRACEVFORK)) != 0) {
		perror("killpoint: ptrace");
		kill(child, SIGKILL);
		return 1;
	}
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");
		if (f) {
			fprintf(f, "%d\n", child);
			fclose(f);
		}
	}
	ptrace(PTRACE_CONT, child, NULL, NULL);
	return trace(child);
usage:
	fprintf(stderr, "usage: killpoint -a ARM -l LOG -p PIDFILE -w PREFIX... [-v] -- PROGRAM ARG...\n");
	return 2;
}
#else
int main(void)
{
	fprintf(stderr, "killpoint: x86-64 Linux only\n");
	return 77;
}
#endif
