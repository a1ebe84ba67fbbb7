/* mkwrite-race: a write fault converting an inline file (ext4_page_mkwrite, without
 * the inode lock) races buffered writes while block allocation fails. This can
 * crash the kernel that runs it: it refuses to run unless the kernel command line
 * carries e4inline.vm=1, the marker of an e4inline-vm guest.
 *
 * Shape A: per pair of threads, a 10-byte inline file; one thread loops open,
 * mmap(MAP_SHARED), store 8 bytes, munmap (a SIGBUS when the conversion cannot
 * allocate a block is expected); the other loops a 32-byte pwrite, pwritev or
 * sendfile at offset 0. Every byte read back must come from one of the writers;
 * a zero byte is lost data. The failing allocation is made before boot:
 *   e4inline-vm --craft bitmap-full --add mkwrite-race -- mkwrite-race /mnt
 *
 * usage: mkwrite-race [-d SECONDS] [-t THREADS] [DIR]   (default 60 s, 4 threads, .)
 * exit:  1 data loss or a BUG/WARNING in the kernel log, 0 neither, 2 setup error
 *        or refused (not in the guest).
 * Build: cc -O2 -pthread mkwrite-race.c -o mkwrite-race
 */
#define PROG "mkwrite-race"
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

/* The helpers from here to main() are the same in every reproducer of
 * contrib/reproducers: each file stands alone, to be compiled and sent by itself. */
#define EXT4_SUPER_MAGIC 0xEF53
#define EXT4_INLINE_DATA_FL 0x10000000        /* the inode flag FS_IOC_GETFLAGS shows */
#define GETFLAGS _IOR('f', 1, long)           /* FS_IOC_GETFLAGS */

/* Exit 2 with one line; err is an errno value or 0. */
static void setup_error(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", PROG);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (err)
        fprintf(stderr, ": %s", strerror(err));
    fputc('\n', stderr);
    exit(2);
}

/* The bytes as runs: 'A' x3, 'B' x1, 0x00 x6. */
static void show(const char *what, const unsigned char *buf, size_t n)
{
    printf("   %-9s %4zu bytes:", what, n);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i; j < n && buf[j] == buf[i]; j++)
            ;
        if (buf[i] > 0x20 && buf[i] < 0x7f)
            printf("%s '%c' x%zu", i ? "," : "", buf[i], j - i);
        else
            printf("%s 0x%02x x%zu", i ? "," : "", buf[i], j - i);
    }
    putchar('\n');
}

static const char *inline_state(const char *path)
{
    int fd = open(path, O_RDONLY), flags = 0;
    if (fd < 0 || ioctl(fd, GETFLAGS, &flags) != 0)
        setup_error(errno, "FS_IOC_GETFLAGS %s", path);
    close(fd);
    return flags & EXT4_INLINE_DATA_FL ? "inline" : "not inline";
}

static void drop_caches(void)
{
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (fd < 0 || write(fd, "3\n", 2) != 2)
        setup_error(errno, "cannot evict the page cache through /proc/sys/vm/drop_caches (run as root)");
    close(fd);
}

/* DIR must be on ext4, and we must be able to evict the page cache. Returns the
 * filesystem's block size. */
static long check_dir(const char *dir)
{
    struct statfs st;
    if (statfs(dir, &st) != 0)
        setup_error(errno, "%s", dir);
    if (st.f_type != EXT4_SUPER_MAGIC)
        setup_error(0, "%s is not on an ext4 filesystem", dir);
    if (access("/proc/sys/vm/drop_caches", W_OK) != 0)
        setup_error(errno, "cannot evict the page cache through /proc/sys/vm/drop_caches (run as root)");
    return (long)st.f_bsize;
}

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <time.h>

/* Who may have put a byte there: the initial content (offsets 0..9), the mapping
 * (0..7), pwrite, pwritev, sendfile (0..31). */
#define INITIAL 'i'
#define MAPPED 'm'
static const char writer_byte[3] = {'p', 'v', 's'};
#define WRITE_LEN 32

static int byte_possible(size_t off, unsigned char c)
{
    return (off < 10 && c == INITIAL) || (off < 8 && c == MAPPED) ||
           (off < WRITE_LEN && (c == 'p' || c == 'v' || c == 's'));
}

static atomic_int stop;
static atomic_long stores, store_faults, writes, write_errors, checks, recreated, lost;
static int memfd = -1; /* 32 's' bytes: the sendfile source */

struct pair {
    char path[4096];
};

/* Progress goes to stdout and, since a BUG ends the guest before its stdout is
 * saved, to the kernel log too (the guest's console keeps it). */
static int kmsg_out = -1;
static void progress(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    printf("%s\n", line);
    fflush(stdout);
    if (kmsg_out >= 0) {
        /* One write(2) per record: /dev/kmsg refuses dprintf's (EINVAL). */
        char rec[600];
        int n = snprintf(rec, sizeof rec, "%s: %s\n", PROG, line);
        if (write(kmsg_out, rec, (size_t)n) < 0)
            kmsg_out = -1;
    }
}

