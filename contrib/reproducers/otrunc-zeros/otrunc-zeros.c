/* otrunc-zeros: the bytes written after truncating a just-converted file read back
 * as zeros, and zeros reach the disk.
 *
 * Minimal sequence (1 KiB or 2 KiB blocks, delalloc, the defaults of a small
 * filesystem): write 100 bytes (inline), write 100 more (past the 128-byte
 * capacity: converted, the blocks still delayed), truncate to 0 (ftruncate, or
 * a reopen with O_TRUNC), write 28 bytes, then read more than one block from
 * another descriptor: the read returns 28 zero bytes, and zeros reach the disk.
 *
 * usage: otrunc-zeros [DIR]   DIR: a directory on ext4 with inline_data (default .)
 * exit:  1 the bytes were lost (the bug), 0 they were not, 2 setup error.
 * Needs root (it writes /proc/sys/vm/drop_caches).
 * Build: cc -O2 -pthread otrunc-zeros.c -o otrunc-zeros
 */
#define PROG "otrunc-zeros"
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
    unsigned char first[100], second[100], last[28], buf[8192];
    memset(first, 'a', sizeof first);
    memset(second, 'b', sizeof second);
    memset(last, 'y', sizeof last);

    printf("%s: %s (block size %ld%s)\n", PROG, path, bsize,
           bsize >= 4096 ? "; the loss needs blocks smaller than a page, expect ok" : "");
    int fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0644);
    if (fd < 0 || write(fd, first, sizeof first) != (ssize_t)sizeof first)
        setup_error(errno, "write %s", path);
    printf("1. open(O_CREAT|O_RDWR), write %zu bytes: file is %s\n", sizeof first, inline_state(path));
    if (write(fd, second, sizeof second) != (ssize_t)sizeof second)
        setup_error(errno, "write %s", path);
    printf("2. write %zu more (size %zu, past the inline capacity): file is %s\n", sizeof second,
           sizeof first + sizeof second, inline_state(path));
    if (ftruncate(fd, 0) != 0 || pwrite(fd, last, sizeof last, 0) != (ssize_t)sizeof last)
        setup_error(errno, "ftruncate/pwrite %s", path);
    /* No FS_IOC_GETFLAGS here: its close would be the first close since the
     * truncate to 0 and flush the delayed page (ext4_release_file,
     * EXT4_STATE_DA_ALLOC_CLOSE), which hides the loss. */
    printf("3. ftruncate 0, pwrite %zu bytes at 0\n", sizeof last);

    /* A read of the whole page, not only the block the write made up to date. */
    int rd = open(path, O_RDONLY);
    ssize_t n = rd < 0 ? -1 : read(rd, buf, 4096);
    if (n < 0)
        setup_error(errno, "read %s", path);
    close(rd);
    int read_wrong = n != (ssize_t)sizeof last || memcmp(buf, last, sizeof last) != 0;
    printf("4. read(4096) from a second descriptor while the writer is open: %s; file is %s\n",
           read_wrong ? "DIFFERS" : "as written", inline_state(path));
    show("expected", last, sizeof last);
    show("read", buf, (size_t)n);

    int disk_wrong = check_disk(5, path, fd, last, sizeof last);
    return verdict(read_wrong || disk_wrong, path, "the bytes written after the truncate were lost",
                   "the bytes written after the truncate were kept");
}
