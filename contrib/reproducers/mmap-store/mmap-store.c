/* mmap-store: a store through a shared mapping into an inline file is lost.
 *
 * Minimal sequence: write 10 bytes (the file is inline); mmap MAP_SHARED, store
 * one byte, munmap. The write fault converts the file to extents
 * (ext4_page_mkwrite -> ext4_convert_inline_data); the page cache holds the store,
 * but after any sync and a cache eviction the file reads back without it.
 *
 * usage: mmap-store [DIR]     DIR: a directory on ext4 with inline_data (default .)
 * exit:  1 the store did not reach the disk (the bug), 0 it did, 2 setup error.
 * Needs root (it writes /proc/sys/vm/drop_caches).
 * Build: cc -O2 -pthread mmap-store.c -o mmap-store
 */
#define PROG "mmap-store"
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
    const unsigned char written[10] = "AAAAAAAAAA", expected[10] = "AAABAAAAAA";
    const size_t len = sizeof written;
    unsigned char buf[8192];

    printf("%s: %s (block size %ld)\n", PROG, path, bsize);
    int fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0644);
    if (fd < 0 || write(fd, written, len) != (ssize_t)len)
        setup_error(errno, "write %s", path);
    printf("1. open(O_CREAT|O_RDWR), write %zu bytes: file is %s\n", len, inline_state(path));
    show("written", written, len);

    unsigned char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        setup_error(errno, "mmap %s", path);
    map[3] = 'B';
    if (munmap(map, len) != 0)
        setup_error(errno, "munmap %s", path);
    printf("2. mmap(MAP_SHARED), store 'B' at offset 3, munmap: file is %s\n", inline_state(path));
    show("cache", buf, read_all(path, buf, sizeof buf));

    int lost = check_disk(3, path, fd, expected, len);
    return verdict(lost, path, "the store through the mapping did not reach the disk",
                   "the store through the mapping reached the disk");
}
