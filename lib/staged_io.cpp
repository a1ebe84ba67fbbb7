#include "lib/staged_io.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string_view>
#include <vector>

#include "lib/undo_file.hpp"

namespace e4inline {

namespace {

struct TestFaults {
    unsigned write = 0, alloc = 0, commit = 0, kill = 0;
    bool count = false;
};

// The one place the test hook is read.
const TestFaults& test_faults() {
    static const TestFaults faults = [] {
        TestFaults f;
        const char* env = std::getenv("E4INLINE_TEST_FAULT");
        if (!env)
            return f;
        const std::string_view s = env;
        const auto eq = s.find('=');
        const std::string_view key = s.substr(0, eq);
        const unsigned n = eq == std::string_view::npos ? 0 : static_cast<unsigned>(std::strtoul(env + eq + 1, nullptr, 10));
        if (key == "write") f.write = n;
        else if (key == "alloc") f.alloc = n;
        else if (key == "commit") f.commit = n;
        else if (key == "kill") f.kill = n;
        else if (key == "count") f.count = true;
        return f;
    }();
    return faults;
}

constexpr std::uint64_t unit = undo_unit;

struct Staged {
    io_channel inner = nullptr;
    std::shared_ptr<StageState> state;
    // Staged bytes by unit number (offset / unit), each unit bytes long.
    std::map<std::uint64_t, std::vector<std::uint8_t>> units;
};

std::shared_ptr<StageState> pending_state;

Staged* staged(io_channel channel) { return static_cast<Staged*>(channel->private_data); }

std::size_t request_bytes(io_channel channel, int count) {
    return count < 0 ? static_cast<std::size_t>(-static_cast<long>(count))
                     : static_cast<std::size_t>(count) * static_cast<std::size_t>(channel->block_size);
}

// Read SIZE bytes at OFFSET (a multiple of unit) from the image itself.
errcode_t read_image(Staged* s, std::uint64_t offset, std::size_t size, void* buf) {
    return io_channel_read_blk64(s->inner, offset / unit, -static_cast<int>(size), buf);
}

// Read as the image will be after the commit: the image with the staged units over it.
errcode_t read_through(Staged* s, std::uint64_t offset, std::size_t size, std::uint8_t* buf) {
    const std::uint64_t end = offset + size;
    const std::uint64_t first = offset / unit, last = (end + unit - 1) / unit;
    bool all_staged = true;
    for (std::uint64_t u = first; u < last && all_staged; ++u)
        all_staged = s->units.contains(u);
    if (!all_staged) {
        if (errcode_t err = read_image(s, offset, size, buf))
            return err;
    }
    for (auto it = s->units.lower_bound(first); it != s->units.end() && it->first < last; ++it) {
        const std::uint64_t ustart = it->first * unit;
        const std::uint64_t from = std::max(ustart, offset), to = std::min(ustart + unit, end);
        std::memcpy(buf + (from - offset), it->second.data() + (from - ustart), to - from);
    }
    return 0;
}

errcode_t staged_read(io_channel channel, unsigned long long block, int count, void* buf) {
    Staged* s = staged(channel);
    const std::uint64_t offset = block * static_cast<std::uint64_t>(channel->block_size);
    if (offset % unit)
        return EXT2_ET_INVALID_ARGUMENT;
    return read_through(s, offset, request_bytes(channel, count), static_cast<std::uint8_t*>(buf));
}

errcode_t staged_read32(io_channel channel, unsigned long block, int count, void* buf) {
    return staged_read(channel, block, count, buf);
}

errcode_t staged_write(io_channel channel, unsigned long long block, int count, const void* buf) {
    Staged* s = staged(channel);
    if (++s->state->writes == test_faults().write)
        return EIO;
    const std::uint64_t offset = block * static_cast<std::uint64_t>(channel->block_size);
    if (offset % unit)
        return EXT2_ET_INVALID_ARGUMENT;
    const std::size_t size = request_bytes(channel, count);
    const auto* src = static_cast<const std::uint8_t*>(buf);
    for (std::uint64_t at = 0; at < size; at += unit) {
        const std::uint64_t u = (offset + at) / unit;
        const std::size_t n = std::min<std::uint64_t>(unit, size - at);
        auto [it, fresh] = s->units.try_emplace(u);
        if (fresh) {
            it->second.resize(unit);
            // A write of less than a unit keeps the rest of it.
            if (n < unit) {
                if (errcode_t err = read_image(s, u * unit, unit, it->second.data())) {
                    s->units.erase(it);
                    return err;
                }
            }
        }
        std::memcpy(it->second.data(), src + at, n);
    }
    return 0;
}

errcode_t staged_write32(io_channel channel, unsigned long block, int count, const void* buf) {
    return staged_write(channel, block, count, buf);
}

// The block size libext2fs uses changes (1024 for the superblock, then the
// filesystem's); the image channel stays at one unit per block.
errcode_t staged_set_blksize(io_channel channel, int blksize) {
    if (blksize <= 0 || blksize % static_cast<int>(unit))
        return EXT2_ET_INVALID_ARGUMENT;
    channel->block_size = blksize;
    return 0;
}

// Nothing reaches the image before the commit.
errcode_t staged_flush(io_channel) { return 0; }

errcode_t staged_set_option(io_channel channel, const char* option, const char* arg) {
    Staged* s = staged(channel);
    if (s->inner->manager->set_option)
        return s->inner->manager->set_option(s->inner, option, arg);
    return EXT2_ET_INVALID_ARGUMENT;
}

Result<void> commit_step(StageState& st) {
    ++st.commit_steps;
    const TestFaults& f = test_faults();
    if (st.commit_steps == f.kill)
        raise(SIGKILL);
    if (st.commit_steps == f.commit)
        return unexpected(errno_error(EIO, "committing the write to", {}, st.image));
    return {};
}

// Consecutive staged units as ranges of at most 512 units (an undo key's limit).
struct Run {
    std::uint64_t offset;
    std::vector<std::uint8_t> data;
};
std::vector<Run> staged_runs(const Staged& s) {
    std::vector<Run> runs;
    for (const auto& [u, bytes] : s.units) {
        if (runs.empty() || runs.back().offset + runs.back().data.size() != u * unit ||
            runs.back().data.size() >= 512 * unit)
            runs.push_back({u * unit, {}});
        runs.back().data.insert(runs.back().data.end(), bytes.begin(), bytes.end());
    }
    return runs;
}

Result<void> commit(Staged* s) {
    StageState& st = *s->state;
    std::vector<Run> runs = staged_runs(*s);
    // The superblock (bytes 1024-2047) is written first, so that whenever any
    // block of the image has changed, the superblock e2undo checks has too.
    std::stable_partition(runs.begin(), runs.end(),
                          [](const Run& r) { return r.offset <= 1024 && r.offset + r.data.size() > 1024; });
    std::vector<SavedRange> saved;
    for (const Run& r : runs) {
        SavedRange sr{r.offset, std::vector<std::uint8_t>(r.data.size())};
        if (errcode_t err = read_image(s, r.offset, r.data.size(), sr.original.data()))
            return unexpected(ext2_error(err, "reading the blocks to be overwritten in", {}, st.image));
        saved.push_back(std::move(sr));
    }
    if (!st.undo_path.empty()) {
        std::vector<std::uint8_t> final_super(unit);
        if (errcode_t err = read_through(s, unit, unit, final_super.data()))
            return unexpected(ext2_error(err, "reading the superblock of", {}, st.image));
        E4I_TRY(write_undo_file(st.undo_path, saved, final_super, st.fs_offset, st.image,
                                [&] { return commit_step(st); }));
    }
    std::size_t written = 0;
    Result<void> result;
    for (; written < runs.size(); ++written) {
        result = commit_step(st);
        if (!result)
            break;
        const Run& r = runs[written];
        if (errcode_t err = io_channel_write_blk64(s->inner, r.offset / unit, -static_cast<int>(r.data.size()),
                                                   r.data.data())) {
            result = unexpected(ext2_error(err, "writing", {}, st.image));
            ++written;  // it may be partly written
            break;
        }
    }
    if (result) {
        if (errcode_t err = io_channel_flush(s->inner))
            result = unexpected(ext2_error(err, "flushing", {}, st.image));
        else
            return {};
    }
    // Put back what was written; the undo file then describes nothing.
    for (std::size_t i = 0; i < written; ++i)
        io_channel_write_blk64(s->inner, saved[i].offset / unit, -static_cast<int>(saved[i].original.size()),
                               saved[i].original.data());
    io_channel_flush(s->inner);
    if (!st.undo_path.empty())
        unlink(st.undo_path.c_str());
    return result;
}

errcode_t staged_close(io_channel channel) {
    if (--channel->refcount > 0)
        return 0;
    Staged* s = staged(channel);
    if (test_faults().count)
        std::fprintf(stderr, "e4inline-test-fault: write=%u alloc=%u commit=%u\n", s->state->writes,
                     s->state->allocs, s->state->commit_steps);
    errcode_t err = io_channel_close(s->inner);
    delete s;
    std::free(channel->name);
    delete channel;
    return err;
}

errcode_t staged_open(const char* name, int flags, io_channel* channel) {
    if (!name)
        return EXT2_ET_BAD_DEVICE_NAME;
    auto s = std::make_unique<Staged>();
    s->state = pending_state ? std::move(pending_state) : std::make_shared<StageState>();
    pending_state.reset();
    if (errcode_t err = unix_io_manager->open(name, flags & ~IO_FLAG_THREADS, &s->inner))
        return err;
    if (errcode_t err = io_channel_set_blksize(s->inner, static_cast<int>(unit))) {
        io_channel_close(s->inner);
        return err;
    }
    auto* io = new struct_io_channel{};
    io->magic = EXT2_ET_MAGIC_IO_CHANNEL;
    io->manager = staged_io_manager();
    io->name = strdup(name);
    io->block_size = static_cast<int>(unit);
    io->refcount = 1;
    // No discard here, so no promise that discarded blocks read back as zeros.
    io->flags = s->inner->flags & ~(CHANNEL_FLAGS_THREADS | CHANNEL_FLAGS_DISCARD_ZEROES);
    io->align = s->inner->align;
    io->private_data = s.release();
    *channel = io;
    return 0;
}

struct_io_manager staged_manager = [] {
    struct_io_manager m{};
    m.magic = EXT2_ET_MAGIC_IO_MANAGER;
    m.name = "e4inline staged I/O manager";
    m.open = staged_open;
    m.close = staged_close;
    m.set_blksize = staged_set_blksize;
    m.read_blk = staged_read32;
    m.write_blk = staged_write32;
    m.flush = staged_flush;
    // No write_byte: libext2fs then writes the whole superblock through
    // write_blk64. No discard or zeroout: they would bypass the staging.
    m.set_option = staged_set_option;
    m.read_blk64 = staged_read;
    m.write_blk64 = staged_write;
    return m;
}();

errcode_t failing_alloc(ext2_filsys fs, blk64_t goal, blk64_t* ret) {
    StageState& st = *staged(fs->io)->state;
    if (++st.allocs == test_faults().alloc)
        return EXT2_ET_BLOCK_ALLOC_FAIL;
    // What ext2fs_alloc_block3 does without a callback.
    return ext2fs_new_block2(fs, goal, nullptr, ret);
}

}  // namespace

io_manager staged_io_manager() { return &staged_manager; }

Result<void> commit_staged(io_channel channel) {
    if (channel->manager != staged_io_manager())
        return {};
    Staged* s = staged(channel);
    auto result = commit(s);
    s->units.clear();
    return result;
}

void stage_next_open(std::shared_ptr<StageState> state) { pending_state = std::move(state); }

void install_alloc_fault(ext2_filsys fs) {
    if ((test_faults().alloc || test_faults().count) && fs->io->manager == staged_io_manager())
        ext2fs_set_alloc_block_callback(fs, failing_alloc, nullptr);
}

}  // namespace e4inline
