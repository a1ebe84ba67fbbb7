/* enospc-convert: a write past the inline capacity that fails with ENOSPC has
 * already turned the file into an extent file without a block: the bytes it
 * held before stay in the page cache only, and the disk holds zeros.
 *
 * Minimal sequence: write 10 bytes to a new file (inline), fill the filesystem
 * to its last block (set /sys/fs/ext4/DEV/reserved_clusters to 0, then
 * fallocate a second file until no block is left), then write 140 bytes at
 * offset 0 (past the 128-byte capacity of a 256-byte inode): the write fails
 * with ENOSPC and writes nothing, as it should, but the file is no longer
 * inline, and after fsync and drop_caches it reads back as 10 zero bytes.
 * The filler is removed and reserved_clusters restored at the end, so the
 * filesystem is usable again. With the reserved pool left in place (its
 * default, 2% of the blocks up to 4096 clusters) the same write fails cleanly
 * and the file stays inline: the loss needs a filesystem with no block at all,
 * like an image whose every block is in use.
 *
 * usage: enospc-convert [DIR]   DIR: a directory on ext4 with inline_data (default .)
 * exit:  1 the bytes were lost (the bug), 0 they were not, 2 setup error.
 * Needs root (it writes /proc/sys/vm/drop_caches).
 * Build: cc -O2 -pthread enospc-convert.c -o enospc-convert
 */
#define PROG "enospc-convert"
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

/* /sys/fs/ext4/DEV/reserved_clusters for the filesystem DIR is on: DEV is
 * the name of its block device, from /sys/dev/block/MAJOR:MINOR/uevent. */
static void reserved_clusters_path(char *out, size_t cap, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        setup_error(errno, "stat %s", dir);
    char uevent[128], line[256], name[128] = "";
    snprintf(uevent, sizeof uevent, "/sys/dev/block/%u:%u/uevent", major(st.st_dev), minor(st.st_dev));
    FILE *f = fopen(uevent, "r");
    if (!f)
        setup_error(errno, "%s", uevent);
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "DEVNAME=%127s", name) == 1)
            break;
    fclose(f);
    if (!name[0])
        setup_error(0, "no DEVNAME in %s", uevent);
    snprintf(out, cap, "/sys/fs/ext4/%s/reserved_clusters", name);
}

static long long read_number(const char *path)
{
    long long v = -1;
    FILE *f = fopen(path, "r");
    if (!f || fscanf(f, "%lld", &v) != 1)
        setup_error(errno, "read %s", path);
    fclose(f);
    return v;
}

static void write_number(const char *path, long long v)
{
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%lld\n", v) < 0 || fclose(f) != 0)
        setup_error(errno, "write %lld to %s", v, path);
}

/* Allocate blocks to a file of its own until the filesystem has none left:
 * halving the request from all that statfs says is free down to one block.
 * Returns the blocks it took. */
static long long fill(const char *path, long bsize)
{
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
    if (fd < 0)
        setup_error(errno, "create %s", path);
    struct statfs st;
    if (fstatfs(fd, &st) != 0)
        setup_error(errno, "statfs %s", path);
    long long taken = 0, chunk = (long long)st.f_bfree;
    while (chunk > 0) {
        if (fallocate(fd, 0, taken * bsize, chunk * bsize) == 0)
            taken += chunk;
        else if (errno == ENOSPC)
            chunk /= 2;
        else
            setup_error(errno, "fallocate %s", path);
    }
    if (fsync(fd) != 0 || close(fd) != 0)
        setup_error(errno, "fsync %s", path);
    return taken;
}

int main(int argc, char **argv)
{
    usage_check(argc, argv);
    const char *dir = argc > 1 ? argv[1] : ".";
    long bsize = check_dir(dir);
    char path[4096], filler[4200];
    new_file_path(path, sizeof path, dir);
    snprintf(filler, sizeof filler, "%s.fill", path);
    const unsigned char before[10] = "0123456789";
    unsigned char big[140], buf[8192];
    memset(big, 'a', sizeof big);

    printf("%s: %s (block size %ld)\n", PROG, path, bsize);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0 || write(fd, before, sizeof before) != (ssize_t)sizeof before || fsync(fd) != 0 || close(fd) != 0)
        setup_error(errno, "write %s", path);
    const char *state = inline_state(path);
    printf("1. write %zu bytes, fsync, close: file is %s\n", sizeof before, state);
    if (strcmp(state, "inline") != 0)
        return verdict(0, path, "", "file is not inline, nothing to convert");

    char resv[256];
    reserved_clusters_path(resv, sizeof resv, dir);
    const long long resv_before = read_number(resv);
    write_number(resv, 0);
    long long taken = fill(filler, bsize);
    struct statfs st;
    if (statfs(dir, &st) != 0)
        setup_error(errno, "statfs %s", dir);
    printf("2. %s %lld -> 0, fallocate %lld blocks to %s: %llu blocks free\n", resv, resv_before, taken,
           filler, (unsigned long long)st.f_bfree);

    fd = open(path, O_WRONLY);
    if (fd < 0)
        setup_error(errno, "open %s", path);
    ssize_t w = pwrite(fd, big, sizeof big, 0);
    int err = errno;
    printf("3. pwrite %zu bytes at 0 (past the inline capacity): %s%s; file is %s\n", sizeof big,
           w < 0 ? "fails: " : "", w < 0 ? strerror(err) : "written", inline_state(path));
    if (w >= 0) {
        /* Not the situation the finding needs (a block was found after all). */
        close(fd);
        unlink(filler);
        write_number(resv, resv_before);
        setup_error(0, "the write past the capacity did not fail: no ENOSPC to test");
    }

    size_t n = read_all(path, buf, sizeof buf);
    int cache_ok = n == sizeof before && memcmp(buf, before, n) == 0;
    printf("4. read from a second descriptor: %s\n", cache_ok ? "as written" : "DIFFERS");
    show("expected", before, sizeof before);
    show("read", buf, n);

    int disk_wrong = check_disk(5, path, fd, before, sizeof before);
    if (unlink(filler) != 0)
        setup_error(errno, "unlink %s", filler);
    write_number(resv, resv_before);
    printf("6. removed %s, reserved_clusters back to %lld\n", filler, resv_before);
    return verdict(!cache_ok || disk_wrong, path, "the failed write lost the bytes the file held",
                   "the failed write left the file as it was");
}
