/*
 * Every function of the C API, from a C program built against the installed
 * library (tests/tool/capi-installed.sh): creates, converts and commits on
 * IMAGE, then reads it back, lists, verifies. Prints one line per result
 * for the script to check; exits non-zero at the first unexpected return.
 *
 * usage: capi-full IMAGE [PARTITION]
 */
#include <e4inline/e4inline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failed;

static void expect(const char *what, int got, int want) {
    printf("%s: %d%s\n", what, got, got == want ? "" : " (UNEXPECTED)");
    if (got != want) {
        printf("  last error: %s\n", e4i_last_error());
        failed = 1;
    }
}

static int print_dirent(const struct e4i_dirent *e, void *ctx) {
    int *count = ctx;
    ++*count;
    printf("dirent %s ino=%u type=%d\n", e->name, (unsigned)e->ino, e->type);
    return 0;
}

static int stop_at_second(const struct e4i_dirent *e, void *ctx) {
    int *count = ctx;
    (void)e;
    return ++*count == 2 ? 42 : 0;
}

static int print_xattr(const struct e4i_xattr *x, void *ctx) {
    (void)ctx;
    printf("xattr %s len=%zu in-inode=%d\n", x->name, x->value_len, x->value != NULL);
    return 0;
}

static int print_finding(const struct e4i_finding *f, void *ctx) {
    int *count = ctx;
    ++*count;
    printf("finding %s %s ino=%u path=%s: %s\n", f->code, f->severity, (unsigned)f->ino, f->path, f->message);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: capi-full IMAGE [PARTITION]\n");
        return 16;
    }
    const char *image = argv[1];
    const unsigned partition = argc == 3 ? (unsigned)strtoul(argv[2], NULL, 10) : 0;
    printf("version %s\n", e4i_version());

    /* The write side. */
    e4i_fs *fs = NULL;
    expect("open-write", e4i_open_partition(image, partition, E4I_OPEN_WRITE, &fs), 0);
    if (!fs)
        return 1;
    static const char hello[] = "hello from the C API\n";
    uint32_t ino = 0;
    expect("create-file", e4i_create(fs, E4I_CREATE_FILE, "/hello", hello, strlen(hello), 0640, 0, &ino), 0);
    printf("hello ino=%u\n", (unsigned)ino);
    expect("create-dir", e4i_create(fs, E4I_CREATE_DIR, "/d", NULL, 0, 0750, 0, NULL), 0);
    static const char target[] = "a/symlink/target/long/enough/to/be/stored/inline/not/fast/xxxxxxxx";
    expect("create-symlink",
           e4i_create(fs, E4I_CREATE_SYMLINK, "/d/link", target, strlen(target), 0777, 0, NULL), 0);
    expect("create-parents",
           e4i_create(fs, E4I_CREATE_FILE, "/p/q/file", "pq\n", 3, 0600, E4I_CREATE_PARENTS, NULL), 0);
    expect("create-dry-run", e4i_create(fs, E4I_CREATE_FILE, "/dry", "x", 1, 0644, E4I_DRY_RUN, &ino), 0);
    printf("dry ino=%u\n", (unsigned)ino);
    expect("create-existing", e4i_create(fs, E4I_CREATE_FILE, "/hello", "x", 1, 0644, 0, NULL), 8);
    printf("create-existing error: %s\n", e4i_last_error());
    expect("create-bad-kind", e4i_create(fs, 9, "/k", NULL, 0, 0644, 0, NULL), 16);
    expect("create-bad-mode", e4i_create(fs, E4I_CREATE_FILE, "/k", NULL, 0, 0100644, 0, NULL), 16);

    int status = -1;
    expect("convert-to-extents", e4i_convert(fs, "/hello", E4I_TO_EXTENTS, 0, &status), 0);
    expect("convert-status", status, E4I_CONVERTED);
    expect("convert-again", e4i_convert(fs, "/hello", E4I_TO_EXTENTS, 0, &status), 0);
    expect("convert-again-status", status, E4I_ALREADY);
    static char big[3000];
    memset(big, 'b', sizeof big);
    expect("create-extents", e4i_create(fs, E4I_CREATE_FILE, "/big", big, sizeof big, 0644,
                                        E4I_CREATE_ALLOW_EXTENTS, NULL), 0);
    expect("create-too-big", e4i_create(fs, E4I_CREATE_FILE, "/big2", big, sizeof big, 0644, 0, NULL), 1);
    expect("convert-refused", e4i_convert(fs, "/big", E4I_TO_INLINE, 0, &status), 1);
    printf("convert-refused: status=%d %s\n", status, e4i_last_error());
    expect("convert-bad-target", e4i_convert(fs, "/hello", 7, 0, NULL), 16);
    struct e4i_convert_counts counts;
    memset(&counts, 0xff, sizeof counts);
    expect("convert-all-d", e4i_convert_all(fs, "/d", E4I_TO_EXTENTS, 0, &counts), 0);
    printf("convert-all examined=%llu converted=%llu already=%llu refused=%llu\n",
           (unsigned long long)counts.examined, (unsigned long long)counts.converted,
           (unsigned long long)counts.already, (unsigned long long)counts.refused);
    expect("convert-all-back", e4i_convert_all(fs, "/d", E4I_TO_INLINE, 0, &counts), 0);
    printf("convert-all-back converted=%llu\n", (unsigned long long)counts.converted);

    expect("commit", e4i_commit(fs), 0);
    expect("commit-again", e4i_commit(fs), 16);
    printf("commit-again error: %s\n", e4i_last_error());
    expect("read-after-commit", e4i_inspect(fs, "/hello", &(struct e4i_inline_info){0}), 16);
    e4i_close(fs);

    /* The read side, on what was committed. */
    fs = NULL;
    expect("open-read", e4i_open_partition(image, partition, E4I_OPEN_READONLY, &fs), 0);
    if (!fs)
        return 1;
    expect("create-read-only", e4i_create(fs, E4I_CREATE_FILE, "/ro", "x", 1, 0644, 0, NULL), 16);
    expect("convert-read-only", e4i_convert(fs, "/hello", E4I_TO_INLINE, 0, NULL), 16);

    struct e4i_inline_info info;
    memset(&info, 0, sizeof info);
    expect("inspect-sized", e4i_inspect_sized(fs, "/hello", &info, sizeof info), 0);
    printf("hello storage=%s type=%s inline=%d size=%llu mode=%o checksum_ok=%d\n", info.storage, info.type,
           info.is_inline, (unsigned long long)info.size, info.mode & 07777, info.checksum_ok);
    memset(&info, 0, sizeof info);
    expect("inspect-sized-link", e4i_inspect_sized(fs, "/d/link", &info, sizeof info), 0);
    printf("link storage=%s type=%s inline=%d size=%llu\n", info.storage, info.type, info.is_inline,
           (unsigned long long)info.size);
    /* A caller of the first version: the later members stay as they were. */
    memset(&info, 0, sizeof info);
    info.type = "untouched";
    expect("inspect-v1", e4i_inspect(fs, "/d/link", &info), 0);
    printf("v1 storage=%s type=%s\n", info.storage, info.type);
    expect("inspect-sized-too-small", e4i_inspect_sized(fs, "/hello", &info, 8), 16);

    unsigned char *data = NULL;
    size_t len = 0;
    expect("read", e4i_read(fs, "/hello", &data, &len), 0);
    printf("read-matches=%d\n", len == strlen(hello) && memcmp(data, hello, len) == 0);
    e4i_free(data);

    int n = 0;
    expect("dir-root", e4i_dir_iterate(fs, "/", print_dirent, &n), 0);
    printf("root entries=%d\n", n);
    n = 0;
    expect("dir-d", e4i_dir_iterate(fs, "/d", print_dirent, &n), 0);
    printf("d entries=%d\n", n);
    n = 0;
    expect("dir-stop", e4i_dir_iterate(fs, "/", stop_at_second, &n), 42);
    expect("dir-of-file", e4i_dir_iterate(fs, "/hello", print_dirent, &n), 1);
    printf("dir-of-file error: %s\n", e4i_last_error());

    expect("xattrs-link", e4i_xattr_iterate(fs, "/d/link", print_xattr, NULL), 0);
    expect("xattrs-missing", e4i_xattr_iterate(fs, "/missing", print_xattr, NULL), 8);

    n = 0;
    expect("verify", e4i_verify(fs, print_finding, &n), 0);
    printf("findings=%d\n", n);
    expect("verify-no-callback", e4i_verify(fs, NULL, NULL), 0);
    e4i_close(fs);

    fs = NULL;
    expect("open-missing", e4i_open("/nonexistent/disk.img", E4I_OPEN_READONLY, &fs), 8);
    printf("open-missing error: %s\n", e4i_last_error());
    expect("open-null", e4i_open(NULL, 0, &fs), 16);
    return failed;
}