static __thread sigjmp_buf bus_jump;
static __thread volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
    if (bus_armed) {
        bus_armed = 0;
        siglongjmp(bus_jump, 1);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* A new inode with 10 bytes: inline even when no block is free. Returns 0 or an
 * errno value. */
static int make_file(const char *path)
{
    unsigned char init[10];
    memset(init, INITIAL, sizeof init);
    unlink(path);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644), err = 0;
    if (fd < 0 || write(fd, init, sizeof init) != (ssize_t)sizeof init)
        err = errno;
    if (fd >= 0)
        close(fd);
    return err;
}

/* Every byte from a writer that could have put it there; reports the first that is not. */
static int check_bytes(const char *where, const char *path, const unsigned char *buf, ssize_t n)
{
    if (n < 10 || n > WRITE_LEN) {
        progress("   %s: %s: size %zd, expected 10 to %d", where, path, n, WRITE_LEN);
        return 1;
    }
    for (ssize_t i = 0; i < n; i++)
        if (!byte_possible((size_t)i, buf[i])) {
            progress("   %s: %s: byte 0x%02x at offset %zd, which no writer wrote", where, path, buf[i], i);
            show(where, buf, (size_t)n);
            return 1;
        }
    return 0;
}

/* The store that makes the write fault (ext4_page_mkwrite). It sits in a
 * function of its own so that nothing live across sigsetjmp is in the caller's
 * registers when a SIGBUS jumps back here. */
static void store_once(char *map)
{
    if (sigsetjmp(bus_jump, 1) == 0) {
        bus_armed = 1;
        *(volatile unsigned long long *)map = 0x6d6d6d6d6d6d6d6dULL; /* "mmmmmmmm" */
        bus_armed = 0;
        atomic_fetch_add(&stores, 1);
    } else {
        atomic_fetch_add(&store_faults, 1);
    }
}

static void *mapper(void *arg)
{
    struct pair *p = arg;
    while (!atomic_load(&stop)) {
        int fd = open(p->path, O_RDWR);
        if (fd < 0)
            continue;
        char *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map != MAP_FAILED) {
            store_once(map);
            munmap(map, 4096);
        }
        close(fd);
    }
    return NULL;
}

static void *writer(void *arg)
{
    struct pair *p = arg;
    unsigned char buf[WRITE_LEN], back[4096];
    for (unsigned op = 0; !atomic_load(&stop); op++) {
        int kind = op % 3;
        memset(buf, writer_byte[kind], sizeof buf);
        int fd = open(p->path, O_RDWR);
        if (fd < 0)
            continue;
        ssize_t n;
        if (kind == 0) {
            n = pwrite(fd, buf, sizeof buf, 0);
        } else if (kind == 1) {
            struct iovec iov[2] = {{buf, 16}, {buf + 16, 16}};
            n = pwritev(fd, iov, 2, 0);
        } else {
            off_t from = 0;
            n = sendfile(fd, memfd, &from, WRITE_LEN);
        }
        atomic_fetch_add(n == WRITE_LEN ? &writes : &write_errors, 1);
        n = pread(fd, back, sizeof back, 0);
        close(fd);
        atomic_fetch_add(&checks, 1);
        if (n >= 0 && check_bytes("page cache", p->path, back, n))
            atomic_fetch_add(&lost, 1);
        /* Every 64 writes a new inline file: once a conversion succeeds the race is over. */
        if (op % 64 == 63) {
            int err = make_file(p->path);
            if (err) {
                /* Seen when the journal aborts: the filesystem went read-only. */
                progress("   %s: cannot create it again: %s; this pair stops", p->path, strerror(err));
                atomic_fetch_add(&lost, 1);
                return NULL;
            }
            atomic_fetch_add(&recreated, 1);
        }
    }
    return NULL;
}

/* BUG, WARNING, Oops, EXT4-fs error lines logged since `kmsg` was opened. */
static int kernel_log_findings(int kmsg)
{
    char rec[8192];
    int found = 0;
    for (;;) {
        ssize_t n = read(kmsg, rec, sizeof rec - 1);
        if (n < 0 && errno == EPIPE)
            continue; /* records overwritten while we were not reading */
        if (n <= 0)
            break;
        rec[n] = 0;
        char *msg = strchr(rec, ';');
        msg = msg ? msg + 1 : rec;
        msg[strcspn(msg, "\n")] = 0;
        if (strstr(msg, "BUG") || strstr(msg, "WARNING") || strstr(msg, "Oops") ||
            strstr(msg, "EXT4-fs error")) {
            printf("   kernel log: %s\n", msg);
            found++;
        }
    }
    return found;
}

