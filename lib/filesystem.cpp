#include "e4inline/filesystem.hpp"

#include <blkid/blkid.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <utility>

#include "lib/mountinfo.hpp"
#include "lib/ondisk.hpp"
#include "lib/staged_io.hpp"
#include "lib/undo_file.hpp"
#include "lib/e4inlineP.hpp"

namespace e4inline {

Result<ImageSpec> parse_image_spec(const std::string& image) {
    ImageSpec spec;
    const auto q = image.find('?');
    spec.path = image.substr(0, q);
    if (q == std::string::npos)
        return spec;
    spec.io_options = image.substr(q + 1);
    // The options are unix_io's: KEY=VALUE joined by '&'. Only offset matters
    // beside libext2fs; the others go to it as they are.
    std::string_view rest = spec.io_options;
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view opt = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (opt.substr(0, 7) != "offset=")
            continue;
        const std::string value(opt.substr(7));
        char* end = nullptr;
        errno = 0;
        // strtoull as unix_io reads it (0x... and 0... too), minus its
        // silent acceptance of a sign.
        const unsigned long long n = std::strtoull(value.c_str(), &end, 0);
        if (value.empty() || *end || errno || value[0] == '-' || value[0] == '+')
            return unexpected(plain_error(ExitCode::usage,
                                               fmt::format("bad offset '{}' (a byte count, as in IMAGE?offset=1048576)",
                                                           value),
                                               {}, image));
        spec.offset = n;
    }
    return spec;
}

namespace {

// The offset and size (bytes) of the partition numbered N in IMAGE's
// partition table, as libblkid reads GPT, MBR (with logical partitions
// numbered from 5) and the other tables it knows.
Result<std::pair<std::uint64_t, std::uint64_t>> find_partition(const std::string& path, unsigned n,
                                                               const std::string& image) {
    blkid_probe pr = blkid_new_probe_from_filename(path.c_str());
    if (!pr)
        return unexpected(errno_error(errno ? errno : EIO, "reading the partition table of", {}, image));
    std::unique_ptr<std::remove_pointer_t<blkid_probe>, decltype(&blkid_free_probe)> owner(pr, &blkid_free_probe);
    blkid_probe_enable_superblocks(pr, 0);
    blkid_probe_enable_partitions(pr, 1);
    blkid_partlist list = blkid_probe_get_partitions(pr);
    const int count = list ? blkid_partlist_numof_partitions(list) : 0;
    if (!list || count <= 0)
        return unexpected(plain_error(ExitCode::operational,
                                           fmt::format("no partition table (asked for partition {})", n), {}, image));
    for (int i = 0; i < count; ++i) {
        blkid_partition p = blkid_partlist_get_partition(list, i);
        if (!p || blkid_partition_get_partno(p) != static_cast<int>(n))
            continue;
        const auto start = blkid_partition_get_start(p), size = blkid_partition_get_size(p);
        if (start < 0 || size <= 0)
            break;
        return std::pair{static_cast<std::uint64_t>(start) * 512, static_cast<std::uint64_t>(size) * 512};
    }
    return unexpected(plain_error(ExitCode::operational,
                                       fmt::format("has no partition {} (it has {})", n, count), {}, image));
}

// Reads a number from a sysfs file, 0 when there is none.
std::uint64_t sysfs_number(const std::string& file) {
    std::ifstream in(file);
    std::uint64_t v = 0;
    return (in >> v) ? v : 0;
}

// Whether LOOP_DEV is a loop device whose backing file is IMAGE and whose
// window (its offset and size limit) overlaps the filesystem at OFFSET.
bool loop_backs(const std::string& loop_dev, const struct stat& image_st, std::uint64_t offset = 0) {
    const auto backing = loop_backing_file(loop_dev);
    struct stat st{};
    if (!backing || stat(backing->c_str(), &st) != 0)
        return false;
    if (st.st_dev != image_st.st_dev || st.st_ino != image_st.st_ino)
        return false;
    if (stat(loop_dev.c_str(), &st) != 0)
        return true;
    const std::string sys = fmt::format("/sys/dev/block/{}:{}/loop/", major(st.st_rdev), minor(st.st_rdev));
    const std::uint64_t loop_offset = sysfs_number(sys + "offset"), limit = sysfs_number(sys + "sizelimit");
    // The loop window ends before our filesystem starts: another filesystem
    // (an earlier partition). One starting after ours is taken as
    // overlapping: we do not know where ours ends.
    return !(limit != 0 && loop_offset + limit <= offset);
}

}  // namespace

