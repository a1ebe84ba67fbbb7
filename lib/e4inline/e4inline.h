/*
 * libe4inline C API: open an ext4 image, inspect an inode's inline-data
 * layout, read its content. Every call that can fail returns 0 on success or
 * one of the E4I_EXIT_* codes, and leaves a one-line message for
 * e4i_last_error() in the calling thread.
 */
#ifndef E4INLINE_E4INLINE_H
#define E4INLINE_E4INLINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define E4I_EXIT_OK 0
#define E4I_EXIT_NOT_APPLICABLE 1
#define E4I_EXIT_OPERATIONAL 8
#define E4I_EXIT_USAGE 16

#define E4I_OPEN_READONLY 0
#define E4I_OPEN_WRITE 1

typedef struct e4i_fs e4i_fs;

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
};

const char *e4i_version(void);
const char *e4i_last_error(void);

int e4i_open(const char *image, int flags, e4i_fs **out);
void e4i_close(e4i_fs *fs);

int e4i_inspect(e4i_fs *fs, const char *path_or_ino, struct e4i_inline_info *out);
/* The inspect JSON document (see e4inline(8)); free with e4i_free. */
int e4i_inspect_json(e4i_fs *fs, const char *path_or_ino, char **json_out);
/* Exactly i_size bytes of a regular file or symlink; free with e4i_free. */
int e4i_read(e4i_fs *fs, const char *path_or_ino, unsigned char **data_out, size_t *len_out);
void e4i_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
