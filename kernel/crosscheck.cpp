#include "kernel/crosscheck.hpp"

#include <fcntl.h>
#include <linux/fiemap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <endian.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>

#include "kernel/disk_inodes.hpp"
#include "e4inline/filesystem.hpp"
#include "kernel/freeze.hpp"
#include "kernel/kernel_view.hpp"
#include "lib/mountinfo.hpp"
#include "lib/ondisk.hpp"
#include "lib/e4inlineP.hpp"

namespace e4inline {

namespace {

namespace od = ondisk;
using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t window_size = 32;

struct DirEntryKey {
    std::string name;
    std::uint64_t ino;
    auto operator<=>(const DirEntryKey&) const = default;
};

// An inode as read from its table, wherever it is held.
struct RawInode {
    std::span<const std::uint8_t> raw;
    std::uint64_t byte_offset = 0;  // on the device
};

bool disk_inline_flag(std::span<const std::uint8_t> raw) {
    if (raw.size() < od::off_flags + 4)
        return false;
    return bytes::le32(raw, od::off_flags) & od::fl_inline_data;
}

std::string lower(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// The first offset where A and B differ within their common length.
std::optional<std::uint64_t> first_difference(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
    const std::size_t n = std::min(a.size(), b.size());
    const auto [pa, pb] = std::mismatch(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin());
    if (pa == a.begin() + static_cast<std::ptrdiff_t>(n))
        return std::nullopt;
    return static_cast<std::uint64_t>(pa - a.begin());
}

// A window of A and B around OFFSET (relative to BASE), aligned to 16 bytes.
void fill_windows(Mismatch& m, std::span<const std::uint8_t> kernel, std::span<const std::uint8_t> disk,
                  std::uint64_t base) {
    m.window_offset = m.offset & ~std::uint64_t{15};
    auto cut = [&](std::span<const std::uint8_t> s) {
        const std::uint64_t from = m.window_offset - base;
        if (from >= s.size())
            return Bytes();
        const std::uint64_t n = std::min<std::uint64_t>(window_size, s.size() - from);
        return Bytes(s.begin() + static_cast<std::ptrdiff_t>(from), s.begin() + static_cast<std::ptrdiff_t>(from + n));
    };
    m.kernel_window = cut(kernel);
    m.disk_window = cut(disk);
}

class Checker {
public:
    Checker(const Filesystem& fs, int root_fd, const CrosscheckOptions& options, CrosscheckReport& report,
            const std::unordered_map<ext2_ino_t, Bytes>* dir_blocks = nullptr)
        : fs_(fs), root_fd_(root_fd), opt_(options), report_(report), dir_blocks_(dir_blocks) {}

    // Whether compare() of K, not inline on disk, still needs the device
    // (while it is frozen), or can run from what was captured.
    bool needs_device(const KernelFile& k, const RawInode& d) const {
        if (disk_inline_flag(d.raw))
            return false;
        const InlineLayout l = parse_inline_layout(d.raw, fs_.has_inline_data());
        if (l.type != k.type || l.inline_flag())
            return false;
        if (opt_.inline_only && !k.kernel_inline())
            return false;
        if (k.type == FileType::directory)
            return !captured_dir_blocks(k.ino);
        return k.type == FileType::regular || (k.type == FileType::symlink && !l.symlink_target);
    }

    void compare(const KernelFile& k, const RawInode& d) {
        const InlineLayout l = parse_inline_layout(d.raw, fs_.has_inline_data());
        const bool disk_inline = l.inline_flag();
        if (opt_.inline_only && !disk_inline && !k.kernel_inline()) {
            ++report_.counts.skipped;
            return;
        }
        auto& c = report_.counts;
        ++c.files;
        if (disk_inline)
            ++c.inline_files;
        switch (k.type) {
        case FileType::regular: ++c.regular; break;
        case FileType::directory: ++c.directories; break;
        case FileType::symlink: ++c.symlinks; break;
        default: break;
        }
        if (l.type != k.type) {
            add(k, MismatchKind::type, file_type_name(k.type), file_type_name(l.type));
            return;  // nothing else can be compared meaningfully
        }
        if (k.size != l.size)
            add(k, MismatchKind::size, fmt::format("st_size {}", k.size), fmt::format("i_size {}", l.size));
        if (k.has_flags && k.kernel_inline() != disk_inline) {
            add(k, MismatchKind::flag, k.kernel_inline() ? "inline" : "not inline",
                disk_inline ? "inline" : "not inline");
            // The two sides store the data differently: reading the disk as
            // the other layout would only produce noise.
            return;
        }
        if (disk_inline) {
            if (k.has_fiemap)
                compare_fiemap(k, d, l);
            if (l.issues.size() || !l.system_data || l.size > l.inline_size) {
                add(k, MismatchKind::disk_layout, "-",
                    !l.issues.empty() ? fmt::format("{}: {}", layout_problem_name(l.issues[0].problem),
                                                    l.issues[0].detail)
                    : !l.system_data  ? std::string("inline flag set but no system.data")
                                      : fmt::format("i_size {} exceeds the inline size in use {}", l.size,
                                                    l.inline_size));
                return;
            }
        }
        switch (k.type) {
        case FileType::regular: compare_regular(k, l); break;
        case FileType::symlink: compare_symlink(k, l); break;
        case FileType::directory: compare_directory(k, l); break;
        default: break;
        }
    }

private:
    Mismatch& add(const KernelFile& k, MismatchKind kind, std::string kernel, std::string disk) {
        return report_.mismatches.emplace_back(Mismatch{.path = k.path,
                                                        .ino = static_cast<ext2_ino_t>(k.ino),
                                                        .type = k.type,
                                                        .kind = kind,
                                                        .kernel = std::move(kernel),
                                                        .disk = std::move(disk)});
    }

    // fs/ext4/inline.c ext4_inline_data_fiemap: one extent, DATA_INLINE |
    // NOT_ALIGNED | LAST, at the byte address of i_block, of length
    // min(inline size, i_size).
    void compare_fiemap(const KernelFile& k, const RawInode& d, const InlineLayout& l) {
        const std::uint64_t phys = d.byte_offset + od::off_block;
        const std::uint64_t len = std::min<std::uint64_t>(l.inline_size, l.size);
        auto describe = [](const KernelFile& f) {
            if (f.extents.empty())
                return std::string("no extent");
            const auto& e = f.extents[0];
            return fmt::format("{} extent(s), first at byte {} length {} flags 0x{:x}", f.extents.size(), e.physical,
                               e.length, e.flags);
        };
        if (len == 0 && k.extents.empty())
            return;
        const bool good = k.extents.size() == 1 && (k.extents[0].flags & FIEMAP_EXTENT_DATA_INLINE) &&
                          k.extents[0].physical == phys && k.extents[0].length == len;
        if (!good)
            add(k, MismatchKind::fiemap, describe(k),
                fmt::format("inline extent at byte {} (inode at {} + 40) length {}", phys, d.byte_offset, len));
    }

    // KERNEL and DISK are the bytes from offset BASE of sides that are
    // KERNEL_SIZE and DISK_SIZE long (the spans' sizes when not given).
    void compare_bytes(const KernelFile& k, MismatchKind kind, std::span<const std::uint8_t> kernel,
                       std::span<const std::uint8_t> disk, std::uint64_t base = 0,
                       std::optional<std::uint64_t> kernel_size = {}, std::optional<std::uint64_t> disk_size = {}) {
        const auto off = first_difference(kernel, disk);
        if (!off)
            return;
        Mismatch& m = add(k, kind, fmt::format("{} bytes", kernel_size.value_or(kernel.size())),
                          fmt::format("{} bytes", disk_size.value_or(disk.size())));
        m.has_offset = true;
        m.offset = base + *off;
        fill_windows(m, kernel, disk, base);
    }

    void compare_regular(const KernelFile& k, const InlineLayout& l) {
        if (l.inline_flag()) {
            Bytes disk = l.inline_bytes();
            if (l.size < disk.size())
                disk.resize(l.size);
            report_.counts.bytes += k.bytes.size();
            compare_bytes(k, MismatchKind::content, k.bytes, disk);
            return;
        }
        if (opt_.inline_only)
            return;
        compare_extents(k, l);
    }

    // A file that is not inline on disk: its blocks read through libext2fs
    // (O_DIRECT), chunk by chunk against the page cache.
    void compare_extents(const KernelFile& k, const InlineLayout& l) {
        ext2_file_t file = nullptr;
        if (errcode_t err = ext2fs_file_open(fs_.raw(), static_cast<ext2_ino_t>(k.ino), 0, &file)) {
            add(k, MismatchKind::disk_layout, "-", fmt::format("cannot open: {}", fs_.error(err, "opening").message()));
            return;
        }
        std::unique_ptr<ext2_file, decltype(&ext2fs_file_close)> owner(file, &ext2fs_file_close);
        int fd = -1;
        if (k.deferred) {
            const std::string rel = k.path == "/" ? "." : k.path.substr(1);
            fd = openat(root_fd_, rel.c_str(), O_RDONLY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC);
            if (fd < 0) {
                report_.warnings.push_back(fmt::format("{} while reopening {}", std::strerror(errno), k.path));
                return;
            }
        }
        std::unique_ptr<int, void (*)(int*)> fd_owner(&fd, [](int* p) {
            if (*p >= 0)
                close(*p);
        });
        constexpr std::size_t chunk = 1u << 20;
        const std::uint64_t common = std::min<std::uint64_t>(k.size, l.size);
        Bytes kbuf, dbuf;
        for (std::uint64_t pos = 0; pos < common; pos += chunk) {
            const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, common - pos));
            std::span<const std::uint8_t> kspan;
            if (k.deferred) {
                kbuf.resize(want);
                std::size_t got = 0;
                while (got < want) {
                    const ssize_t n = pread(fd, kbuf.data() + got, want - got, static_cast<off_t>(pos + got));
                    if (n < 0 && errno == EINTR)
                        continue;
                    if (n <= 0)
                        break;
                    got += static_cast<std::size_t>(n);
                }
                kbuf.resize(got);
                kspan = kbuf;
            } else {
                if (pos < k.bytes.size())
                    kspan = std::span<const std::uint8_t>(k.bytes).subspan(
                        pos, std::min<std::size_t>(want, k.bytes.size() - pos));
            }
            dbuf.resize(want);
            unsigned got = 0;
            if (errcode_t err = ext2fs_file_read(file, dbuf.data(), static_cast<unsigned>(want), &got)) {
                add(k, MismatchKind::disk_layout, "-", fs_.error(err, "reading", k.path).message());
                return;
            }
            dbuf.resize(got);
            report_.counts.bytes += kspan.size();
            if (first_difference(kspan, dbuf)) {
                compare_bytes(k, MismatchKind::content, kspan, dbuf, pos, k.size, l.size);
                return;
            }
            if (kspan.size() != dbuf.size())
                return;  // a short read on one side: the size comparison reports it
        }
    }