namespace {

// mounted_at for an image already parsed; SHOWN names it in errors.
Result<std::string> spec_mounted_at(const ImageSpec& spec, const std::string& shown) {
    const std::string& image = spec.path;
    struct stat image_st{};
    if (stat(image.c_str(), &image_st) != 0)
        return unexpected(errno_error(errno, "opening", {}, shown));
    auto mounts = mount_table();
    if (!mounts)
        return std::string();  // as before: no mount table, no mount found
    for (const MountInfo& m : *mounts) {
        const std::string& source = m.source;
        const std::string& target = m.mountpoint;
        if (source.empty() || source[0] != '/')
            continue;
        struct stat st{};
        if (stat(source.c_str(), &st) != 0)
            continue;
        if (S_ISBLK(image_st.st_mode)) {
            if (S_ISBLK(st.st_mode) && st.st_rdev == image_st.st_rdev)
                return target;
        } else if (S_ISREG(image_st.st_mode)) {
            if (S_ISBLK(st.st_mode) && loop_backs(source, image_st, spec.offset))
                return target;
            if (S_ISREG(st.st_mode) && st.st_dev == image_st.st_dev && st.st_ino == image_st.st_ino)
                return target;
        }
    }
    return std::string();
}

}  // namespace

Result<std::string> mounted_at(const std::string& image) {
    const ImageSpec spec = E4I_TRY(parse_image_spec(image));
    return spec_mounted_at(spec, image);
}

namespace {

// Descriptors closed together unless released (the locks of one writer).
struct FdSet {
    std::vector<int> fds;
    FdSet() = default;
    FdSet(const FdSet&) = delete;
    FdSet& operator=(const FdSet&) = delete;
    ~FdSet() {
        for (int fd : fds)
            ::close(fd);
    }
    std::vector<int> release() { return std::exchange(fds, {}); }
};

// flock(2), not fcntl(F_SETLK): a POSIX lock would be dropped when libext2fs
// closes its own descriptor of the same file.
Result<void> flock_exclusive(FdSet& held, const std::string& path, const std::string& image) {
    // IMAGE may carry ?options after the path.
    const std::string object = image.compare(0, path.size(), path) == 0 &&
                                       (image.size() == path.size() || image[path.size()] == '?')
                                   ? ""
                                   : path;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return unexpected(errno_error(errno, "opening", object, image));
    held.fds.push_back(fd);
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return {};
    if (errno == EWOULDBLOCK)
        return unexpected(plain_error(ExitCode::operational,
                                           "another process is writing to the image (it holds the write lock); "
                                           "try again when it has finished",
                                           object, image));
    return unexpected(errno_error(errno, "locking", object, image));
}

// The loop devices whose backing file is the file IMAGE_ST describes, over
// the filesystem at OFFSET in it.
std::vector<std::string> loop_devices_backed_by(const struct stat& image_st, std::uint64_t offset) {
    std::vector<std::string> out;
    UniqueDir dir(opendir("/sys/block"));
    if (!dir)
        return out;
    while (const struct dirent* e = readdir(dir.get())) {
        if (std::strncmp(e->d_name, "loop", 4) != 0)
            continue;
        const std::string dev = fmt::format("/dev/{}", e->d_name);
        if (loop_backs(dev, image_st, offset))
            out.push_back(dev);
    }
    return out;
}

// The writer's locks, taken before the superblock is read and held until the
// last block is written: an exclusive flock on the image; for an image file
// attached to loop devices, those devices opened O_EXCL (so that neither a
// writer through the device nor a mount can start); for a loop device, a
// flock on its backing file too.
// The flock is on the whole file, whatever the offset: two writers of two
// partitions of one image wait for each other's commit, which is harmless.
Result<std::vector<int>> lock_for_writing(const ImageSpec& spec, const std::string& image, const struct stat& st) {
    FdSet held;
    E4I_TRY(flock_exclusive(held, spec.path, image));
    if (S_ISREG(st.st_mode)) {
        for (const auto& dev : loop_devices_backed_by(st, spec.offset)) {
            const int fd = ::open(dev.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC);
            if (fd < 0)
                return unexpected(errno == EBUSY ? plain_error(ExitCode::operational,
                                                                    "the image is in use through this loop device "
                                                                    "(mounted or opened exclusively)",
                                                                    dev, image)
                                                      : errno_error(errno, "opening", dev, image));
            held.fds.push_back(fd);
        }
    } else if (S_ISBLK(st.st_mode)) {
        if (const auto backing = loop_backing_file(spec.path))
            E4I_TRY(flock_exclusive(held, *backing, image));
    }
    return held.release();
}

}  // namespace

