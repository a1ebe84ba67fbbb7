/*
 * libe4inline C API: open an ext4 image, inspect an inode's inline-data
 * layout, read its content, list a directory or an inode's in-inode xattrs,
 * verify the whole image, create files, directories and symlinks, convert
 * inodes to and from inline data. Every call that can fail returns 0 on
 * success or one of the E4I_EXIT_* codes (the e4inline tool's exit codes),
 * and leaves a one-line message for e4i_last_error() in the calling thread.
 * No C++ exception crosses into the caller. Described in libe4inline(3).
 */
#ifndef E4INLINE_E4INLINE_H
#define E4INLINE_E4INLINE_H

#include <stddef.h>
#include <stdint.h>

/*
 * What the shared library exports: it is built with -fvisibility=hidden
 * and a version script (lib/libe4inline.map); its API is marked with this.
 */
#ifndef E4I_EXPORT
#if defined(__GNUC__)
#define E4I_EXPORT __attribute__((visibility("default")))
#else
#define E4I_EXPORT
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define E4I_EXIT_OK 0
#define E4I_EXIT_NOT_APPLICABLE 1
#define E4I_EXIT_FINDINGS 4
#define E4I_EXIT_OPERATIONAL 8
#define E4I_EXIT_USAGE 16

#define E4I_OPEN_READONLY 0
#define E4I_OPEN_WRITE 1

typedef struct e4i_fs e4i_fs;

/*
 * Filled by e4i_inspect and e4i_inspect_sized. New members are only ever
 * added at the end; e4i_inspect_sized writes only the first out_size bytes,
 * so a program built against an older header keeps working.
 */
struct e4i_inline_info {
    uint32_t ino;
    uint16_t mode;          /* i_mode, type and permission bits */
    uint32_t flags;         /* i_flags */
    uint64_t size;          /* i_size */
    uint32_t inode_size;
    uint16_t extra_isize;
    int is_inline;          /* EXT4_INLINE_DATA_FL set */
    uint32_t capacity;      /* bytes this inode can hold inline (kernel's rule) */
    uint32_t inline_size;   /* 60 + system.data value length, 0 if not inline */
    uint32_t xattr_count;   /* in-inode xattr entries */
    uint32_t problem_count; /* layout problems the parser found */
    const char *storage;    /* "inline", "extents", "blockmap", ... (static) */
    /* Added after 0.1.0, filled by e4i_inspect_sized only: */
    const char *type;       /* "regular", "directory", "symlink", ... (static) */
    uint64_t file_acl;      /* the external xattr block, 0 for none */
    int checksum_ok;        /* 1 when metadata_csum is off or the checksum is right */
};

/* The size of the members e4i_inspect fills (those before `type`). */
#define E4I_INLINE_INFO_V1_SIZE (offsetof(struct e4i_inline_info, storage) + sizeof(const char *))

E4I_EXPORT const char *e4i_version(void);
E4I_EXPORT const char *e4i_last_error(void);

/*
 * IMAGE is a path, PATH?offset=N for a filesystem N bytes into the file or
 * device (as e2fsprogs accepts it), or, with e4i_open_partition, the image
 * whose partition table holds the filesystem in partition PARTITION (1..;
 * 0 is the whole image).
 */
E4I_EXPORT int e4i_open(const char *image, int flags, e4i_fs **out);
E4I_EXPORT int e4i_open_partition(const char *image, unsigned partition, int flags, e4i_fs **out);
/*
 * Write what a writable handle changed (every write is held in memory
 * until then) and close the image; afterwards only e4i_close may be
 * called on FS. A read-only handle is just closed.
 */
E4I_EXPORT int e4i_commit(e4i_fs *fs);
/* Release FS. Changes not committed with e4i_commit are dropped. */
E4I_EXPORT void e4i_close(e4i_fs *fs);

E4I_EXPORT int e4i_inspect(e4i_fs *fs, const char *path_or_ino, struct e4i_inline_info *out);
/* The same, filling the first OUT_SIZE bytes (pass sizeof *out). */
E4I_EXPORT int e4i_inspect_sized(e4i_fs *fs, const char *path_or_ino, struct e4i_inline_info *out, size_t out_size);
/* The inspect JSON document (see e4inline(8)); free with e4i_free. */
E4I_EXPORT int e4i_inspect_json(e4i_fs *fs, const char *path_or_ino, char **json_out);
/* Exactly i_size bytes of a regular file or symlink; free with e4i_free. */
E4I_EXPORT int e4i_read(e4i_fs *fs, const char *path_or_ino, unsigned char **data_out, size_t *len_out);
E4I_EXPORT void e4i_free(void *p);