    void compare_symlink(const KernelFile& k, const InlineLayout& l) {
        if (opt_.inline_only && !l.inline_flag())
            return;
        Bytes disk;
        if (l.symlink_target) {
            disk.assign(l.symlink_target->begin(), l.symlink_target->end());
        } else {
            auto content = fs_.read_content(InodeRef{static_cast<ext2_ino_t>(k.ino), k.path});
            if (!content) {
                add(k, MismatchKind::disk_layout, "-", content.error().message());
                return;
            }
            disk = std::move(*content);
        }
        compare_bytes(k, MismatchKind::symlink_target, k.bytes, disk);
        if (k.bytes.size() != disk.size() && !first_difference(k.bytes, disk)) {
            Mismatch& m = add(k, MismatchKind::symlink_target, fmt::format("{} bytes", k.bytes.size()),
                              fmt::format("{} bytes", disk.size()));
            m.has_offset = true;
            m.offset = std::min(k.bytes.size(), disk.size());
            fill_windows(m, k.bytes, disk, 0);
        }
    }

    void compare_directory(const KernelFile& k, const InlineLayout& l) {
        std::vector<DirEntryKey> disk;
        std::uint64_t parent = 0;
        if (l.inline_flag()) {
            parent = l.dir_parent.value_or(0);
            for (const auto& e : l.dir_entries)
                if (e.inode != 0)
                    disk.push_back({e.name, e.inode});
        } else if (opt_.inline_only) {
            return;
        } else if (const Bytes* blocks = captured_dir_blocks(k.ino)) {
            if (auto bad = parse_dir_blocks(*blocks, disk, parent)) {
                add(k, MismatchKind::disk_layout, "-", *bad);
                return;
            }
        } else {
            auto listing = list_dir(fs_, static_cast<ext2_ino_t>(k.ino), k.path);
            if (!listing) {
                add(k, MismatchKind::disk_layout, "-", listing.error().message());
                return;
            }
            parent = listing->parent;
            for (const auto& e : listing->entries)
                disk.push_back({e.name, e.ino});
        }
        std::vector<DirEntryKey> kernel;
        kernel.reserve(k.entries.size());
        for (const auto& e : k.entries)
            kernel.push_back({e.name, e.ino});
        std::sort(kernel.begin(), kernel.end());
        std::sort(disk.begin(), disk.end());
        std::vector<DirEntryKey> only_kernel, only_disk;
        std::set_difference(kernel.begin(), kernel.end(), disk.begin(), disk.end(), std::back_inserter(only_kernel));
        std::set_difference(disk.begin(), disk.end(), kernel.begin(), kernel.end(), std::back_inserter(only_disk));
        auto list = [](const std::vector<DirEntryKey>& v) {
            std::string s;
            for (std::size_t i = 0; i < v.size() && i < 5; ++i)
                s += fmt::format("{}{}({})", i ? " " : "", v[i].name, v[i].ino);
            if (v.size() > 5)
                s += fmt::format(" and {} more", v.size() - 5);
            return s.empty() ? std::string("-") : s;
        };
        if (!only_kernel.empty() || !only_disk.empty())
            add(k, MismatchKind::dir_entries, "only in readdir: " + list(only_kernel),
                "only on disk: " + list(only_disk));
        if (k.dotdot != 0 && parent != 0 && k.dotdot != parent)
            add(k, MismatchKind::dir_entries, fmt::format(".. is {}", k.dotdot), fmt::format("parent {}", parent));
    }

