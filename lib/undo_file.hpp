// Undo files in e2undo's format (E2UNDO02, e2fsprogs lib/ext2fs/undo_io.c):
// a header block, a copy of the superblock the image will hold, then key
// blocks each followed by the saved original bytes they describe.
//
// libext2fs' undo_io_manager appends to the file as blocks are overwritten
// and only marks it finished when it is closed, through a write-back cache,
// so a process killed in the middle leaves an undo file that lags behind the
// image ("Incomplete undo record"). This writer is given every original
// block before the first byte of the image is written (see staged_io.hpp)
// and writes the whole file, finished, before the image is touched.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "e4inline/error.hpp"

namespace e4inline {

// Bytes of the image at OFFSET as they were before the write.
struct SavedRange {
    std::uint64_t offset = 0;  // a multiple of undo_unit
    std::vector<std::uint8_t> original;
};

// The unit of the undo file and of its keys: 1024 bytes, the smallest ext4
// block and the superblock's size, so that any write libext2fs makes is a
// whole number of units.
inline constexpr std::size_t undo_unit = 1024;

// Check PATH as the -z file for IMAGE_ST before anything is written:
// refuses the image itself (also through a symlink or a hard link), a file
// that is not a regular file, and a non-empty file that is not an undo file
// (as tune2fs refuses to reuse anything but an undo file); an existing undo
// file is replaced. Refuses a missing or unwritable directory. Returns the
// path to write: PATH, or the file a symlink at PATH names.
Result<std::string> check_undo_path(const std::string& path, const struct stat& image_st, const std::string& image);

// Write PATH atomically (a temporary file in the same directory, fsync, then
// rename): the saved ranges and FINAL_SUPER, the 1024 superblock bytes the
// image will hold after the write, which e2undo compares with the image
// before it replays. The saved offsets are the filesystem's; a filesystem
// FS_OFFSET bytes into the image (?offset=, a partition) has that recorded
// in the header (e2undo's fs_offset feature), so `e2undo FILE IMAGE`, with
// IMAGE the plain path, replays at the right place. STEP is called before
// each write (fault injection).
Result<void> write_undo_file(const std::string& path, const std::vector<SavedRange>& saved,
                             const std::vector<std::uint8_t>& final_super, std::uint64_t fs_offset,
                             const std::string& image,
                             const std::function<Result<void>()>& step);

}  // namespace e4inline