/*
 * Iteration: the callback gets each item and CTX; the pointers in the item
 * are valid only during the call. A callback returning non-zero stops the
 * iteration, and the function returns that value.
 */

/* Directory entry file types (the ext4 dirent file_type values). */
#define E4I_FT_UNKNOWN 0
#define E4I_FT_REG_FILE 1
#define E4I_FT_DIR 2
#define E4I_FT_CHRDEV 3
#define E4I_FT_BLKDEV 4
#define E4I_FT_FIFO 5
#define E4I_FT_SOCK 6
#define E4I_FT_SYMLINK 7

struct e4i_dirent {
    const char *name;   /* NUL-terminated; may hold any byte but '/' */
    size_t name_len;
    uint32_t ino;
    int type;           /* E4I_FT_* */
};
typedef int (*e4i_dirent_cb)(const struct e4i_dirent *entry, void *ctx);
/* Every entry of an inline or block directory, "." and ".." included. */
E4I_EXPORT int e4i_dir_iterate(e4i_fs *fs, const char *dir, e4i_dirent_cb cb, void *ctx);

struct e4i_xattr {
    const char *name;             /* full name: "system.data", "user.x" */
    const unsigned char *value;   /* NULL when not in the inode (value_inum, out of bounds) */
    size_t value_len;
    uint32_t value_inum;          /* e_value_inum: the value is in that inode */
};
typedef int (*e4i_xattr_cb)(const struct e4i_xattr *xattr, void *ctx);
/* The in-inode extended attributes (the xattr block is not read). */
E4I_EXPORT int e4i_xattr_iterate(e4i_fs *fs, const char *path_or_ino, e4i_xattr_cb cb, void *ctx);

struct e4i_finding {
    const char *code;      /* stable finding name, "size-past-inline" (see e4inline verify --codes) */
    const char *severity;  /* "error" or "warning" */
    uint32_t ino;
    const char *path;      /* a path reaching ino, "" when none was found */
    const char *message;   /* one line */
    const char *e2fsck;    /* the e2fsck problem code, "" when e2fsck has none */
};
typedef int (*e4i_finding_cb)(const struct e4i_finding *finding, void *ctx);
/*
 * Check every in-use inode, as e4inline verify does, calling CB (may be
 * NULL) for each finding in inode order. Returns 0 when clean,
 * E4I_EXIT_FINDINGS when there are findings, or an error code.
 */
E4I_EXPORT int e4i_verify(e4i_fs *fs, e4i_finding_cb cb, void *ctx);

/* e4i_create kinds and flags; e4i_convert targets and flags. */
#define E4I_CREATE_FILE 0
#define E4I_CREATE_DIR 1
#define E4I_CREATE_SYMLINK 2
#define E4I_CREATE_PARENTS 1        /* make missing parent directories (mkdir -p) */
#define E4I_CREATE_ALLOW_EXTENTS 2  /* a file too large for inline data goes in extents */
#define E4I_DRY_RUN 4               /* check and report, write nothing */

/*
 * Create PATH on a writable handle: a regular file holding DATA (LEN
 * bytes), a directory (DATA unused), or a symlink to DATA (LEN bytes, no
 * NUL needed), stored inline; MODE is the permission bits (07777). INO_OUT
 * (may be NULL) gets the new inode, 0 on a dry run. Nothing reaches the
 * image before e4i_commit.
 */
E4I_EXPORT int e4i_create(e4i_fs *fs, int kind, const char *path, const void *data, size_t len, unsigned mode,
                          int flags, uint32_t *ino_out);

#define E4I_TO_EXTENTS 0
#define E4I_TO_INLINE 1
#define E4I_CONVERTED 0
#define E4I_ALREADY 1
#define E4I_REFUSED 2

/*
 * Convert one inode to TARGET. STATUS_OUT (may be NULL) gets E4I_CONVERTED,
 * E4I_ALREADY or E4I_REFUSED; a refusal returns E4I_EXIT_NOT_APPLICABLE
 * with the reason in e4i_last_error(), as e4inline convert exits 1.
 */
E4I_EXPORT int e4i_convert(e4i_fs *fs, const char *path_or_ino, int target, int flags, int *status_out);

struct e4i_convert_counts {
    uint64_t examined, converted, already, refused;
};
/*
 * Convert every regular file, directory and symlink, or those under the
 * directory UNDER (NULL or "" for the whole image). Returns 0 even when
 * some were refused (see COUNTS_OUT, may be NULL), as e4inline convert --all.
 */
E4I_EXPORT int e4i_convert_all(e4i_fs *fs, const char *under, int target, int flags, struct e4i_convert_counts *counts_out);

#ifdef __cplusplus
}
#endif

#endif