    const Bytes* captured_dir_blocks(std::uint64_t ino) const {
        if (!dir_blocks_)
            return nullptr;
        const auto it = dir_blocks_->find(static_cast<ext2_ino_t>(ino));
        return it == dir_blocks_->end() ? nullptr : &it->second;
    }

    // The entries of a directory's blocks read under the freeze: one chain
    // of ext4_dir_entry_2 per block, as ext2fs_dir_iterate walks them (the
    // htree's interior blocks hide behind an entry of inode 0 spanning the
    // block, the checksum tail is one of inode 0). A description of the
    // first broken chain, if any.
    std::optional<std::string> parse_dir_blocks(const Bytes& blocks, std::vector<DirEntryKey>& out,
                                                std::uint64_t& parent) const {
        const std::size_t bs = fs_.block_size();
        for (std::size_t b = 0; b + bs <= blocks.size(); b += bs) {
            std::size_t off = 0;
            while (off + od::dirent_header_size <= bs) {
                auto* d = reinterpret_cast<ext2_dir_entry*>(const_cast<std::uint8_t*>(blocks.data() + b + off));
                unsigned rec_len = 0;
                if (ext2fs_get_rec_len(fs_.raw(), d, &rec_len) || rec_len < od::dirent_header_size ||
                    off + rec_len > bs ||
                    od::dirent_header_size + static_cast<unsigned>(ext2fs_dirent_name_len(d)) > rec_len)
                    return fmt::format("directory block {} has a broken entry at byte {}", b / bs, off);
                const std::string name(d->name, ext2fs_dirent_name_len(d));
                const std::uint32_t ino = le32toh(d->inode);
                if (name == "..")
                    parent = ino;
                else if (name != "." && ino != 0)
                    out.push_back({name, ino});
                off += rec_len;
            }
        }
        return std::nullopt;
    }

    const Filesystem& fs_;
    int root_fd_;
    const CrosscheckOptions& opt_;
    CrosscheckReport& report_;
    const std::unordered_map<ext2_ino_t, Bytes>* dir_blocks_;
};

// The 8-4-4-4-12 lower-case form libblkid reports.
std::string uuid_text(const std::uint8_t* u) {
    std::string s;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            s += '-';
        s += fmt::format("{:02x}", u[i]);
    }
    return s;
}

}  // namespace

const char* mismatch_kind_name(MismatchKind k) {
    switch (k) {
    case MismatchKind::type: return "type";
    case MismatchKind::flag: return "flag";
    case MismatchKind::fiemap: return "fiemap";
    case MismatchKind::size: return "size";
    case MismatchKind::content: return "content";
    case MismatchKind::dir_entries: return "dir-entries";
    case MismatchKind::symlink_target: return "symlink-target";
    case MismatchKind::disk_layout: return "disk-layout";
    case MismatchKind::missing: return "missing";
    case MismatchKind::inode: return "inode";
    }
    return "unknown";
}