Result<Filesystem> Filesystem::open(const std::string& image, const OpenOptions& options) {
    int flags = EXT2_FLAG_64BITS | EXT2_FLAG_IGNORE_CSUM_ERRORS;
    io_manager manager = unix_io_manager;
    ImageSpec spec = E4I_TRY(parse_image_spec(image));
    struct stat st{};
    if (stat(spec.path.c_str(), &st) != 0)
        return unexpected(errno_error(errno, "opening", {}, image));
    if (S_ISDIR(st.st_mode))
        return unexpected(plain_error(ExitCode::operational, "is a directory, not an image", {}, image));
    std::uint64_t partition_size = 0;
    if (options.partition) {
        if (spec.io_options.find("offset=") != std::string::npos)
            return unexpected(plain_error(ExitCode::usage,
                                               "give the filesystem's place either as ?offset= or as a partition, "
                                               "not both",
                                               {}, image));
        const auto [start, size] = E4I_TRY(find_partition(spec.path, options.partition, image));
        spec.offset = start;
        partition_size = size;
        spec.io_options = fmt::format("offset={}{}{}", start, spec.io_options.empty() ? "" : "&", spec.io_options);
    }
    FdSet locks;
    if (options.writable) {
        // Everything is checked before the first byte of any file is written.
        // The mount check comes first for its clearer message; the locks then
        // keep a mount (of a loop device behind the image too) from starting.
        const std::string mnt = E4I_TRY(spec_mounted_at(spec, image));
        if (!mnt.empty())
            return unexpected(plain_error(ExitCode::operational,
                                               fmt::format("filesystem is mounted on {}; refusing to write", mnt),
                                               {}, image));
        locks.fds = E4I_TRY(lock_for_writing(spec, image, st));
        flags |= EXT2_FLAG_RW | EXT2_FLAG_EXCLUSIVE;
        auto stage = std::make_shared<StageState>();
        stage->image = image;
        stage->fs_offset = spec.offset;
        if (!options.undo_file.empty())
            stage->undo_path = E4I_TRY(check_undo_path(options.undo_file, st, image));
        stage_next_open(std::move(stage));
        manager = staged_io_manager();
    }
    if (options.direct_io)
        flags |= EXT2_FLAG_DIRECT_IO;

    ext2_filsys fs = nullptr;
    // The path and its options apart: ext2fs_open2 would otherwise split the
    // name at its first '?' itself, which a partition's offset must not meet.
    errcode_t err = ext2fs_open2(spec.path.c_str(), spec.io_options.empty() ? nullptr : spec.io_options.c_str(), flags,
                                 0, 0, manager, &fs);
    stage_next_open(nullptr);
    if (err)
        return unexpected(ext2_error(err, "opening", {}, image));
    Filesystem result(fs, image, options.writable);
    result.lock_fds_ = locks.release();
    if (partition_size) {
        // unix_io has no size limit: a filesystem larger than its partition
        // would be read (and written) into the next one.
        const std::uint64_t fs_bytes = ext2fs_blocks_count(fs->super) * static_cast<std::uint64_t>(fs->blocksize);
        if (fs_bytes > partition_size)
            return unexpected(plain_error(ExitCode::operational,
                                               fmt::format("the filesystem ({} bytes) is larger than partition {} "
                                                           "({} bytes)",
                                                           fs_bytes, options.partition, partition_size),
                                               {}, image));
    }
    if (options.writable) {
        install_alloc_fault(fs);
        // Writing under a journal that still has to be replayed would be
        // undone (or worse) by the replay: e2fsprogs' writers refuse too.
        if (ext2fs_has_feature_journal_needs_recovery(fs->super))
            return unexpected(plain_error(ExitCode::operational,
                                               "the journal needs recovery; run e2fsck first", {}, image));
        if ((err = ext2fs_read_bitmaps(fs)))
            return unexpected(ext2_error(err, "reading the bitmaps of", {}, image));
    }
    return result;
}

