// Builds raw ext4 inodes byte by byte, so the parser can be tested on layouts
// (and corruptions) that no mkfs would write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace e4inline::test {

struct XattrSpec {
    std::uint8_t index;
    std::string name;
    std::vector<std::uint8_t> value;
    std::optional<std::uint16_t> value_offs;  // override the computed offset
    std::uint32_t value_inum = 0;
};

class InodeBuilder {
public:
    explicit InodeBuilder(std::size_t inode_size = 256, std::uint16_t extra_isize = 32)
        : raw_(inode_size, 0), extra_isize_(extra_isize) {
        put16(128, extra_isize);
        mode(0100644);
    }
    InodeBuilder& mode(std::uint16_t m) { put16(0, m); return *this; }
    InodeBuilder& flags(std::uint32_t f) { put32(32, f); return *this; }
    InodeBuilder& size(std::uint64_t s) { put32(4, static_cast<std::uint32_t>(s)); put32(108, static_cast<std::uint32_t>(s >> 32)); return *this; }
    InodeBuilder& i_block(const std::vector<std::uint8_t>& bytes) {
        for (std::size_t i = 0; i < bytes.size() && i < 60; ++i) raw_[40 + i] = bytes[i];
        return *this;
    }
    InodeBuilder& magic(std::uint32_t m) { magic_ = m; return *this; }
    // Empty values: the kernel writes e_value_offs 0, e2fsprogs the end offset.
    InodeBuilder& empty_value_offs_at_end(bool yes) { empty_at_end_ = yes; return *this; }
    InodeBuilder& xattr(XattrSpec x) { xattrs_.push_back(std::move(x)); return *this; }
    InodeBuilder& system_data(std::vector<std::uint8_t> value = {}) {
        return xattr({7, "data", std::move(value), std::nullopt, 0});
    }
    InodeBuilder& no_terminator() { terminate_ = false; return *this; }

    std::vector<std::uint8_t> build() const {
        auto raw = raw_;
        const std::size_t header = 128 + extra_isize_;
        if ((!magic_ && xattrs_.empty()) || header + 4 > raw.size())
            return raw;
        put32(raw, header, magic_.value_or(0xEA020000));
        const std::size_t first = header + 4;
        std::size_t entry = first;
        std::size_t value_end = raw.size() - first;  // relative to first entry
        for (const auto& x : xattrs_) {
            std::uint16_t offs = 0;
            if (!x.value.empty()) {
                value_end -= (x.value.size() + 3) & ~std::size_t{3};
                offs = static_cast<std::uint16_t>(value_end);
                for (std::size_t i = 0; i < x.value.size() && first + offs + i < raw.size(); ++i)
                    raw[first + offs + i] = x.value[i];
            } else if (empty_at_end_) {
                offs = static_cast<std::uint16_t>(value_end);
            }
            if (x.value_offs) offs = *x.value_offs;
            const std::size_t len = (16 + x.name.size() + 3) & ~std::size_t{3};
            if (entry + 16 <= raw.size()) {
                raw[entry] = static_cast<std::uint8_t>(x.name.size());
                raw[entry + 1] = x.index;
                put16(raw, entry + 2, offs);
                put32(raw, entry + 4, x.value_inum);
                put32(raw, entry + 8, static_cast<std::uint32_t>(x.value.size()));
                for (std::size_t i = 0; i < x.name.size() && entry + 16 + i < raw.size(); ++i)
                    raw[entry + 16 + i] = static_cast<std::uint8_t>(x.name[i]);
            }
            entry += len;
        }
        if (!terminate_) {
            // Fill the rest with a non-zero pattern so no end word is found.
            for (std::size_t i = entry; i < raw.size(); ++i) raw[i] = 0xff;
        }
        return raw;
    }

private:
    void put16(std::size_t off, std::uint16_t v) { put16(raw_, off, v); }
    void put32(std::size_t off, std::uint32_t v) { put32(raw_, off, v); }
    static void put16(std::vector<std::uint8_t>& r, std::size_t off, std::uint16_t v) {
        r[off] = v & 0xff; r[off + 1] = v >> 8;
    }
    static void put32(std::vector<std::uint8_t>& r, std::size_t off, std::uint32_t v) {
        for (int i = 0; i < 4; ++i) r[off + i] = (v >> (8 * i)) & 0xff;
    }

    std::vector<std::uint8_t> raw_;
    std::uint16_t extra_isize_;
    std::optional<std::uint32_t> magic_;
    std::vector<XattrSpec> xattrs_;
    bool empty_at_end_ = false;
    bool terminate_ = true;
};

inline constexpr std::uint32_t inline_fl = 0x10000000;
inline constexpr std::uint32_t extents_fl = 0x00080000;

}  // namespace e4inline::test