namespace {

double ms_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

Result<void> check_uuid(const Filesystem& fs, const DeviceProbe& probe, CrosscheckReport& report) {
    report.uuid = uuid_text(fs.raw()->super->s_uuid);
    if (lower(probe.uuid) != report.uuid)
        return unexpected(plain_error(
            ExitCode::operational,
            fmt::format("libblkid reports UUID {} but the superblock read with O_DIRECT has {}", probe.uuid, report.uuid),
            report.device));
    return {};
}

FreezeOptions freeze_options(const CrosscheckOptions& options) {
    FreezeOptions fo;
    fo.max_freeze = options.max_freeze;
    fo.watchdog = options.watchdog;
    fo.signal_handlers = options.signal_handlers;
    return fo;
}

Result<void> hold_and_thaw(FreezeGuard& guard, CrosscheckReport& report, const CrosscheckOptions& options) {
    if (options.hold_freeze.count() > 0) {
        fmt::print(stderr, "e4inline: holding the freeze of {} for {} ms (testing hook)\n", report.mountpoint,
                   options.hold_freeze.count());
        std::fflush(stderr);
        std::this_thread::sleep_for(options.hold_freeze);
    }
    E4I_TRY(guard.thaw());
    auto ms = [](std::chrono::microseconds us) { return static_cast<double>(us.count()) / 1000.0; };
    report.freeze_ms = ms(guard.held());
    report.freeze_ioctl_ms = ms(guard.freeze_ioctl());
    report.thaw_ioctl_ms = ms(guard.thaw_ioctl());
    return {};
}

Error overran(const CrosscheckOptions& options, const CrosscheckReport& report) {
    return plain_error(ExitCode::operational,
                       fmt::format("the check did not finish within --max-freeze {} s; thawed, results discarded",
                                   options.max_freeze.count() / 1000.0),
                       report.mountpoint);
}

void finish(CrosscheckReport& report, std::chrono::steady_clock::time_point t0) {
    std::stable_sort(report.mismatches.begin(), report.mismatches.end(),
                     [](const Mismatch& a, const Mismatch& b) { return a.path < b.path; });
    std::sort(report.warnings.begin(), report.warnings.end());
    report.total_ms = ms_between(t0, std::chrono::steady_clock::now());
}

// The way before 2026-12 (--walk-frozen): freeze, then read the whole
// kernel's view and the disk, thaw.
Result<CrosscheckReport> check_walking_frozen(CrosscheckReport report, int root_fd, dev_t dev, const DeviceProbe& probe,
                                              const std::vector<std::string>& paths, const CrosscheckOptions& options,
                                              std::chrono::steady_clock::time_point t0) {
    report.method = "walk-frozen";
    // Bring the kernel's inodes, dentries and pages into memory first, so
    // that the frozen pass reads from caches rather than from the device.
    if (options.prewarm) {
        KernelViewOptions warm;
        warm.fiemap = false;
        warm.threads = options.threads;
        warm.inline_only = options.inline_only;
        (void)read_kernel_view(root_fd, dev, report.mountpoint, paths, warm);
    }

    // Everything from here to the thaw is inside the freeze: keep it short.
    std::optional<FreezeGuard> guard;
    if (options.freeze) {
        guard.emplace(E4I_TRY(FreezeGuard::freeze(report.mountpoint, freeze_options(options))));
        report.frozen = true;
    } else {
        if (syncfs(root_fd) != 0)
            return unexpected(errno_error(errno, "syncing (syncfs)", report.mountpoint));
        report.warnings.push_back(
            "--no-freeze: the filesystem was synced, not frozen; concurrent writers can cause false reports");
    }

    OpenOptions oo;
    oo.direct_io = true;
    Filesystem fs = E4I_TRY(Filesystem::open(report.device, oo));
    E4I_TRY(check_uuid(fs, probe, report));

    KernelViewOptions kv;
    kv.inline_only = options.inline_only;
    kv.threads = options.threads;
    const auto t_open = std::chrono::steady_clock::now();
    KernelView view = E4I_TRY(read_kernel_view(root_fd, dev, report.mountpoint, paths, kv));
    report.counts.skipped += view.skipped;
    for (auto& w : view.warnings)
        report.warnings.push_back(std::move(w));

    std::vector<ext2_ino_t> inos;
    inos.reserve(view.files.size());
    for (const auto& f : view.files)
        inos.push_back(static_cast<ext2_ino_t>(f.ino));
    const auto t_walk = std::chrono::steady_clock::now();
    const auto disk = E4I_TRY(read_disk_inodes(fs, inos));
    const auto t_disk = std::chrono::steady_clock::now();

    // Files inline on disk are compared from what was captured (raw inode and
    // page-cache bytes) after the thaw; the others need the disk now.
    Checker checker(fs, root_fd, options, report);
    std::vector<std::pair<const KernelFile*, RawInode>> after_thaw;
    after_thaw.reserve(view.files.size());
    std::size_t n = 0;
    for (const auto& k : view.files) {
        if (guard && (++n & 1023) == 0 && guard->expired())
            return unexpected(overran(options, report));
        const DiskInode& disk_inode = disk.at(static_cast<ext2_ino_t>(k.ino));
        const RawInode d{disk_inode.raw, disk_inode.byte_offset};
        if (disk_inline_flag(d.raw))
            after_thaw.emplace_back(&k, d);
        else
            checker.compare(k, d);
    }
    if (std::getenv("E4I_DEBUG_TIMING"))
        fmt::print(stderr,
                   "timing: setup, freeze and open {:.1f} ms, walk {:.1f} ms, disk {:.1f} ms, compare under freeze "
                   "{:.1f} ms\n",
                   ms_between(t0, t_open), ms_between(t_open, t_walk), ms_between(t_walk, t_disk),
                   ms_between(t_disk, std::chrono::steady_clock::now()));
    if (guard)
        E4I_TRY(hold_and_thaw(*guard, report, options));
    for (const auto& [k, d] : after_thaw)
        checker.compare(*k, d);
    finish(report, t0);
    return report;
}

// The ctime of raw inode RAW, and the granularity it is stored at: with
// ext4_inode's i_ctime_extra (i_extra_isize of 8 or more) nanoseconds and
// two epoch bits, else whole seconds (ext4_decode_extra_time).
struct DiskCtime {
    std::int64_t sec = 0;
    std::uint32_t nsec = 0;
    std::uint32_t granularity_ns = 1000000000u;
};

DiskCtime disk_ctime(std::span<const std::uint8_t> raw) {
    using bytes::le32;
    constexpr std::size_t off_ctime = 12, off_ctime_extra = 132;
    DiskCtime c;
    c.sec = static_cast<std::int32_t>(le32(raw, off_ctime));
    if (raw.size() >= off_ctime_extra + 4) {
        if (bytes::le16(raw, od::off_extra_isize) >= 8) {
            const std::uint32_t extra = le32(raw, off_ctime_extra);
            c.sec += static_cast<std::int64_t>(extra & 3) << 32;
            c.nsec = extra >> 2;
            c.granularity_ns = 1;
        }
    }
    return c;
}

// Whether K, read before the freeze, is what the kernel shows now, proved
// from the inode as the freeze wrote it home. The kernel stamps ctime on
// every change of a file's data, size, flags or entries (write, truncate,
// fallocate, setattr, the page_mkwrite fault of a store through a shared
// mapping, link, unlink, rename), with the coarse clock or, with
// multigrain timestamps (6.13 on), a finer one that is never behind it. K
// was read after its ctime was taken, in a later tick: any change after
// that is stamped in that tick or later, a ctime the inode did not have.
// The two ways a change escapes the stamp are fenced off while reading
// (KernelViewOptions::fence_writers), before the clock and the fstat: a
// write(2) stamps ctime as it starts and holds the inode lock until it has
// copied and set i_size, and lseek SEEK_DATA waits for that lock, so a
// write the fstat sees half done started after the clock; stores through a mapping that is already writable need no
// fault, so sync_file_range writes those pages back and write-protects
// them first. A ctime in the tick of the reading proves nothing (a second
// change in that tick keeps it): such a file is read again under the freeze.
//
// What the proof needs of K, taken before the freeze into a few bytes, so
// that the frozen pass over 100,000 files touches these and the inode
// tables only, not the kernel's view (a few cache misses a file).
struct CtimeProof {
    std::int64_t sec = 0;
    std::uint32_t nsec = 0;
    bool settled_ns = false, settled_s = false;  // ctime_settled at 1 ns and at 1 s
    static CtimeProof of(const KernelFile& k) {
        return {k.ctime_sec, k.ctime_nsec, k.ctime_settled(1), k.ctime_settled(1000000000u)};
    }
    bool holds(std::span<const std::uint8_t> raw) const {
        if (raw.size() < od::off_extra_isize)
            return false;
        const DiskCtime c = disk_ctime(raw);
        if (!(c.granularity_ns == 1 ? settled_ns : settled_s))
            return false;
        const auto cut = [&](std::uint32_t n) { return c.granularity_ns == 1 ? n : 0u; };
        return c.sec == sec && cut(c.nsec) == cut(nsec);
    }
};

// Whether inodes A and B map the same directory blocks: the same i_size,
// flags and i_block (where a depth-0 tree of extents lives).
bool same_mapping(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
    auto same = [&](std::size_t off, std::size_t n) {
        return a.size() >= off + n && b.size() >= off + n && std::memcmp(a.data() + off, b.data() + off, n) == 0;
    };
    return same(od::off_size_lo, 4) && same(od::off_flags, 4) && same(od::off_block, 60) && same(od::off_size_high, 4);
}

using Clock = std::chrono::steady_clock;

// When each step of a revalidating check ended, and how much each did
// (printed with E4I_DEBUG_TIMING).
struct RevalidateTimes {
    Clock::time_point t0, walk0, walk, sync0, ckpt0, ckpt, frozen, inodes, again, dirs, cmp;
    std::size_t with_tables = 0, reread = 0, more_dirs = 0;
};

// For each file of the view: where its inode will be in the image of the
// inode tables, and what proves the file unchanged; then the few files that
// may need the device while frozen (those the kernel shows as inline are
// compared from what is captured: a disagreement on the flag is reported
// without reading anything), and the directories.
struct FilePlan {
    std::vector<RawInode> found;
    std::vector<CtimeProof> proofs;
    std::vector<std::size_t> maybe_device, directories;
};

// Which inodes to read, sorted, before the freeze rather than in it.
Result<InodeTableImage> plan_view_inodes(const Filesystem& fs, const KernelView& view) {
    std::vector<ext2_ino_t> inos;
    inos.reserve(view.files.size());
    for (const auto& f : view.files)
        inos.push_back(static_cast<ext2_ino_t>(f.ino));
    std::sort(inos.begin(), inos.end());
    return plan_inode_tables(fs, std::move(inos));
}

FilePlan plan_files(const KernelView& view, const InodeTableImage& image) {
    const std::size_t n = view.files.size();
    FilePlan plan;
    plan.found.resize(n);
    plan.proofs.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const KernelFile& k = view.files[i];
        const auto ino = static_cast<ext2_ino_t>(k.ino);
        plan.found[i] = {image.inode(ino), image.byte_offset(ino)};
        plan.proofs[i] = CtimeProof::of(k);
        if (!(k.has_flags && k.kernel_inline()))
            plan.maybe_device.push_back(i);
        if (k.type == FileType::directory)
            plan.directories.push_back(i);
    }
    return plan;
}

