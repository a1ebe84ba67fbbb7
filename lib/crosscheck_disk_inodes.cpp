#include "e4inline/disk_inodes.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <fmt/format.h>

namespace e4inline {

std::uint64_t inode_byte_offset(const Filesystem& fs, ext2_ino_t ino) {
    ext2_filsys f = fs.raw();
    const std::uint64_t ipg = f->super->s_inodes_per_group;
    const dgrp_t group = static_cast<dgrp_t>((ino - 1) / ipg);
    const std::uint64_t index = (ino - 1) % ipg;
    return static_cast<std::uint64_t>(ext2fs_inode_table_loc(f, group)) * fs.block_size() + index * fs.inode_size();
}

Result<std::unordered_map<ext2_ino_t, DiskInode>> read_disk_inodes(const Filesystem& fs, std::vector<ext2_ino_t> inos) {
    ext2_filsys f = fs.raw();
    std::sort(inos.begin(), inos.end());
    inos.erase(std::unique(inos.begin(), inos.end()), inos.end());
    std::unordered_map<ext2_ino_t, DiskInode> out;
    out.reserve(inos.size());
    const std::uint64_t ipg = f->super->s_inodes_per_group;
    const std::uint64_t isz = fs.inode_size();
    const std::uint64_t bs = fs.block_size();
    // Read at most this many inode-table blocks at once.
    constexpr std::uint64_t max_run = 256;
    // O_DIRECT wants an aligned buffer; unix_io would otherwise bounce
    // every block through its own.
    std::unique_ptr<std::uint8_t, decltype(&std::free)> buf(
        static_cast<std::uint8_t*>(std::aligned_alloc(bs, max_run * bs)), &std::free);
    if (!buf)
        return std::unexpected(fs.error(EXT2_ET_NO_MEMORY, "reading inode tables"));
    std::size_t i = 0;
    while (i < inos.size()) {
        const ext2_ino_t first = inos[i];
        if (first < 1 || first > f->super->s_inodes_count)
            return std::unexpected(fs.error(ExitCode::operational, "inode number out of range", fmt::format("<{}>", first)));
        const dgrp_t group = static_cast<dgrp_t>((first - 1) / ipg);
        const std::uint64_t first_block = ((first - 1) % ipg) * isz / bs;
        // Extend the run over the following inodes of the same group that
        // fall within max_run blocks.
        std::size_t j = i;
        std::uint64_t last_block = first_block;
        while (j < inos.size() && inos[j] <= f->super->s_inodes_count && (inos[j] - 1) / ipg == group) {
            const std::uint64_t b = ((inos[j] - 1) % ipg) * isz / bs;
            if (b >= first_block + max_run)
                break;
            last_block = b;
            ++j;
        }
        const std::uint64_t count = last_block - first_block + 1;
        const blk64_t start = ext2fs_inode_table_loc(f, group) + first_block;
        errcode_t err = io_channel_read_blk64(f->io, start, static_cast<int>(count), buf.get());
        if (err)
            return std::unexpected(fs.error(err, "reading the inode table of group", std::to_string(group)));
        for (std::size_t k = i; k < j; ++k) {
            const std::uint64_t pos = ((inos[k] - 1) % ipg) * isz - first_block * bs;
            DiskInode d;
            d.raw.assign(buf.get() + pos, buf.get() + pos + isz);
            d.byte_offset = static_cast<std::uint64_t>(start) * bs + pos;
            out.emplace(inos[k], std::move(d));
        }
        i = j;
    }
    return out;
}

}  // namespace e4inline
