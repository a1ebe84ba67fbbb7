/* truncate-up-pwrite: bytes written after a truncate up of an inline file are lost.
 *
 * Minimal sequence: write 30 bytes (inline, in i_block); ftruncate to 85 (past the
 * inline size in use, 60: ext4_setattr converts the file to extents); pwrite 14
 * bytes at offset 64. The page cache holds them; after any sync and a cache
 * eviction the file reads back zeros there.
 *
 * usage: truncate-up-pwrite [DIR]   DIR: a directory on ext4 with inline_data (default .)
 * exit:  1 the bytes did not reach the disk (the bug), 0 they did, 2 setup error.
 * Needs root (it writes /proc/sys/vm/drop_caches).
 * Build: cc -O2 -pthread truncate-up-pwrite.c -o truncate-up-pwrite
 */
#define PROG "truncate-up-pwrite"
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

static size_t read_all(const char *path, unsigned char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : pread(fd, buf, cap, 0);
    if (n < 0)
        setup_error(errno, "read %s", path);
    close(fd);
    return (size_t)n;
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

static void new_file_path(char *path, size_t cap, const char *dir)
{
    snprintf(path, cap, "%s/%s.%d", dir, PROG, (int)getpid());
}

/* What reached the disk: fsync and close the writer, sync, evict the page cache
 * and read the file again from the device. Returns 1 when it differs. */
static int check_disk(int step, const char *path, int fd, const unsigned char *expected, size_t len)
{
    unsigned char buf[8192];
    if (fsync(fd) != 0 || close(fd) != 0)
        setup_error(errno, "fsync/close %s", path);
    sync();
    drop_caches();
    size_t n = read_all(path, buf, sizeof buf);
    int differs = n != len || memcmp(buf, expected, len) != 0;
    printf("%d. fsync, close, drop_caches, read back: file is %s; %s\n", step,
           inline_state(path), differs ? "DIFFERS" : "as written");
    show("expected", expected, len);
    show("disk", buf, n);
    return differs;
}

static void usage_check(int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: %s [DIR]   (DIR on ext4 with inline_data; default .)\n", PROG);
        exit(2);
    }
}

static int verdict(int lost, const char *path, const char *bug, const char *ok)
{
    printf("%s: %s: %s (file %s kept)\n", PROG, lost ? "BUG" : "ok", lost ? bug : ok, path);
    return lost;
}

int main(int argc, char **argv)
{
    usage_check(argc, argv);
    const char *dir = argc > 1 ? argv[1] : ".";
    long bsize = check_dir(dir);
    char path[4096];
    new_file_path(path, sizeof path, dir);
    enum { WRITTEN = 30, SIZE = 85, AT = 64, LEN = 14 };
    unsigned char expected[SIZE], buf[8192];
    memset(expected, 0, sizeof expected);
    memset(expected, 'A', WRITTEN);
    memset(expected + AT, 'B', LEN);

    printf("%s: %s (block size %ld)\n", PROG, path, bsize);
    int fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0644);
    if (fd < 0 || write(fd, expected, WRITTEN) != WRITTEN)
        setup_error(errno, "write %s", path);
    printf("1. open(O_CREAT|O_RDWR), write %d bytes: file is %s\n", WRITTEN, inline_state(path));
    if (ftruncate(fd, SIZE) != 0)
        setup_error(errno, "ftruncate %s", path);
    printf("2. ftruncate %d: file is %s\n", SIZE, inline_state(path));
    if (pwrite(fd, expected + AT, LEN, AT) != LEN)
        setup_error(errno, "pwrite %s", path);
    printf("3. pwrite %d bytes at %d: file is %s\n", LEN, AT, inline_state(path));
    show("cache", buf, read_all(path, buf, sizeof buf));

    int lost = check_disk(4, path, fd, expected, SIZE);
    return verdict(lost, path, "the bytes written after the truncate up did not reach the disk",
                   "the bytes written after the truncate up reached the disk");
}