// The blocks of the directories that are not inline, planned from their
// inodes as they are now, to be read with the inode tables under the
// freeze; a directory whose mapping the freeze shows different is read
// again after them. Only trees of extents held in the inode (depth 0): the
// inode's bytes then prove the mapping. A directory caught half changed
// cannot be planned: it is read after.
struct PredictedDirectories {
    std::optional<InodeTableImage> image;  // holds the bytes `raw` points into
    std::unordered_map<ext2_ino_t, std::span<const std::uint8_t>> raw;
    DirectoryBlocks blocks;
};

PredictedDirectories predict_directories(const Filesystem& fs, const DirectReader& reader, const KernelView& view,
                                         const FilePlan& plan, const CrosscheckOptions& options) {
    PredictedDirectories p;
    if (options.inline_only || plan.directories.empty())
        return p;
    std::vector<ext2_ino_t> dir_inos;
    for (const std::size_t i : plan.directories)
        dir_inos.push_back(static_cast<ext2_ino_t>(view.files[i].ino));
    auto image = read_inode_tables(fs, reader, std::move(dir_inos));
    if (!image)
        return p;
    p.image = std::move(*image);
    std::vector<RawDirectory> now;
    for (const std::size_t i : plan.directories) {
        const auto ino = static_cast<ext2_ino_t>(view.files[i].ino);
        const auto raw = p.image->inode(ino);
        if (!raw.empty() && !disk_inline_flag(raw) && extent_tree_in_inode(raw))
            now.push_back({ino, raw});
    }
    if (auto blocks = plan_directory_blocks(fs, now)) {
        p.blocks = std::move(*blocks);
        for (const auto& d : now)
            p.raw.emplace(d.ino, d.raw);
    }
    return p;
}