Filesystem::Filesystem(Filesystem&& other) noexcept
    : fs_(std::exchange(other.fs_, nullptr)), image_(std::move(other.image_)), writable_(other.writable_),
      lock_fds_(std::exchange(other.lock_fds_, {})) {}

Filesystem& Filesystem::operator=(Filesystem&& other) noexcept {
    if (this != &other) {
        release();
        fs_ = std::exchange(other.fs_, nullptr);
        image_ = std::move(other.image_);
        writable_ = other.writable_;
        lock_fds_ = std::exchange(other.lock_fds_, {});
    }
    return *this;
}

// Without a commit the staged writes are dropped; the lock goes last.
void Filesystem::release() {
    if (fs_)
        ext2fs_close_free(&fs_);
    for (int fd : std::exchange(lock_fds_, {}))
        ::close(fd);
}

Filesystem::~Filesystem() { release(); }

Result<void> Filesystem::close() {
    if (!fs_)
        return {};
    if (writable_) {
        // What ext2fs_close would write (bitmaps, then superblock and group
        // descriptors), staged, then the commit of all of it at once.
        errcode_t err = ext2fs_write_bitmaps(fs_);
        if (!err && (fs_->flags & EXT2_FLAG_DIRTY))
            err = ext2fs_flush(fs_);
        if (err) {
            release();
            return unexpected(error(err, "writing"));
        }
        auto committed = commit_staged(fs_->io);
        if (!committed) {
            release();
            return committed;
        }
    }
    errcode_t err = ext2fs_close_free(&fs_);
    release();
    if (err)
        return unexpected(error(err, "closing"));
    return {};
}

bool Filesystem::has_inline_data() const { return ext2fs_has_feature_inline_data(fs_->super); }
bool Filesystem::has_metadata_csum() const { return ext2fs_has_feature_metadata_csum(fs_->super); }
unsigned Filesystem::inode_size() const { return EXT2_INODE_SIZE(fs_->super); }
unsigned Filesystem::block_size() const { return fs_->blocksize; }

Error Filesystem::error(errcode_t code, std::string op, std::string object) const {
    return ext2_error(code, std::move(op), std::move(object), image_);
}

Error Filesystem::error(ExitCode exit, std::string reason, std::string object) const {
    return plain_error(exit, std::move(reason), std::move(object), image_);
}

Result<InodeRef> Filesystem::resolve(std::string_view spec) const {
    InodeRef ref{0, std::string(spec)};
    if (spec.size() >= 3 && spec.front() == '<' && spec.back() == '>') {
        unsigned long long n = 0;
        auto [p, ec] = std::from_chars(spec.data() + 1, spec.data() + spec.size() - 1, n);
        if (p != spec.data() + spec.size() - 1 || (ec != std::errc() && ec != std::errc::result_out_of_range))
            return unexpected(plain_error(ExitCode::usage, "not an inode number", ref.spec));
        // Too large for any filesystem is out of range like too large for this one.
        if (ec == std::errc::result_out_of_range || n < 1 || n > fs_->super->s_inodes_count)
            return unexpected(error(ExitCode::operational,
                                         fmt::format("inode number out of range (1..{})", fs_->super->s_inodes_count),
                                         ref.spec));
        ref.ino = static_cast<ext2_ino_t>(n);
        return ref;
    }
    if (spec.empty())
        return unexpected(plain_error(ExitCode::usage, "empty path"));
    const std::string path(spec);
    errcode_t err = ext2fs_namei(fs_, EXT2_ROOT_INO, EXT2_ROOT_INO, path.c_str(), &ref.ino);
    if (err == EXT2_ET_FILE_NOT_FOUND)
        return unexpected(error(ExitCode::operational, "no such file or directory", ref.spec));
    if (err)
        return unexpected(error(err, "looking up", ref.spec));
    return ref;
}

