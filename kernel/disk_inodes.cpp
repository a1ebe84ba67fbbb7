#include "kernel/disk_inodes.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <fmt/format.h>

#ifdef E4I_HAVE_LIBURING
#include <liburing.h>
#endif

#include "lib/ondisk.hpp"
#include "lib/e4inlineP.hpp"

namespace e4inline {

namespace {

using AlignedBuffer = std::unique_ptr<std::uint8_t, decltype(&std::free)>;

AlignedBuffer aligned_buffer(std::size_t alignment, std::size_t size) {
    const std::size_t rounded = (size + alignment - 1) / alignment * alignment;
    return AlignedBuffer(static_cast<std::uint8_t*>(std::aligned_alloc(alignment, std::max(rounded, alignment))),
                         &std::free);
}

// LENGTH bytes at OFFSET, however many preads it takes.
Result<void> pread_fully(int fd, const std::string& device, std::uint8_t* buf, std::size_t length,
                         std::uint64_t offset) {
    std::size_t done = 0;
    while (done < length) {
        const ssize_t n = pread(fd, buf + done, length - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return unexpected(errno_error(errno, fmt::format("reading {} bytes at byte {} of", length, offset),
                                               device));
        if (n == 0)
            return unexpected(plain_error(
                ExitCode::operational, fmt::format("short read: {} bytes at byte {} are past its end", length, offset),
                device));
        done += static_cast<std::size_t>(n);
    }
    return {};
}

}  // namespace

std::uint64_t inode_byte_offset(const Filesystem& fs, ext2_ino_t ino) {
    ext2_filsys f = fs.raw();
    const std::uint64_t ipg = f->super->s_inodes_per_group;
    const dgrp_t group = static_cast<dgrp_t>((ino - 1) / ipg);
    const std::uint64_t index = (ino - 1) % ipg;
    return static_cast<std::uint64_t>(ext2fs_inode_table_loc(f, group)) * fs.block_size() + index * fs.inode_size();
}

namespace {

// A run of inode-table blocks holding the inodes inos[first, last) of one group.
struct InodeRun {
    std::size_t first = 0, last = 0;
    blk64_t start = 0;       // first block on the device
    std::uint64_t count = 0; // blocks
    std::uint64_t first_block_in_table = 0;
};

// Sort and deduplicate INOS and cut them into runs of at most MAX_RUN
// blocks within one group.
Result<std::vector<InodeRun>> inode_runs(const Filesystem& fs, std::vector<ext2_ino_t>& inos, std::uint64_t max_run) {
    ext2_filsys f = fs.raw();
    std::sort(inos.begin(), inos.end());
    inos.erase(std::unique(inos.begin(), inos.end()), inos.end());
    const std::uint64_t ipg = f->super->s_inodes_per_group;
    const std::uint64_t isz = fs.inode_size();
    const std::uint64_t bs = fs.block_size();
    std::vector<InodeRun> runs;
    std::size_t i = 0;
    while (i < inos.size()) {
        const ext2_ino_t first = inos[i];
        if (first < 1 || first > f->super->s_inodes_count)
            return unexpected(fs.error(ExitCode::operational, "inode number out of range", fmt::format("<{}>", first)));
        const dgrp_t group = static_cast<dgrp_t>((first - 1) / ipg);
        const std::uint64_t first_block = ((first - 1) % ipg) * isz / bs;
        std::size_t j = i;
        std::uint64_t last_block = first_block;
        while (j < inos.size() && inos[j] <= f->super->s_inodes_count && (inos[j] - 1) / ipg == group) {
            const std::uint64_t b = ((inos[j] - 1) % ipg) * isz / bs;
            if (b >= first_block + max_run)
                break;
            last_block = b;
            ++j;
        }
        runs.push_back({i, j, ext2fs_inode_table_loc(f, group) + first_block, last_block - first_block + 1,
                        first_block});
        i = j;
    }
    return runs;
}

void take_inodes(const Filesystem& fs, const std::vector<ext2_ino_t>& inos, const InodeRun& run,
                 const std::uint8_t* buf, std::unordered_map<ext2_ino_t, DiskInode>& out) {
    const std::uint64_t ipg = fs.raw()->super->s_inodes_per_group;
    const std::uint64_t isz = fs.inode_size();
    const std::uint64_t bs = fs.block_size();
    for (std::size_t k = run.first; k < run.last; ++k) {
        const std::uint64_t pos = ((inos[k] - 1) % ipg) * isz - run.first_block_in_table * bs;
        DiskInode d;
        d.raw.assign(buf + pos, buf + pos + isz);
        d.byte_offset = static_cast<std::uint64_t>(run.start) * bs + pos;
        out.emplace(inos[k], std::move(d));
    }
}

}  // namespace

Result<std::unordered_map<ext2_ino_t, DiskInode>> read_disk_inodes(const Filesystem& fs, std::vector<ext2_ino_t> inos) {
    ext2_filsys f = fs.raw();
    // Read at most this many inode-table blocks at once.
    constexpr std::uint64_t max_run = 256;
    const auto runs = E4I_TRY(inode_runs(fs, inos, max_run));
    std::unordered_map<ext2_ino_t, DiskInode> out;
    out.reserve(inos.size());
    // O_DIRECT wants an aligned buffer; unix_io would otherwise bounce
    // every block through its own.
    AlignedBuffer buf = aligned_buffer(fs.block_size(), max_run * fs.block_size());
    if (!buf)
        return unexpected(fs.error(EXT2_ET_NO_MEMORY, "reading inode tables"));
    for (const auto& run : runs) {
        if (errcode_t err = io_channel_read_blk64(f->io, run.start, static_cast<int>(run.count), buf.get()))
            return unexpected(fs.error(err, "reading the inode table at block", std::to_string(run.start)));
        take_inodes(fs, inos, run, buf.get(), out);
    }
    return out;
}

// ------------------------------------------------------------ DirectReader

struct DirectReader::Ring {
#ifdef E4I_HAVE_LIBURING
    io_uring ring{};
    bool live = false;
    ~Ring() {
        if (live)
            io_uring_queue_exit(&ring);
    }
#endif
};

// How many reads are in flight at once: enough to keep a loop device's or a
// disk's queue busy (directory blocks come in many small reads).
constexpr unsigned ring_depth = 16;

Result<DirectReader> DirectReader::open(const std::string& device, bool use_io_uring) {
    DirectReader r;
    r.device_ = device;
    r.fd_ = ::open(device.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (r.fd_ < 0)
        return unexpected(errno_error(errno, "opening with O_DIRECT", device));
#ifdef E4I_HAVE_LIBURING
    // A kernel without io_uring, or with kernel.io_uring_disabled set, refuses
    // the setup (ENOSYS, EPERM): the preads below then do the same reads.
    if (use_io_uring && !std::getenv("E4INLINE_NO_IO_URING")) {
        auto ring = std::make_unique<Ring>();
        ring->live = io_uring_queue_init(ring_depth, &ring->ring, 0) == 0;
        if (ring->live)
            r.ring_ = std::move(ring);
    }
#else
    (void)use_io_uring;
#endif
    return r;
}

DirectReader::DirectReader(DirectReader&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), device_(std::move(o.device_)), ring_(std::move(o.ring_)) {}

DirectReader::~DirectReader() {
    ring_.reset();
    if (fd_ >= 0)
        close(fd_);
}

Result<void> DirectReader::read(std::span<const DirectRead> reads) const {
#ifdef E4I_HAVE_LIBURING
    if (ring_) {
        io_uring* ring = &ring_->ring;
        std::size_t next = 0, in_flight = 0;
        std::vector<Result<void>> late;  // reads the ring did not finish, done with pread
        while (next < reads.size() || in_flight > 0) {
            while (next < reads.size() && in_flight < ring_depth) {
                io_uring_sqe* sqe = io_uring_get_sqe(ring);
                if (!sqe)
                    break;
                const DirectRead& r = reads[next];
                io_uring_prep_read(sqe, fd_, r.buffer, static_cast<unsigned>(r.length), r.offset);
                io_uring_sqe_set_data64(sqe, next);
                ++next;
                ++in_flight;
            }
            io_uring_cqe* cqe = nullptr;
            const int rc = io_uring_submit_and_wait(ring, 1);
            if (rc < 0 && rc != -EINTR)
                return unexpected(errno_error(-rc, "submitting reads (io_uring) of", device_));
            while (io_uring_peek_cqe(ring, &cqe) == 0) {
                const std::size_t i = static_cast<std::size_t>(io_uring_cqe_get_data64(cqe));
                const int res = cqe->res;
                io_uring_cqe_seen(ring, cqe);
                --in_flight;
                const DirectRead& r = reads[i];
                if (res < 0 && res != -EAGAIN && res != -EINTR)
                    return unexpected(
                        errno_error(-res, fmt::format("reading {} bytes at byte {} of", r.length, r.offset), device_));
                // A short or refused read: the rest with pread.
                const std::size_t got = res > 0 ? static_cast<std::size_t>(res) : 0;
                if (got < r.length)
                    E4I_TRY(pread_fully(fd_, device_, r.buffer + got, r.length - got, r.offset + got));
            }
        }
        return {};
    }
#endif
    for (const auto& r : reads)
        E4I_TRY(pread_fully(fd_, device_, r.buffer, r.length, r.offset));
    return {};
}

Result<InodeTableImage> plan_inode_tables(const Filesystem& fs, std::vector<ext2_ino_t> inos) {
    // 1 MiB reads with 4 KiB blocks: large enough that the per-request cost
    // vanishes, several of them in flight.
    constexpr std::uint64_t max_run = 256;
    const auto runs = E4I_TRY(inode_runs(fs, inos, max_run));
    const std::uint64_t bs = fs.block_size();
    InodeTableImage image;
    image.fs_ = &fs;
    for (const auto& run : runs)
        image.size_ += run.count * bs;
    image.buf_ = std::shared_ptr<std::uint8_t>(aligned_buffer(bs, image.size_).release(), &std::free);
    if (!image.buf_)
        return unexpected(fs.error(EXT2_ET_NO_MEMORY, "reading inode tables"));
    // Fault every page in now: done by the read, it costs as much as the
    // copy (25 MB for 100,000 inodes) and happens while frozen.
    std::memset(image.buf_.get(), 0, image.size_);
    std::vector<DirectRead>& reads = image.reads_;
    reads.reserve(runs.size());
    const std::uint64_t ipg = fs.raw()->super->s_inodes_per_group;
    image.block_at_.resize(fs.raw()->group_desc_count);
    std::uint64_t at = 0;
    for (const auto& run : runs) {
        reads.push_back({static_cast<std::uint64_t>(run.start) * bs, static_cast<std::size_t>(run.count * bs),
                         image.buf_.get() + at});
        auto& blocks = image.block_at_[(inos[run.first] - 1) / ipg];
        if (blocks.size() < run.first_block_in_table + run.count)
            blocks.resize(run.first_block_in_table + run.count, -1);
        for (std::uint64_t b = 0; b < run.count; ++b)
            blocks[run.first_block_in_table + b] = static_cast<std::int64_t>(at + b * bs);
        at += run.count * bs;
    }
    return image;
}

Result<void> read_inode_tables(const DirectReader& reader, InodeTableImage& image, std::span<const DirectRead> also) {
    image.reads_.insert(image.reads_.end(), also.begin(), also.end());
    E4I_TRY(reader.read(image.reads_));
    image.reads_.clear();
    return {};
}

Result<InodeTableImage> read_inode_tables(const Filesystem& fs, const DirectReader& reader,
                                          std::vector<ext2_ino_t> inos) {
    InodeTableImage image = E4I_TRY(plan_inode_tables(fs, std::move(inos)));
    E4I_TRY(read_inode_tables(reader, image));
    return image;
}

std::uint64_t InodeTableImage::byte_offset(ext2_ino_t ino) const { return inode_byte_offset(*fs_, ino); }

std::span<const std::uint8_t> InodeTableImage::inode(ext2_ino_t ino) const {
    if (!fs_ || ino < 1 || ino > fs_->raw()->super->s_inodes_count)
        return {};
    const std::uint64_t bs = fs_->block_size(), isz = fs_->inode_size();
    const std::uint64_t ipg = fs_->raw()->super->s_inodes_per_group;
    const std::uint64_t group = (ino - 1) / ipg, pos = ((ino - 1) % ipg) * isz;
    if (group >= block_at_.size() || pos / bs >= block_at_[group].size() || block_at_[group][pos / bs] < 0)
        return {};
    return {buf_.get() + block_at_[group][pos / bs] + pos % bs, isz};
}

namespace {

struct DirPiece {
    std::uint64_t logical, physical, count;
};

// The extents of directory INO (RAW its inode) within its i_size, in
// logical order; nothing when it is not mapped by extents.
Result<std::optional<std::vector<DirPiece>>> directory_extents(const Filesystem& fs, ext2_ino_t ino,
                                                               std::span<const std::uint8_t> raw) {
    if (!(bytes::le32(raw, ondisk::off_flags) & ondisk::fl_extents) || raw.size() < sizeof(ext2_inode))
        return std::optional<std::vector<DirPiece>>();
    // The raw inode is the little-endian struct libext2fs reads (this code
    // runs on little-endian machines only, as the kernel's view does).
    ext2_inode inode{};
    std::memcpy(&inode, raw.data(), sizeof inode);
    const std::uint64_t bs = fs.block_size();
    const std::uint64_t nblocks = (EXT2_I_SIZE(&inode) + bs - 1) / bs;
    ext2_extent_handle_t handle = nullptr;
    if (errcode_t err = ext2fs_extent_open2(fs.raw(), ino, &inode, &handle))
        return unexpected(fs.error(err, "opening the extent tree of", fmt::format("<{}>", ino)));
    std::unique_ptr<std::remove_pointer_t<ext2_extent_handle_t>, decltype(&ext2fs_extent_free)> owner(
        handle, &ext2fs_extent_free);
    std::vector<DirPiece> pieces;
    ext2fs_extent e{};
    // Index blocks of deeper trees are read through libext2fs (its cache off).
    errcode_t err = ext2fs_extent_get(handle, EXT2_EXTENT_ROOT, &e);
    while (err == 0) {
        if ((e.e_flags & EXT2_EXTENT_FLAGS_LEAF) && !(e.e_flags & EXT2_EXTENT_FLAGS_SECOND_VISIT) &&
            e.e_lblk < nblocks && e.e_len > 0)
            pieces.push_back({e.e_lblk, e.e_pblk, std::min<std::uint64_t>(e.e_len, nblocks - e.e_lblk)});
        err = ext2fs_extent_get(handle, EXT2_EXTENT_NEXT, &e);
    }
    if (err != EXT2_ET_EXTENT_NO_NEXT && err != EXT2_ET_NO_CURRENT_NODE)
        return unexpected(fs.error(err, "reading the extent tree of", fmt::format("<{}>", ino)));
    std::sort(pieces.begin(), pieces.end(), [](const DirPiece& a, const DirPiece& b) { return a.logical < b.logical; });
    return std::optional<std::vector<DirPiece>>(std::move(pieces));
}

}  // namespace

Result<DirectoryBlocks> plan_directory_blocks(const Filesystem& fs, std::span<const RawDirectory> dirs) {
    const std::uint64_t bs = fs.block_size();
    std::vector<std::pair<ext2_ino_t, std::vector<DirPiece>>> mapped;
    std::uint64_t total = 0;
    for (const auto& d : dirs) {
        auto pieces = E4I_TRY(directory_extents(fs, d.ino, d.raw));
        if (!pieces)
            continue;
        for (const auto& p : *pieces)
            total += p.count;
        mapped.emplace_back(d.ino, std::move(*pieces));
    }
    DirectoryBlocks out;
    out.block_size = bs;
    out.buf = std::shared_ptr<std::uint8_t>(aligned_buffer(bs, total * bs).release(), &std::free);
    if (!out.buf)
        return unexpected(fs.error(EXT2_ET_NO_MEMORY, "reading directory blocks"));
    std::uint64_t at = 0;
    for (const auto& [ino, pieces] : mapped) {
        const std::uint64_t first = at;
        for (const auto& p : pieces) {
            out.reads.push_back({p.physical * bs, static_cast<std::size_t>(p.count * bs), out.buf.get() + at * bs});
            at += p.count;
        }
        out.inos.push_back(ino);
        out.spans.emplace_back(first, at - first);
    }
    return out;
}

std::unordered_map<ext2_ino_t, std::vector<std::uint8_t>> DirectoryBlocks::take() const {
    std::unordered_map<ext2_ino_t, std::vector<std::uint8_t>> out;
    out.reserve(inos.size());
    for (std::size_t i = 0; i < inos.size(); ++i) {
        const std::uint8_t* from = buf.get() + spans[i].first * block_size;
        out.emplace(inos[i], std::vector<std::uint8_t>(from, from + spans[i].second * block_size));
    }
    return out;
}

Result<std::unordered_map<ext2_ino_t, std::vector<std::uint8_t>>>
read_directory_blocks(const Filesystem& fs, const DirectReader& reader, std::span<const RawDirectory> dirs) {
    const DirectoryBlocks plan = E4I_TRY(plan_directory_blocks(fs, dirs));
    E4I_TRY(reader.read(plan.reads));
    return plan.take();
}

Result<InodeTableFloor> time_inode_table_read(const Filesystem& fs, const std::string& device) {
    ext2_filsys f = fs.raw();
    const UniqueFd owner(::open(device.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
    if (!owner)
        return unexpected(errno_error(errno, "opening with O_DIRECT", device));
    const int fd = owner.get();
    const std::uint64_t bs = fs.block_size(), isz = fs.inode_size(), ipg = f->super->s_inodes_per_group;
    constexpr std::size_t chunk = 1u << 20;
    AlignedBuffer buf = aligned_buffer(bs, chunk);
    if (!buf)
        return unexpected(fs.error(EXT2_ET_NO_MEMORY, "timing the inode-table read"));
    const bool csum = ext2fs_has_group_desc_csum(f);
    InodeTableFloor floor;
    const auto t0 = std::chrono::steady_clock::now();
    for (dgrp_t g = 0; g < f->group_desc_count; ++g) {
        if (csum && (ext2fs_bg_flags(f, g) & EXT2_BG_INODE_UNINIT))
            continue;
        const std::uint64_t used = ipg - (csum ? ext2fs_bg_itable_unused(f, g) : 0);
        const std::uint64_t bytes = (used * isz + bs - 1) / bs * bs;
        const std::uint64_t start = static_cast<std::uint64_t>(ext2fs_inode_table_loc(f, g)) * bs;
        for (std::uint64_t pos = 0; pos < bytes; pos += chunk) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, bytes - pos));
            E4I_TRY(pread_fully(fd, device, buf.get(), n, start + pos));
        }
        floor.bytes += bytes;
    }
    floor.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return floor;
}

}  // namespace e4inline
