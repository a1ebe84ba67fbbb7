#include "kernel/kernel_view.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <time.h>

#include "lib/ondisk.hpp"
#include "lib/e4inlineP.hpp"

namespace e4inline {

namespace {

// O_NOATIME keeps the check from dirtying inodes, but the kernel allows it
// only to the owner or CAP_FOWNER (snapshot may run unprivileged).
int open_noatime(int dir_fd, const char* name, int flags) {
    const int fd = openat(dir_fd, name, flags | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        return openat(dir_fd, name, flags);
    return fd;
}

std::string join(const std::string& dir, const char* name) {
    return dir == "/" ? "/" + std::string(name) : dir + "/" + name;
}

// FS_IOC_GETFLAGS takes an int on every architecture Linux cares about
// (the ioctl's nominal long is a historical mistake the kernel documents).
void read_flags(int fd, KernelFile& f) {
    int flags = 0;
    if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
        f.has_flags = true;
        f.flags = static_cast<std::uint32_t>(flags);
    }
}

void read_fiemap(int fd, KernelFile& f) {
    constexpr unsigned max_extents = 4;
    alignas(struct fiemap) unsigned char buf[sizeof(struct fiemap) + max_extents * sizeof(struct fiemap_extent)]{};
    auto* fm = reinterpret_cast<struct fiemap*>(buf);
    fm->fm_start = 0;
    fm->fm_length = FIEMAP_MAX_OFFSET;
    fm->fm_extent_count = max_extents;
    if (ioctl(fd, FS_IOC_FIEMAP, fm) != 0)
        return;
    f.has_fiemap = true;
    for (unsigned i = 0; i < fm->fm_mapped_extents && i < max_extents; ++i)
        f.extents.push_back({fm->fm_extents[i].fe_logical, fm->fm_extents[i].fe_physical,
                             fm->fm_extents[i].fe_length, fm->fm_extents[i].fe_flags});
}

bool read_all(int fd, std::vector<std::uint8_t>& out, std::uint64_t size) {
    out.resize(size);
    std::uint64_t done = 0;
    while (done < size) {
        const ssize_t n = pread(fd, out.data() + done, size - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        if (n == 0)
            break;
        done += static_cast<std::uint64_t>(n);
    }
    out.resize(done);
    return true;
}

// Directories waiting to be read, shared by the walking threads. A thread
// that finds a subdirectory queues it instead of descending, so the walk
// spreads over the threads whatever the shape of the tree.
class DirQueue {
public:
    void push(std::string path) {
        std::lock_guard lock(mu_);
        todo_.push_back(std::move(path));
        cv_.notify_one();
    }
    // The next directory, or nothing when every thread is idle and the queue empty.
    std::optional<std::string> pop() {
        std::unique_lock lock(mu_);
        --busy_;
        if (busy_ == 0 && todo_.empty())
            cv_.notify_all();
        cv_.wait(lock, [&] { return !todo_.empty() || busy_ == 0; });
        if (todo_.empty())
            return std::nullopt;
        ++busy_;
        std::string p = std::move(todo_.front());
        todo_.pop_front();
        return p;
    }
    explicit DirQueue(int threads) : busy_(threads) {}

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::string> todo_;
    int busy_;
};

class Walker {
public:
    Walker(dev_t dev, const KernelViewOptions& options, KernelView& view, DirQueue* queue = nullptr)
        : dev_(dev), opt_(options), view_(view), queue_(queue) {}

    // One directory entry NAME of the directory open as DIR_FD, of type D_TYPE.
    void visit(int dir_fd, const std::string& path, const char* name, unsigned char d_type) {
        switch (d_type) {
        case DT_DIR: visit_dir(dir_fd, path, name); break;
        case DT_REG: visit_regular(dir_fd, path, name); break;
        case DT_LNK: visit_symlink(dir_fd, path, name); break;
        case DT_UNKNOWN: {
            struct stat st{};
            if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
                return warn(path, errno, "looking up");
            if (S_ISDIR(st.st_mode)) visit_dir(dir_fd, path, name);
            else if (S_ISREG(st.st_mode)) visit_regular(dir_fd, path, name);
            else if (S_ISLNK(st.st_mode)) visit_symlink(dir_fd, path, name);
            else ++view_.skipped;
            break;
        }
        default: ++view_.skipped;
        }
    }

    void visit_dir(int parent_fd, const std::string& path, const char* name) {
        UniqueFd fd(open_noatime(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd)
            return warn(path, errno, "opening");
        auto described = describe(fd.get(), path, FileType::directory);
        if (!described)
            return;
        KernelFile& f = *described;
        // readdir owns a duplicate: closing the DIR must not close our fd.
        UniqueFd dup_fd(fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
        UniqueDir dir(dup_fd ? fdopendir(dup_fd.get()) : nullptr);
        if (!dir)
            return warn(path, errno, "reading directory");
        dup_fd.release();  // the DIR owns it now
        struct Child {
            std::string name;
            unsigned char type;
        };
        std::vector<Child> children;
        errno = 0;
        while (const dirent* d = readdir(dir.get())) {
            if (std::strcmp(d->d_name, ".") == 0)
                continue;
            if (std::strcmp(d->d_name, "..") == 0) {
                f.dotdot = d->d_ino;
                continue;
            }
            f.entries.push_back({d->d_name, d->d_ino});
            children.push_back({d->d_name, d->d_type});
        }
        view_.files.push_back(std::move(f));
        if (!descend_)
            return;
        for (const auto& c : children) {
            if (queue_ && c.type == DT_DIR)
                queue_->push(join(path, c.name.c_str()));
            else
                visit(fd.get(), join(path, c.name.c_str()), c.name.c_str(), c.type);
        }
    }

    // The directory itself (its listing), not what is in it.
    void visit_dir_only(int parent_fd, const std::string& path, const char* name) {
        descend_ = false;
        visit_dir(parent_fd, path, name);
        descend_ = true;
    }

    void visit_regular(int dir_fd, const std::string& path, const char* name) {
        UniqueFd fd(open_noatime(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
        if (!fd)
            return warn(path, errno, "opening");
        auto described = describe(fd.get(), path, FileType::regular);
        if (!described)
            return;
        KernelFile& f = *described;
        if (opt_.read_content && (!opt_.inline_only || f.kernel_inline())) {
            if (f.size > opt_.max_buffered)
                f.deferred = true;
            else if (!read_all(fd.get(), f.bytes, f.size))
                return warn(path, errno, "reading");
        }
        view_.files.push_back(std::move(f));
    }

    void visit_symlink(int dir_fd, const std::string& path, const char* name) {
        timespec seen{};
        clock_gettime(CLOCK_REALTIME_COARSE, &seen);
        struct stat st{};
        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            return warn(path, errno, "stat of");
        if (st.st_dev != dev_ || !S_ISLNK(st.st_mode)) {
            ++view_.skipped;
            return;
        }
        KernelFile f;
        f.path = path;
        f.ino = st.st_ino;
        f.type = FileType::symlink;
        f.size = static_cast<std::uint64_t>(st.st_size);
        f.ctime_sec = st.st_ctim.tv_sec;
        f.ctime_nsec = static_cast<std::uint32_t>(st.st_ctim.tv_nsec);
        f.seen_sec = seen.tv_sec;
        f.seen_nsec = static_cast<std::uint32_t>(seen.tv_nsec);
        if (opt_.read_content) {
            f.bytes.resize(static_cast<std::size_t>(st.st_size) + 1);
            const ssize_t n = readlinkat(dir_fd, name, reinterpret_cast<char*>(f.bytes.data()), f.bytes.size());
            if (n < 0)
                return warn(path, errno, "reading the symlink");
            f.bytes.resize(static_cast<std::size_t>(n));
        }
        view_.files.push_back(std::move(f));
    }

    // What every opened file or directory shares: its inode and size from
    // fstat, the kernel's flags and, when inline, its FIEMAP extent. Nothing
    // when it is on another mount (mounted over this path) or of another type.
    std::optional<KernelFile> describe(int fd, const std::string& path, FileType type) {
        // The fence before the fstat, not after it: a write(2) stamps ctime
        // when it starts and sets i_size when it ends, both under the inode
        // lock. Fenced first, a write the fstat can catch half done began
        // after the clock was read below, so its ctime proves nothing and
        // the file is read again under the freeze. Fenced after the fstat
        // (as it once was), the size and ctime of such a write were taken
        // mid-way, the bytes read after it completed, and the ctime, already
        // stamped, matched the disk: a false "size" mismatch, seen about once
        // in 300 checks with writers at work (tests/crosscheck/concurrent.sh,
        // tests/crosscheck/held-writer.sh holds a write there on purpose).
        if (opt_.fence_writers && type == FileType::regular) {
            // Errors are of no consequence: the file is then read as it is.
            (void)lseek(fd, 0, SEEK_DATA);
            (void)sync_file_range(fd, 0, 0,
                                  SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
        }
        // The clock, then the inode: a change after this moment is stamped
        // at this tick or later.
        timespec seen{};
        clock_gettime(CLOCK_REALTIME_COARSE, &seen);
        struct stat st{};
        if (fstat(fd, &st) != 0) {
            warn(path, errno, "stat of");
            return std::nullopt;
        }
        const bool right_type = type == FileType::directory ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
        if (st.st_dev != dev_ || !right_type) {
            ++view_.skipped;
            return std::nullopt;
        }
        KernelFile f;
        f.path = path;
        f.ino = st.st_ino;
        f.type = type;
        f.size = static_cast<std::uint64_t>(st.st_size);
        f.ctime_sec = st.st_ctim.tv_sec;
        f.ctime_nsec = static_cast<std::uint32_t>(st.st_ctim.tv_nsec);
        f.seen_sec = seen.tv_sec;
        f.seen_nsec = static_cast<std::uint32_t>(seen.tv_nsec);
        read_flags(fd, f);
        if (opt_.fiemap && f.kernel_inline())
            read_fiemap(fd, f);
        return f;
    }

    void warn(const std::string& path, int err, const char* op) {
        view_.warnings.push_back(fmt::format("{} while {} {}", std::strerror(err), op, path));
    }

private:
    dev_t dev_;
    const KernelViewOptions& opt_;
    KernelView& view_;
    DirQueue* queue_;
    bool descend_ = true;
};

}  // namespace

bool KernelFile::kernel_inline() const { return has_flags && (flags & ondisk::fl_inline_data); }

bool KernelFile::ctime_settled(std::uint32_t granularity_ns) const {
    // At the granularity the inode stores: a ctime within the tick (or
    // second) in which the file was read may be stamped again, unchanged,
    // by a change made after the read.
    const auto cut = [granularity_ns](std::int64_t sec, std::uint32_t nsec) {
        return std::pair(sec, granularity_ns >= 1000000000u ? 0u : nsec / granularity_ns * granularity_ns);
    };
    return cut(ctime_sec, ctime_nsec) < cut(seen_sec, seen_nsec);
}

std::string path_in_mount(const std::string& mountpoint, const std::string& path) {
    std::string p = path;
    if (mountpoint != "/" && p.compare(0, mountpoint.size(), mountpoint) == 0 &&
        (p.size() == mountpoint.size() || p[mountpoint.size()] == '/'))
        p = p.substr(mountpoint.size());
    // Normalise: one leading slash, no trailing slash, no empty components.
    std::string out;
    std::size_t i = 0;
    while (i < p.size()) {
        while (i < p.size() && p[i] == '/')
            ++i;
        const std::size_t j = p.find('/', i);
        const std::string part = p.substr(i, j == std::string::npos ? std::string::npos : j - i);
        if (!part.empty() && part != ".")
            out += "/" + part;
        i = j == std::string::npos ? p.size() : j;
    }
    return out.empty() ? "/" : out;
}

Result<KernelView> read_kernel_view(int mount_fd, dev_t dev, const std::string& mountpoint,
                                    const std::vector<std::string>& paths, const KernelViewOptions& options) {
    KernelView view;
    const int threads = std::max(1, options.threads);
    DirQueue queue(threads);
    Walker first(dev, options, view, &queue);
    std::vector<std::string> todo = paths;
    if (todo.empty())
        todo.push_back("/");
    for (const auto& given : todo) {
        const std::string p = path_in_mount(mountpoint, given);
        if (p == "/") {
            queue.push("/");
            continue;
        }
        const auto slash = p.rfind('/');
        const std::string parent = slash == 0 ? "." : p.substr(1, slash - 1);
        const std::string name = p.substr(slash + 1);
        UniqueFd dir(openat(mount_fd, parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        struct stat st{};
        if (!dir || fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            return unexpected(errno_error(errno, "looking up", given, mountpoint));
        if (S_ISDIR(st.st_mode))
            queue.push(p);
        else
            first.visit(dir.get(), p, name.c_str(), DT_UNKNOWN);
    }
    // Each thread fills its own view; they are joined at the end.
    std::vector<KernelView> views(static_cast<std::size_t>(threads));
    auto work = [&](KernelView& mine) {
        Walker w(dev, options, mine, &queue);
        while (auto dir = queue.pop()) {
            const std::string rel = *dir == "/" ? "." : dir->substr(1);
            w.visit_dir(mount_fd, *dir, rel.c_str());
        }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t)
        pool.emplace_back(work, std::ref(views[static_cast<std::size_t>(t)]));
    work(views[0]);
    for (auto& t : pool)
        t.join();
    for (auto& v : views) {
        view.files.insert(view.files.end(), std::make_move_iterator(v.files.begin()),
                          std::make_move_iterator(v.files.end()));
        view.skipped += v.skipped;
        view.warnings.insert(view.warnings.end(), v.warnings.begin(), v.warnings.end());
    }
    return view;
}

Result<Reread> reread_kernel_files(int mount_fd, dev_t dev, KernelView& view, const std::vector<std::size_t>& which,
                                   const KernelViewOptions& options) {
    Reread r;
    KernelViewOptions opt = options;
    opt.fence_writers = false;  // frozen: no writer can be at work
    KernelView fresh;
    Walker w(dev, opt, fresh);
    std::vector<char> replaced(view.files.size(), 0);
    std::vector<std::size_t> dirs;  // indices into fresh.files
    for (const std::size_t i : which) {
        const KernelFile& old = view.files[i];
        replaced[i] = 1;
        ++r.changed;
        if (old.path == "/") {
            const std::size_t before = fresh.files.size();
            Walker shallow(dev, opt, fresh);
            shallow.visit_dir_only(mount_fd, "/", ".");
            if (fresh.files.size() > before)
                dirs.push_back(before);
            continue;
        }
        const auto slash = old.path.rfind('/');
        const std::string parent = slash == 0 ? "." : old.path.substr(1, slash - 1);
        const std::string name = old.path.substr(slash + 1);
        UniqueFd dir(openat(mount_fd, parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        const std::size_t before = fresh.files.size();
        if (dir) {
            if (old.type == FileType::directory)
                w.visit_dir_only(dir.get(), old.path, name.c_str());
            else
                w.visit(dir.get(), old.path, name.c_str(), DT_UNKNOWN);
        }
        if (fresh.files.size() == before) {
            ++r.vanished;
            continue;
        }
        if (old.type == FileType::directory && fresh.files.back().type == FileType::directory)
            dirs.push_back(fresh.files.size() - 1);
    }
    // What is in the view now, to find the entries that appeared.
    std::unordered_set<std::uint64_t> known;
    for (std::size_t i = 0; i < view.files.size(); ++i)
        if (!replaced[i])
            known.insert(view.files[i].ino);
    for (const auto& f : fresh.files)
        known.insert(f.ino);
    for (const std::size_t d : dirs) {
        const std::string path = fresh.files[d].path;
        const std::vector<KernelDirEntry> entries = fresh.files[d].entries;
        const std::string rel = path == "/" ? "." : path.substr(1);
        UniqueFd dir(openat(mount_fd, rel.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir)
            continue;
        for (const auto& e : entries) {
            if (known.count(e.ino))
                continue;
            const std::size_t before = fresh.files.size();
            w.visit(dir.get(), join(path, e.name.c_str()), e.name.c_str(), DT_UNKNOWN);
            for (std::size_t k = before; k < fresh.files.size(); ++k) {
                known.insert(fresh.files[k].ino);
                ++r.added;
            }
        }
    }
    std::vector<KernelFile> files;
    files.reserve(view.files.size() + fresh.files.size());
    for (std::size_t i = 0; i < view.files.size(); ++i)
        if (!replaced[i])
            files.push_back(std::move(view.files[i]));
    for (auto& f : fresh.files)
        files.push_back(std::move(f));
    view.files = std::move(files);
    view.skipped += fresh.skipped;
    view.warnings.insert(view.warnings.end(), fresh.warnings.begin(), fresh.warnings.end());
    return r;
}

}  // namespace e4inline