Result<std::vector<std::uint8_t>> Filesystem::read_raw_inode(ext2_ino_t ino) const {
    std::vector<std::uint8_t> raw(inode_size());
    errcode_t err = ext2fs_read_inode2(fs_, ino, reinterpret_cast<struct ext2_inode*>(raw.data()),
                                       static_cast<int>(raw.size()), READ_INODE_NOCSUM);
    if (err)
        return unexpected(error(err, "reading inode", fmt::format("<{}>", ino)));
    return raw;
}

bool Filesystem::inode_checksum_ok(ext2_ino_t ino, const std::vector<std::uint8_t>& raw) const {
    if (!has_metadata_csum())
        return true;
    // ext2fs_inode_csum_verify does not modify the inode; its prototype is just not const.
    auto copy = raw;
    return ext2fs_inode_csum_verify(fs_, ino, reinterpret_cast<struct ext2_inode_large*>(copy.data()));
}

Result<InlineLayout> Filesystem::layout(const InodeRef& ref) const {
    const auto raw = E4I_TRY(read_raw_inode(ref.ino));
    return parse_inline_layout(raw, has_inline_data());
}

Result<std::vector<std::uint8_t>> Filesystem::read_content(const InodeRef& ref) const {
    const InlineLayout l = E4I_TRY(layout(ref));
    return read_content(ref, l);
}

Result<std::vector<std::uint8_t>> Filesystem::read_content(const InodeRef& ref, const InlineLayout& l) const {
    if (l.type == FileType::directory)
        return unexpected(error(ExitCode::not_applicable, "is a directory, not a file", ref.spec));
    if (l.type == FileType::unknown)
        return unexpected(error(ExitCode::not_applicable,
                                     fmt::format("mode {:04o} is no file type: a reserved or unused inode, no data",
                                                 l.mode),
                                     ref.spec));
    if (l.type != FileType::regular && l.type != FileType::symlink)
        return unexpected(error(ExitCode::not_applicable,
                                     fmt::format("is a {}, which has no data", file_type_name(l.type)), ref.spec));
    if (l.inline_flag()) {
        if (!l.system_data)
            return unexpected(error(ExitCode::operational,
                                         "inline data flag set but system.data xattr missing (corrupt)", ref.spec));
        if (l.size > l.inline_size)
            return unexpected(error(
                ExitCode::operational,
                fmt::format("i_size {} exceeds the inline size in use {} (corrupt)", l.size, l.inline_size),
                ref.spec));
        auto bytes = l.inline_bytes();
        bytes.resize(l.size);
        return bytes;
    }
    if (l.storage == Storage::fast_symlink)
        return std::vector<std::uint8_t>(l.i_block.begin(), l.i_block.begin() + l.size);

    ext2_file_t file = nullptr;
    errcode_t err = ext2fs_file_open(fs_, ref.ino, 0, &file);
    if (err)
        return unexpected(error(err, "opening", ref.spec));
    std::unique_ptr<ext2_file, decltype(&ext2fs_file_close)> owner(file, &ext2fs_file_close);
    // Grow as data arrives: a corrupt i_size must not become a huge allocation.
    std::vector<std::uint8_t> out;
    constexpr std::size_t chunk = 1u << 20;
    while (out.size() < l.size) {
        const std::size_t done = out.size();
        const auto want = static_cast<unsigned int>(std::min<std::uint64_t>(l.size - done, chunk));
        out.resize(done + want);
        unsigned int got = 0;
        if ((err = ext2fs_file_read(file, out.data() + done, want, &got)))
            return unexpected(error(err, "reading", ref.spec));
        out.resize(done + got);
        if (got == 0)
            break;
    }
    return out;
}

}  // namespace e4inline
