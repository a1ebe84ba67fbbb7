// Staged writes: an io_manager over unix_io that holds every block libext2fs
// writes in memory and writes none of them to the image until the command
// has succeeded. A write command that fails halfway (no free block, an I/O
// error, a bad argument found late) therefore leaves the image exactly as it
// was, whatever order libext2fs wrote its blocks in.
//
// The commit, from Filesystem::close():
//   1. read the original bytes of every staged block from the image;
//   2. with -z, write the complete e2undo file (undo_file.hpp), fsync it and
//      rename it into place: it is whole before the image is touched;
//   3. write the blocks, the superblock first, and fsync the image;
//   4. if a write or the fsync fails, write the original bytes back.
// A SIGKILL before step 3 leaves the image unchanged; during step 3 it
// leaves a partly written image whose superblock already is the new one, so
// e2undo accepts the undo file and restores the image byte for byte.
//
// Test hooks (the only place they are read): E4INLINE_TEST_FAULT=
//   write=N   the Nth block write libext2fs makes fails (EIO)
//   alloc=N   the Nth block allocation fails (no free block)
//   commit=N  the Nth write of the commit (undo file or image) fails (EIO)
//   kill=N    the process kills itself (SIGKILL) before the Nth commit write
//   count     print how many of each were made, to standard error
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <ext2fs/ext2fs.h>

#include "e4inline/error.hpp"

namespace e4inline {

// What a Filesystem and its staged channel share.
struct StageState {
    std::string image;
    std::string undo_path;          // where to write the undo file; empty for none
    std::uint64_t fs_offset = 0;    // where the filesystem starts in the image (?offset=, a partition)
    unsigned writes = 0, allocs = 0, commit_steps = 0;
};

// The manager. The next channel it opens belongs to STATE.
io_manager staged_io_manager();
void stage_next_open(std::shared_ptr<StageState> state);

// Write what CHANNEL (a staged channel) holds to the image, as described
// above. Closing a channel without a commit discards what it holds.
Result<void> commit_staged(io_channel channel);

// Install the alloc=N fault on FS (opened through the staged manager); a
// no-op unless the test hook asks for it.
void install_alloc_fault(ext2_filsys fs);

}  // namespace e4inline
