#include "lib/inline_dir.hpp"

#include <cstring>

#include "lib/ondisk.hpp"
#include "lib/e4inlineP.hpp"

namespace e4inline {

namespace od = ondisk;

namespace {

using bytes::put_le16;
using bytes::put_le32;

void put_dirent(std::span<std::uint8_t> buf, std::size_t at, ext2_ino_t ino, std::size_t rec_len,
                const std::string& name, int file_type) {
    put_le32(buf, at, ino);
    put_le16(buf, at + 4, static_cast<std::uint16_t>(rec_len));
    buf[at + 6] = static_cast<std::uint8_t>(name.size());
    buf[at + 7] = static_cast<std::uint8_t>(file_type);
    std::memcpy(buf.data() + at + od::dirent_header_size, name.data(), name.size());
}

}  // namespace

std::size_t dirent_rec_len(std::size_t name_len) {
    return (od::dirent_header_size + name_len + 3) & ~std::size_t{3};
}

std::size_t pack_dirent_chain(std::vector<std::uint8_t>& buf, std::size_t begin, std::size_t end,
                              const std::vector<DirEntrySpec>& entries, std::size_t first) {
    std::size_t off = begin, i = first, last = end;
    while (i < entries.size() && off + dirent_rec_len(entries[i].name.size()) <= end) {
        const std::size_t len = dirent_rec_len(entries[i].name.size());
        put_dirent(buf, off, entries[i].ino, len, entries[i].name, entries[i].file_type);
        last = off;
        off += len;
        ++i;
    }
    if (last == end)
        put_dirent(buf, begin, 0, end - begin, {}, 0);
    else
        put_le16(buf, last + 4, static_cast<std::uint16_t>(end - last));
    return i - first;
}

std::optional<std::vector<std::uint8_t>> inline_dir_bytes(ext2_ino_t parent, const std::vector<DirEntrySpec>& entries,
                                                          std::size_t capacity) {
    if (capacity < od::i_block_size)
        return std::nullopt;
    std::vector<std::uint8_t> data(capacity, 0);
    put_le32(data, 0, parent);
    const std::size_t in_first = pack_dirent_chain(data, od::inline_dir_parent_size, od::i_block_size, entries, 0);
    if (in_first == entries.size()) {
        data.resize(od::i_block_size);
        return data;
    }
    std::size_t rest = 0;
    for (std::size_t i = in_first; i < entries.size(); ++i)
        rest += dirent_rec_len(entries[i].name.size());
    if (od::i_block_size + rest > capacity)
        return std::nullopt;
    pack_dirent_chain(data, od::i_block_size, capacity, entries, in_first);
    return data;
}

}  // namespace e4inline
