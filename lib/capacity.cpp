// The inline capacity of an inode, by the kernel's rule: ext4_get_max_inline_size
// and get_max_inline_xattr_value_size (fs/ext4/inline.c). See lib/capacity.hpp.
#include "lib/capacity.hpp"

#include <cstddef>

#include "lib/ondisk.hpp"

namespace e4inline {

namespace od = ondisk;

namespace {

// Bytes of the in-inode xattr area after its header (the magic): 0 when the
// inode is too small to hold even the header.
std::size_t xattr_area_after_header(std::size_t inode_size, std::size_t area_offset) {
    return inode_size >= area_offset + od::xattr_ibody_header_size
               ? inode_size - area_offset - od::xattr_ibody_header_size
               : 0;
}

// No xattrs yet: room for the value of a new system.data entry once that
// entry and the end word take their place, rounded as values are.
std::size_t value_room_in_empty_area(std::size_t area) {
    const std::size_t need = od::xattr_entry_len(4) + od::xattr_round + 4;
    return area > need ? od::xattr_value_size(area - need) : 0;
}

// Xattrs present: the free bytes between the entry table (and its end word)
// and the lowest in-inode value, plus the value system.data already holds;
// without system.data, what is left once its entry would take its place.
std::size_t value_room_beside_xattrs(const InlineLayout& l, std::size_t area) {
    std::ptrdiff_t free_bytes = static_cast<std::ptrdiff_t>(lowest_xattr_value_offs(l, area));
    free_bytes -= static_cast<std::ptrdiff_t>(l.xattr_entries_bytes) + 4;
    if (l.system_data) {
        free_bytes += static_cast<std::ptrdiff_t>(od::xattr_value_size(l.xattrs[*l.system_data].value_size));
    } else {
        free_bytes -= static_cast<std::ptrdiff_t>(od::xattr_entry_len(4));
        free_bytes = free_bytes > static_cast<std::ptrdiff_t>(od::xattr_round)
                         ? static_cast<std::ptrdiff_t>(od::xattr_value_size(free_bytes - od::xattr_round))
                         : 0;
    }
    return free_bytes > 0 ? static_cast<std::size_t>(free_bytes) : 0;
}

}  // namespace

std::size_t lowest_xattr_value_offs(const InlineLayout& l, std::size_t area) {
    std::size_t lowest = area;
    for (const auto& e : l.xattrs)
        if (e.value_inum == 0 && e.value_size != 0 && e.value_offs < lowest)
            lowest = e.value_offs;
    return lowest;
}

std::size_t max_inline_size(std::size_t inode_size, const InlineLayout& l) {
    // With i_extra_isize 0 (or one ext4_iget refuses) there is no xattr area.
    if (!l.extra_isize_valid || l.extra_isize == 0)
        return 0;
    const std::size_t area = xattr_area_after_header(inode_size, l.xattr_area_offset);
    const std::size_t value_room = l.xattr_magic_ok ? value_room_beside_xattrs(l, area) : value_room_in_empty_area(area);
    return od::i_block_size + value_room;
}

std::size_t new_inode_max_inline_size(std::size_t inode_size, std::uint16_t extra_isize) {
    InlineLayout l;
    l.extra_isize = extra_isize;
    l.extra_isize_valid = extra_isize % 4 == 0 && od::good_old_inode_size + extra_isize <= inode_size;
    l.xattr_area_offset = od::good_old_inode_size + extra_isize;
    return max_inline_size(inode_size, l);
}

}  // namespace e4inline