// What the freeze would write back and checkpoint while holding the
// writers off, done now: what the walk let writers dirty, then the journal
// to its home locations, so that FIFREEZE finds little to do.
Result<void> settle_before_freeze(int root_fd, const CrosscheckOptions& options, CrosscheckReport& report,
                                  RevalidateTimes& t) {
    if (options.before_freeze)
        options.before_freeze();
    t.sync0 = Clock::now();
    if (syncfs(root_fd) != 0)
        return unexpected(errno_error(errno, "syncing (syncfs)", report.mountpoint));
    t.ckpt0 = Clock::now();
    if (options.checkpoint)
        report.checkpoint = E4I_TRY(checkpoint_journal(root_fd, report.mountpoint));
    t.ckpt = Clock::now();
    if (report.checkpoint)
        report.checkpoint_ms = ms_between(t.ckpt0, t.ckpt);
    return {};
}

// The inodes as the freeze left them on the device: one image for the view
// as read, one more for what was read again.
struct FrozenInodes {
    std::vector<InodeTableImage> images;
    RawInode find(std::uint64_t ino) const {
        for (const auto& image : images)
            if (auto raw = image.inode(static_cast<ext2_ino_t>(ino)); !raw.empty())
                return RawInode{raw, image.byte_offset(static_cast<ext2_ino_t>(ino))};
        return RawInode{};
    }
    // The inodes of FILES in no image yet.
    std::vector<ext2_ino_t> missing(const std::vector<KernelFile>& files) const {
        std::vector<ext2_ino_t> inos;
        inos.reserve(files.size());
        for (const auto& f : files)
            if (find(f.ino).raw.empty())
                inos.push_back(static_cast<ext2_ino_t>(f.ino));
        return inos;
    }
};

// Still frozen: the files whose ctime does not prove them unchanged are read
// again from the kernel (more than a few: the walk met writers at work), and
// their inodes from the device; every file may then need the device.
Result<void> reread_unproven(int root_fd, dev_t dev, const KernelViewOptions& kv, const Filesystem& fs,
                             const DirectReader& reader, KernelView& view, FrozenInodes& frozen, FilePlan& plan,
                             CrosscheckReport& report, RevalidateTimes& t) {
    std::vector<std::size_t> again;
    for (std::size_t i = 0; i < plan.found.size(); ++i)
        if (!plan.proofs[i].holds(plan.found[i].raw))
            again.push_back(i);
    t.reread = again.size();
    if (again.empty())
        return {};
    for (std::size_t i = 0; i < again.size() && i < 10; ++i)
        report.changed_paths.push_back(view.files[again[i]].path);
    const Reread r = E4I_TRY(reread_kernel_files(root_fd, dev, view, again, kv));
    report.counts.changed = r.changed + r.added;
    report.counts.vanished = r.vanished;
    frozen.images.push_back(E4I_TRY(read_inode_tables(fs, reader, frozen.missing(view.files))));
    plan.found.resize(view.files.size());
    plan.maybe_device.clear();
    plan.directories.clear();
    for (std::size_t i = 0; i < view.files.size(); ++i) {
        plan.found[i] = frozen.find(view.files[i].ino);
        plan.maybe_device.push_back(i);
        if (view.files[i].type == FileType::directory)
            plan.directories.push_back(i);
    }
    return {};
}