static int in_guest(void)
{
    char line[8192];
    FILE *f = fopen("/proc/cmdline", "r");
    if (!f)
        return 0;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    for (char *w = strtok(line, " \n"); w; w = strtok(NULL, " \n"))
        if (strcmp(w, "e4inline.vm=1") == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    long seconds = 60, threads = 4;
    int opt;
    while ((opt = getopt(argc, argv, "d:t:h")) != -1) {
        char *end = NULL;
        if (opt == 'd')
            seconds = strtol(optarg, &end, 10);
        else if (opt == 't')
            threads = strtol(optarg, &end, 10);
        if (opt == 'h' || opt == '?' || !end || *end || seconds < 1 || threads < 2 || threads > 64) {
            fprintf(stderr, "usage: %s [-d SECONDS] [-t THREADS (2..64, even)] [DIR]\n", PROG);
            return 2;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "usage: %s [-d SECONDS] [-t THREADS (2..64, even)] [DIR]\n", PROG);
        return 2;
    }
    const char *dir = optind < argc ? argv[optind] : ".";
    if (!in_guest())
        setup_error(0, "refusing to run: this race can crash the kernel, and /proc/cmdline has no "
                       "e4inline.vm=1 (run it in a guest: e4inline-vm --craft bitmap-full "
                       "--add %s -- %s /mnt)", PROG, PROG);
    long bsize = check_dir(dir);
    int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    if (kmsg < 0 || lseek(kmsg, 0, SEEK_END) < 0)
        setup_error(errno, "/dev/kmsg");
    kmsg_out = open("/dev/kmsg", O_WRONLY);
    memfd = memfd_create("mkwrite-race-source", 0);
    unsigned char src[WRITE_LEN];
    memset(src, 's', sizeof src);
    if (memfd < 0 || write(memfd, src, sizeof src) != (ssize_t)sizeof src)
        setup_error(errno, "memfd_create");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigbus;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGBUS, &sa, NULL);

    long npairs = threads / 2;
    struct pair pairs[32];
    pthread_t tids[64];
    printf("%s: %s (block size %ld), %ld threads (%ld pairs), %ld s\n", PROG, dir, bsize,
           npairs * 2, npairs, seconds);
    for (long i = 0; i < npairs; i++) {
        snprintf(pairs[i].path, sizeof pairs[i].path, "%s/%s.%d.%ld", dir, PROG, (int)getpid(), i);
        int err = make_file(pairs[i].path);
        if (err)
            setup_error(err, "write %s", pairs[i].path);
    }
    progress("1. %ld files of 10 bytes: the first is %s; racing for %ld s", npairs,
             inline_state(pairs[0].path), seconds);
    for (long i = 0; i < npairs; i++) {
        pthread_create(&tids[2 * i], NULL, mapper, &pairs[i]);
        pthread_create(&tids[2 * i + 1], NULL, writer, &pairs[i]);
    }
    for (long t = 0; t < seconds; t++) {
        sleep(1);
        if ((t + 1) % 10 == 0 || t + 1 == seconds) {
            progress("   %3lds: stores %ld (SIGBUS %ld), writes %ld (failed %ld), read-backs %ld, lost %ld",
                     t + 1, atomic_load(&stores), atomic_load(&store_faults), atomic_load(&writes),
                     atomic_load(&write_errors), atomic_load(&checks), atomic_load(&lost));
        }
    }
    atomic_store(&stop, 1);
    for (long i = 0; i < 2 * npairs; i++)
        pthread_join(tids[i], NULL);
    printf("2. raced for %ld s: %ld stores through the mapping, %ld of them SIGBUS%s; %ld writes, "
           "%ld failed; %ld files recreated; %ld read-backs found lost bytes\n",
           seconds, atomic_load(&stores), atomic_load(&store_faults),
           atomic_load(&store_faults) ? "" : " (allocation never failed: was the image crafted?)",
           atomic_load(&writes), atomic_load(&write_errors), atomic_load(&recreated), atomic_load(&lost));

    sync();
    drop_caches();
    int disk_lost = 0;
    for (long i = 0; i < npairs; i++) {
        unsigned char buf[8192];
        int fd = open(pairs[i].path, O_RDONLY);
        ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof buf, 0);
        if (n < 0) {
            printf("   disk: %s: cannot read it back: %s\n", pairs[i].path, strerror(errno));
            disk_lost++;
        } else {
            disk_lost += check_bytes("disk", pairs[i].path, buf, n);
        }
        if (fd >= 0)
            close(fd);
    }
    printf("3. sync, drop_caches, read back %ld files: %d missing or with bytes no writer wrote\n", npairs, disk_lost);
    int findings = kernel_log_findings(kmsg);
    printf("4. kernel log since the start: %d BUG/WARNING/Oops/EXT4-fs error lines\n", findings);
    int bug = atomic_load(&lost) > 0 || disk_lost > 0 || findings > 0;
    printf("%s: %s\n", PROG, bug ? "BUG: data loss or a kernel BUG/WARNING (see above)"
                                 : "ok: no lost byte and nothing in the kernel log");
    return bug;
}
