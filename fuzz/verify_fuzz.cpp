// libFuzzer target over image bytes: the inspect path (our raw-inode parser,
// on the bytes themselves and on every inode the image has) and the verify
// path (the inode-table scan, the checks, the directory walk, both reports).
//
// Built by clang (-fsanitize=fuzzer,address,undefined) from the sources it
// covers; see fuzz/README or e4inline(8) for running it longer.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "e4inline/layout.hpp"
#include "verify/verify.hpp"

namespace {

// Larger geometries are legal but make one input take seconds: the fuzzer
// is after bad bytes, not big filesystems.
constexpr std::uint32_t max_inodes = 1u << 16;
constexpr std::uint32_t max_groups = 1024;

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0)
            close(fd);
    }
};

void inspect_inodes(ext2_filsys fs) {
    const std::uint32_t last = std::min<std::uint32_t>(fs->super->s_inodes_count, 64);
    std::vector<std::uint8_t> raw(EXT2_INODE_SIZE(fs->super));
    for (std::uint32_t ino = 1; ino <= last; ++ino) {
        if (ext2fs_read_inode2(fs, ino, reinterpret_cast<ext2_inode*>(raw.data()), static_cast<int>(raw.size()),
                               READ_INODE_NOCSUM))
            continue;
        const auto l = e4inline::parse_inline_layout(raw, true);
        (void)l.inline_bytes();
        // Our crc32c must agree with libext2fs' on every inode, good or bad.
        if (ext2fs_has_feature_metadata_csum(fs->super)) {
            auto copy = raw;
            const bool theirs = ext2fs_inode_csum_verify(fs, ino, reinterpret_cast<ext2_inode_large*>(copy.data()));
            if (theirs != e4inline::inode_checksum_matches(fs, ino, raw))
                __builtin_trap();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The bytes as one raw inode of each common size.
    for (std::size_t isize : {128u, 256u, 512u})
        if (size >= isize) {
            const auto l = e4inline::parse_inline_layout(std::span(data, isize));
            (void)l.inline_bytes();
        }

    Fd mem{memfd_create("e4inline-fuzz", 0)};
    if (mem.fd < 0)
        return 0;
    for (std::size_t done = 0; done < size;) {
        const ssize_t n = write(mem.fd, data + done, size - done);
        if (n <= 0)
            return 0;
        done += static_cast<std::size_t>(n);
    }
    const std::string path = "/proc/self/fd/" + std::to_string(mem.fd);
    ext2_filsys fs = nullptr;
    if (ext2fs_open2(path.c_str(), nullptr, EXT2_FLAG_64BITS | EXT2_FLAG_IGNORE_CSUM_ERRORS, 0, 0, unix_io_manager,
                     &fs))
        return 0;
    if (fs->super->s_inodes_count <= max_inodes && fs->group_desc_count <= max_groups) {
        inspect_inodes(fs);
        if (const auto report = e4inline::scan_inline_inodes(fs, {})) {
            (void)e4inline::verify_text(*report);
            (void)e4inline::verify_json(*report).dump();
        }
    }
    ext2fs_close_free(&fs);
    return 0;
}
