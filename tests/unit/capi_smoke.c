/* A C program using the library through the C API: proves the header is C. */
#include <e4inline/e4inline.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    int flags = E4I_OPEN_READONLY;
    if (argc == 4 && strcmp(argv[1], "-w") == 0) {
        flags = E4I_OPEN_WRITE;
        argv++;
        argc--;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: capi-smoke [-w] IMAGE PATH\n");
        return 16;
    }
    e4i_fs *fs = NULL;
    int rc = e4i_open(argv[1], flags, &fs);
    if (rc) {
        fprintf(stderr, "open: %s\n", e4i_last_error());
        return rc;
    }
    struct e4i_inline_info info;
    rc = e4i_inspect(fs, argv[2], &info);
    if (rc) {
        fprintf(stderr, "inspect: %s\n", e4i_last_error());
        e4i_close(fs);
        return rc;
    }
    printf("ino=%u inline=%d size=%llu capacity=%u inline_size=%u storage=%s\n", info.ino, info.is_inline,
           (unsigned long long)info.size, info.capacity, info.inline_size, info.storage);
    unsigned char *data = NULL;
    size_t len = 0;
    rc = e4i_read(fs, argv[2], &data, &len);
    if (rc == 0) {
        printf("read=%zu\n", len);
        fwrite(data, 1, len, stderr);
        e4i_free(data);
    } else {
        printf("read-error=%d %s\n", rc, e4i_last_error());
    }
    char *json = NULL;
    if (e4i_inspect_json(fs, argv[2], &json) == 0) {
        printf("json=%s\n", strstr(json, "\"capacity\"") ? "has-capacity" : "no-capacity");
        e4i_free(json);
    }
    e4i_close(fs);
    return 0;
}