// The blocks of the directories that are not inline on disk: those read
// with the inode tables where the frozen inode maps what was predicted, the
// rest read now.
Result<std::unordered_map<ext2_ino_t, Bytes>> frozen_directory_blocks(const Filesystem& fs, const DirectReader& reader,
                                                                      const KernelView& view, const FilePlan& plan,
                                                                      const PredictedDirectories& predicted,
                                                                      const CrosscheckOptions& options,
                                                                      RevalidateTimes& t) {
    std::unordered_map<ext2_ino_t, Bytes> dir_blocks;
    std::vector<RawDirectory> dirs;
    auto read_with_tables = predicted.blocks.take();
    if (!options.inline_only)
        for (const std::size_t i : plan.directories) {
            const auto ino = static_cast<ext2_ino_t>(view.files[i].ino);
            const auto& raw = plan.found[i].raw;
            if (disk_inline_flag(raw))
                continue;
            const auto p = predicted.raw.find(ino);
            const auto b = read_with_tables.find(ino);
            if (p != predicted.raw.end() && b != read_with_tables.end() && same_mapping(p->second, raw))
                t.with_tables += dir_blocks.emplace(ino, std::move(b->second)).second ? 1 : 0;
            else
                dirs.push_back({ino, raw});
        }
    t.more_dirs = dirs.size();
    for (auto& [ino, blocks] : E4I_TRY(read_directory_blocks(fs, reader, dirs)))
        dir_blocks.insert_or_assign(ino, std::move(blocks));
    return dir_blocks;
}

// Still frozen: the files not inline on disk that need the device are
// compared now; which were, so that the rest is compared after the thaw.
Result<std::vector<char>> compare_needing_device(Checker& checker, const KernelView& view, const FilePlan& plan,
                                                 const FreezeGuard& guard, const CrosscheckOptions& options,
                                                 CrosscheckReport& report) {
    std::vector<char> compared(view.files.size(), 0);
    for (std::size_t n = 0; n < plan.maybe_device.size(); ++n) {
        const std::size_t i = plan.maybe_device[n];
        if ((n & 1023) == 1023 && guard.expired())
            return unexpected(overran(options, report));
        if (!disk_inline_flag(plan.found[i].raw) && checker.needs_device(view.files[i], plan.found[i])) {
            checker.compare(view.files[i], plan.found[i]);
            compared[i] = 1;
        }
    }
    return compared;
}

void print_revalidate_times(const CrosscheckReport& report, const RevalidateTimes& t) {
    fmt::print(stderr,
               "timing: setup {:.1f} ms, walk before the freeze {:.1f} ms, syncfs {:.1f} ms, checkpoint {:.1f} ms; "
               "frozen: FIFREEZE {:.1f} ms, inode tables and {} directories {:.1f} ms, {} read again {:.1f} ms, "
               "{} more directories {:.1f} ms, compare {:.1f} ms, FITHAW {:.1f} ms\n",
               ms_between(t.t0, t.walk0), ms_between(t.walk0, t.walk), ms_between(t.sync0, t.ckpt0),
               ms_between(t.ckpt0, t.ckpt), report.freeze_ioctl_ms, t.with_tables, ms_between(t.frozen, t.inodes),
               t.reread, ms_between(t.inodes, t.again), t.more_dirs, ms_between(t.again, t.dirs),
               ms_between(t.dirs, t.cmp), report.thaw_ioctl_ms);
}

// Without --freeze there is no frozen moment to revalidate against: the
// method falls back to the walk, and the report still names the method
// that was asked for.
Result<CrosscheckReport> revalidate_by_walking(CrosscheckReport report, int root_fd, dev_t dev,
                                               const DeviceProbe& probe, const std::vector<std::string>& paths,
                                               const CrosscheckOptions& options, Clock::time_point t0) {
    CrosscheckOptions walk = options;
    walk.walk_frozen = true;
    auto r = check_walking_frozen(std::move(report), root_fd, dev, probe, paths, walk, t0);
    if (r)
        r->method = "revalidate";
    return r;
}

OpenOptions uncached_options() {
    OpenOptions oo;
    oo.direct_io = true;
    return oo;
}

// The device through libext2fs, with its block cache off: what it reads
// under the freeze must not come from what it read before. A libext2fs
// without the option (before 1.46.2) is opened again once frozen
// (open_again). Beside it, the O_DIRECT reader for the inode tables.
struct UncachedDevice {
    Filesystem fs;
    DirectReader reader;
    bool open_again;
};

Result<UncachedDevice> open_uncached(CrosscheckReport& report, const DeviceProbe& probe,
                                     const CrosscheckOptions& options) {
    Filesystem fs = E4I_TRY(Filesystem::open(report.device, uncached_options()));
    const bool open_again = io_channel_set_options(fs.raw()->io, "cache=off") != 0;
    E4I_TRY(check_uuid(fs, probe, report));
    DirectReader reader = E4I_TRY(DirectReader::open(report.device, options.io_uring));
    report.io_uring = reader.uses_io_uring();
    return UncachedDevice{std::move(fs), std::move(reader), open_again};
}

// After the thaw: the files that did not need the device, compared from
// what was captured under the freeze.
void compare_after_thaw(Checker& checker, const KernelView& view, const FilePlan& plan,
                        const std::vector<char>& compared, CrosscheckReport& report) {
    for (std::size_t i = 0; i < view.files.size(); ++i)
        if (!compared[i])
            checker.compare(view.files[i], plan.found[i]);
    if (report.counts.changed > 0)
        report.warnings.push_back(fmt::format(
            "{} files were changed or created while being checked and were read again under the freeze",
            report.counts.changed));
}

