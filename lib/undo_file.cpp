#include "lib/undo_file.hpp"
#include "lib/e4inlineP.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>

#include <ext2fs/ext2fs.h>

namespace e4inline {

namespace {

// The layout of struct undo_header and struct undo_key_block in
// e2fsprogs' undo_io.c and e2undo.c (all fields little-endian).
constexpr char undo_magic[8] = {'E', '2', 'U', 'N', 'D', 'O', '0', '2'};
constexpr std::size_t hdr_size = 512;
constexpr std::size_t hdr_num_keys = 8, hdr_super_offset = 16, hdr_key_offset = 24, hdr_block_size = 32,
                      hdr_fs_block_size = 36, hdr_sb_crc = 40, hdr_state = 44, hdr_f_compat = 48,
                      hdr_fs_offset = 64, hdr_crc = 508;
// f_compat: the header's fs_offset says where the filesystem starts in the
// device; e2undo then applies it unless given -o.
constexpr std::uint32_t compat_fs_offset = 1;
constexpr std::uint32_t state_finished = 1;
constexpr std::uint32_t key_block_magic = 0xCADECADE;
constexpr std::size_t key_size = 16;
constexpr std::size_t keys_per_block = undo_unit / key_size - 1;
// A key covers at most E2UNDO_MAX_EXTENT_BLOCKS undo blocks.
constexpr std::size_t max_key_bytes = 512 * undo_unit;
// Where s_magic sits in the superblock; the copy is stored with it inverted
// so that the undo file itself is never taken for a filesystem.
constexpr std::size_t sb_magic_offset = 56;

void put_le(std::uint8_t* p, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
        p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint32_t crc32c(const std::uint8_t* p, std::size_t n) { return ext2fs_crc32c_le(~0U, p, n); }

std::string dir_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

bool write_all(int fd, const std::uint8_t* p, std::size_t n, off_t at) {
    while (n > 0) {
        const ssize_t w = pwrite(fd, p, n, at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= static_cast<std::size_t>(w);
        at += w;
    }
    return true;
}

}  // namespace

Result<std::string> check_undo_path(const std::string& path, const struct stat& image_st, const std::string& image) {
    std::string target = path;
    struct stat lst{};
    if (lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
        char* real = realpath(path.c_str(), nullptr);
        if (!real)
            return unexpected(errno_error(errno, "following the symlink of undo file", path, image));
        target = real;
        std::free(real);
    }
    struct stat st{};
    if (stat(target.c_str(), &st) == 0) {
        const bool same_file = st.st_dev == image_st.st_dev && st.st_ino == image_st.st_ino;
        const bool same_device = S_ISBLK(st.st_mode) && S_ISBLK(image_st.st_mode) && st.st_rdev == image_st.st_rdev;
        if (same_file || same_device)
            return unexpected(plain_error(ExitCode::usage, "the undo file is the image itself; refusing to use it",
                                               path, image));
        if (!S_ISREG(st.st_mode))
            return unexpected(plain_error(ExitCode::usage, "the undo file exists and is not a regular file",
                                               path, image));
        if (st.st_size > 0) {
            UniqueFd f{::open(target.c_str(), O_RDONLY | O_CLOEXEC)};
            std::array<char, sizeof undo_magic> magic{};
            if (!f || read(f.get(), magic.data(), magic.size()) != static_cast<ssize_t>(magic.size()) ||
                std::memcmp(magic.data(), undo_magic, sizeof undo_magic) != 0)
                return unexpected(plain_error(
                    ExitCode::usage, "the undo file exists and is not an undo file; refusing to overwrite it", path,
                    image));
        }
    } else if (errno != ENOENT) {
        return unexpected(errno_error(errno, "checking undo file", path, image));
    }
    const std::string dir = dir_of(target);
    struct stat dst{};
    if (stat(dir.c_str(), &dst) != 0)
        return unexpected(errno_error(errno, "checking the directory of undo file", path, image));
    if (!S_ISDIR(dst.st_mode))
        return unexpected(errno_error(ENOTDIR, "checking the directory of undo file", path, image));
    if (access(dir.c_str(), W_OK | X_OK) != 0)
        return unexpected(errno_error(errno, "checking the directory of undo file", path, image));
    return target;
}

namespace {

// One key of the undo file: a run of original bytes at an image offset.
struct UndoKey {
    std::uint64_t offset;
    const std::uint8_t* data;
    std::size_t size;
};

// Split the saved ranges into keys no longer than e2undo accepts.
std::vector<UndoKey> undo_keys(const std::vector<SavedRange>& saved) {
    std::vector<UndoKey> keys;
    for (const auto& r : saved)
        for (std::size_t at = 0; at < r.original.size(); at += max_key_bytes)
            keys.push_back({r.offset + at, r.original.data() + at, std::min(max_key_bytes, r.original.size() - at)});
    return keys;
}

// Block 1: the superblock copy, with its magic inverted so that nothing takes
// the undo file for a filesystem; SB_CRC the checksum of the copy before that.
std::vector<std::uint8_t> undo_super_block(const std::vector<std::uint8_t>& final_super, std::uint32_t& sb_crc) {
    std::vector<std::uint8_t> sb(undo_unit, 0);
    std::memcpy(sb.data(), final_super.data(), std::min(final_super.size(), undo_unit));
    sb_crc = crc32c(sb.data(), undo_unit);
    sb[sb_magic_offset] ^= 0xff;
    sb[sb_magic_offset + 1] ^= 0xff;
    return sb;
}

// One key block for the N keys from FIRST, followed by their data, each
// padded to the unit.
std::vector<std::uint8_t> undo_key_group(const std::vector<UndoKey>& keys, std::size_t first, std::size_t n) {
    std::vector<std::uint8_t> group(undo_unit, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const UndoKey& k = keys[first + i];
        std::uint8_t* kp = group.data() + key_size * (i + 1);
        put_le(kp, k.offset / undo_unit, 8);
        put_le(kp + 8, crc32c(k.data, k.size), 4);
        put_le(kp + 12, k.size, 4);
        group.insert(group.end(), k.data, k.data + k.size);
        group.resize((group.size() + undo_unit - 1) / undo_unit * undo_unit, 0);
    }
    put_le(group.data(), key_block_magic, 4);
    put_le(group.data() + 4, crc32c(group.data(), undo_unit), 4);
    return group;
}

// The header block: NUM_KEYS keys from block 2, the superblock in block 1.
std::vector<std::uint8_t> undo_header(std::size_t num_keys, std::uint32_t sb_crc, std::uint64_t fs_offset) {
    std::vector<std::uint8_t> hdr(undo_unit, 0);
    std::memcpy(hdr.data(), undo_magic, sizeof undo_magic);
    put_le(hdr.data() + hdr_num_keys, num_keys, 8);
    put_le(hdr.data() + hdr_super_offset, 1, 8);
    put_le(hdr.data() + hdr_key_offset, 2, 8);
    put_le(hdr.data() + hdr_block_size, undo_unit, 4);
    put_le(hdr.data() + hdr_fs_block_size, undo_unit, 4);
    put_le(hdr.data() + hdr_sb_crc, sb_crc, 4);
    put_le(hdr.data() + hdr_state, state_finished, 4);
    if (fs_offset) {
        put_le(hdr.data() + hdr_f_compat, compat_fs_offset, 4);
        put_le(hdr.data() + hdr_fs_offset, fs_offset, 8);
    }
    put_le(hdr.data() + hdr_crc, crc32c(hdr.data(), hdr_size - 4), 4);
    return hdr;
}

}  // namespace

Result<void> write_undo_file(const std::string& path, const std::vector<SavedRange>& saved,
                             const std::vector<std::uint8_t>& final_super, std::uint64_t fs_offset,
                             const std::string& image,
                             const std::function<Result<void>()>& step) {
    const std::vector<UndoKey> keys = undo_keys(saved);
    std::string tmp_name = path + ".XXXXXX";
    UniqueFd tmp{mkostemp(tmp_name.data(), O_CLOEXEC)};
    if (!tmp)
        return unexpected(errno_error(errno, "creating undo file", path, image));
    auto fail = [&](int err, const char* op) -> Result<void> {
        unlink(tmp_name.c_str());
        return unexpected(errno_error(err, op, path, image));
    };
    // A failing step (the tests' fault injection) leaves no temporary behind.
    auto take_step = [&]() -> Result<void> {
        auto r = step();
        if (!r)
            unlink(tmp_name.c_str());
        return r;
    };

    // Block 1: the superblock copy; key blocks and data from block 2 on.
    std::uint32_t sb_crc = 0;
    const std::vector<std::uint8_t> sb = undo_super_block(final_super, sb_crc);
    E4I_TRY(take_step());
    if (!write_all(tmp.get(), sb.data(), sb.size(), undo_unit))
        return fail(errno, "writing undo file");
    std::uint64_t block = 2;
    for (std::size_t first = 0; first < keys.size(); first += keys_per_block) {
        const std::vector<std::uint8_t> group =
            undo_key_group(keys, first, std::min(keys_per_block, keys.size() - first));
        E4I_TRY(take_step());
        if (!write_all(tmp.get(), group.data(), group.size(), static_cast<off_t>(block * undo_unit)))
            return fail(errno, "writing undo file");
        block += group.size() / undo_unit;
    }
    // The header last: until it is in place the file is no undo file at all.
    const std::vector<std::uint8_t> hdr = undo_header(keys.size(), sb_crc, fs_offset);
    if (fsync(tmp.get()) != 0)
        return fail(errno, "syncing undo file");
    E4I_TRY(take_step());
    if (!write_all(tmp.get(), hdr.data(), hdr.size(), 0))
        return fail(errno, "writing undo file");
    if (fsync(tmp.get()) != 0)
        return fail(errno, "syncing undo file");
    if (rename(tmp_name.c_str(), path.c_str()) != 0)
        return fail(errno, "renaming the new undo file to");
    UniqueFd dir{::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir)
        fsync(dir.get());
    return {};
}

}  // namespace e4inline