// The default way: the kernel's view read before the freeze with writers
// fenced, and under it only the inode tables (and the blocks of the
// directories that are not inline), from which the ctimes prove each file
// unchanged; what they do not prove is read again, still frozen.
Result<CrosscheckReport> check_revalidating(CrosscheckReport report, int root_fd, dev_t dev, const DeviceProbe& probe,
                                            const std::vector<std::string>& paths, const CrosscheckOptions& options,
                                            Clock::time_point t0) {
    report.method = "revalidate";
    if (!options.freeze)
        return revalidate_by_walking(std::move(report), root_fd, dev, probe, paths, options, t0);
    RevalidateTimes t;
    t.t0 = t0;
    // The watchdog is forked before any thread starts.
    FreezeGuard guard = E4I_TRY(FreezeGuard::arm(report.mountpoint, freeze_options(options)));
    // Write back now what the freeze would otherwise write back while
    // holding the writers off.
    if (syncfs(root_fd) != 0)
        return unexpected(errno_error(errno, "syncing (syncfs)", report.mountpoint));

    UncachedDevice dev_io = E4I_TRY(open_uncached(report, probe, options));
    Filesystem& fs = dev_io.fs;
    const DirectReader& reader = dev_io.reader;

    KernelViewOptions kv;
    kv.inline_only = options.inline_only;
    kv.threads = options.threads;
    kv.fence_writers = true;
    t.walk0 = Clock::now();
    KernelView view = E4I_TRY(read_kernel_view(root_fd, dev, report.mountpoint, paths, kv));
    t.walk = Clock::now();

    InodeTableImage first_image = E4I_TRY(plan_view_inodes(fs, view));
    FilePlan plan = plan_files(view, first_image);
    const PredictedDirectories predicted = predict_directories(fs, reader, view, plan, options);
    E4I_TRY(settle_before_freeze(root_fd, options, report, t));

    E4I_TRY(guard.freeze_now());
    report.frozen = true;
    if (dev_io.open_again)
        fs = E4I_TRY(Filesystem::open(report.device, uncached_options()));
    t.frozen = Clock::now();

    FrozenInodes frozen;
    E4I_TRY(read_inode_tables(reader, first_image, predicted.blocks.reads));
    frozen.images.push_back(std::move(first_image));
    t.inodes = Clock::now();
    E4I_TRY(reread_unproven(root_fd, dev, kv, fs, reader, view, frozen, plan, report, t));
    t.again = Clock::now();
    std::unordered_map<ext2_ino_t, Bytes> dir_blocks =
        E4I_TRY(frozen_directory_blocks(fs, reader, view, plan, predicted, options, t));
    t.dirs = Clock::now();
    report.counts.skipped += view.skipped;
    for (auto& w : view.warnings)
        report.warnings.push_back(std::move(w));

    // Only files not inline on disk may still need the device; the rest
    // is compared after the thaw from what was captured.
    Checker checker(fs, root_fd, options, report, &dir_blocks);
    const std::vector<char> compared = E4I_TRY(compare_needing_device(checker, view, plan, guard, options, report));
    t.cmp = Clock::now();
    E4I_TRY(hold_and_thaw(guard, report, options));
    if (std::getenv("E4I_DEBUG_TIMING"))
        print_revalidate_times(report, t);
    compare_after_thaw(checker, view, plan, compared, report);
    finish(report, t0);
    return report;
}

}  // namespace

Result<CrosscheckReport> crosscheck(const std::string& mountpoint, const std::vector<std::string>& paths,
                                    const CrosscheckOptions& options) {
    const auto t0 = std::chrono::steady_clock::now();
    initialize_ext2_error_table();  // readable libext2fs messages
    if (geteuid() != 0)
        return unexpected(plain_error(
            ExitCode::operational,
            "crosscheck needs root (CAP_SYS_ADMIN to freeze the filesystem and to read its device)", mountpoint));
    std::unique_ptr<char, decltype(&std::free)> real(realpath(mountpoint.c_str(), nullptr), &std::free);
    if (!real)
        return unexpected(errno_error(errno, "resolving", mountpoint));
    CrosscheckReport report;
    report.mountpoint = real.get();
    struct stat st{};
    if (stat(report.mountpoint.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return unexpected(plain_error(ExitCode::operational, "not a directory", mountpoint));
    const MountInfo mount = E4I_TRY(find_mount(report.mountpoint));
    if (mount.fstype != "ext4")
        return unexpected(plain_error(ExitCode::operational,
                                           fmt::format("is on a {} filesystem, not ext4", mount.fstype),
                                           report.mountpoint));
    report.device = E4I_TRY(mount_device(mount));
    report.backing_file = loop_backing_file(report.device).value_or("");
    const DeviceProbe probe = E4I_TRY(probe_device(report.device));
    if (probe.type != "ext4")
        return unexpected(plain_error(ExitCode::operational,
                                           fmt::format("libblkid says it holds {}, not ext4", probe.type),
                                           report.device));

    const UniqueFd root_fd(open(report.mountpoint.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd)
        return unexpected(errno_error(errno, "opening", report.mountpoint));
    if (options.walk_frozen)
        return check_walking_frozen(std::move(report), root_fd.get(), mount.dev, probe, paths, options, t0);
    return check_revalidating(std::move(report), root_fd.get(), mount.dev, probe, paths, options, t0);
}

Result<CrosscheckFloor> crosscheck_floor(const std::string& mountpoint) {
    std::unique_ptr<char, decltype(&std::free)> real(realpath(mountpoint.c_str(), nullptr), &std::free);
    if (!real)
        return unexpected(errno_error(errno, "resolving", mountpoint));
    const MountInfo mount = E4I_TRY(find_mount(real.get()));
    if (mount.fstype != "ext4")
        return unexpected(plain_error(ExitCode::operational,
                                           fmt::format("is on a {} filesystem, not ext4", mount.fstype), real.get()));
    CrosscheckFloor floor;
    floor.device = E4I_TRY(mount_device(mount));
    OpenOptions oo;
    oo.direct_io = true;
    Filesystem fs = E4I_TRY(Filesystem::open(floor.device, oo));
    const InodeTableFloor t = E4I_TRY(time_inode_table_read(fs, floor.device));
    floor.bytes = t.bytes;
    floor.ms = t.ms;
    return floor;
}

}  // namespace e4inline
