#include "e4inline/inspect.hpp"
#include "lib/inspect_json.hpp"

#include <fmt/format.h>

#include "lib/ondisk.hpp"
#include "lib/text.hpp"

namespace e4inline {

namespace {

struct FlagName {
    std::uint32_t bit;
    const char* name;
};

// EXT4_*_FL, as include/linux/fs.h and fs/ext4/ext4.h name them.
constexpr FlagName flag_names[] = {
    {0x00000001, "SECRM"},     {0x00000002, "UNRM"},        {0x00000004, "COMPR"},
    {0x00000008, "SYNC"},      {0x00000010, "IMMUTABLE"},   {0x00000020, "APPEND"},
    {0x00000040, "NODUMP"},    {0x00000080, "NOATIME"},     {0x00000100, "DIRTY"},
    {0x00000200, "COMPRBLK"},  {0x00000400, "NOCOMPR"},     {0x00000800, "ENCRYPT"},
    {0x00001000, "INDEX"},     {0x00002000, "IMAGIC"},      {0x00004000, "JOURNAL_DATA"},
    {0x00008000, "NOTAIL"},    {0x00010000, "DIRSYNC"},     {0x00020000, "TOPDIR"},
    {0x00040000, "HUGE_FILE"}, {0x00080000, "EXTENTS"},     {0x00100000, "VERITY"},
    {0x00200000, "EA_INODE"},  {0x02000000, "DAX"},         {0x10000000, "INLINE_DATA"},
    {0x20000000, "PROJINHERIT"}, {0x40000000, "CASEFOLD"},
};

const char* region_name(int region) { return region == 0 ? "i_block" : "system.data"; }

}  // namespace

Result<InspectedInode> inspect(const Filesystem& fs, std::string_view spec) {
    InspectedInode in;
    in.ref = E4I_TRY(fs.resolve(spec));
    const auto raw = E4I_TRY(fs.read_raw_inode(in.ref.ino));
    in.layout = parse_inline_layout(raw, fs.has_inline_data());
    in.checksum_checked = fs.has_metadata_csum();
    in.checksum_ok = fs.inode_checksum_ok(in.ref.ino, raw);
    return in;
}

std::vector<std::string> inode_flag_names(std::uint32_t flags) {
    std::vector<std::string> names;
    std::uint32_t known = 0;
    for (const auto& f : flag_names) {
        known |= f.bit;
        if (flags & f.bit)
            names.emplace_back(f.name);
    }
    if (flags & ~known)
        names.push_back(fmt::format("0x{:08x}", flags & ~known));
    return names;
}

std::string hexdump(std::span<const std::uint8_t> bytes, std::size_t base, const std::string& indent) {
    std::string out;
    for (std::size_t off = 0; off < bytes.size(); off += 16) {
        out += indent + fmt::format("{:08x} ", base + off);  // hexdump -C: 8-digit offsets
        std::string ascii;
        for (std::size_t i = 0; i < 16; ++i) {
            if (i == 8)
                out += ' ';
            if (off + i < bytes.size()) {
                const auto c = bytes[off + i];
                out += fmt::format(" {:02x}", c);
                ascii += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
            } else {
                out += "   ";
            }
        }
        out += "  |" + ascii + "|\n";
    }
    return out;
}

std::string inspect_text(const InspectedInode& in, bool with_hex) {
    const InlineLayout& l = in.layout;
    std::string t;
    auto line = [&t](std::string_view field, const std::string& value) {
        t += fmt::format("{}: {}\n", field, value);
    };
    line("Inode", std::to_string(in.ref.ino));
    if (!in.ref.spec.empty() && in.ref.spec.front() != '<')
        line("Path", in.ref.spec);
    line("Type", file_type_name(l.type));
    line("Mode", fmt::format("{:04o}", l.mode & 07777));
    line("Links", std::to_string(l.links));
    line("UID", std::to_string(l.uid));
    line("GID", std::to_string(l.gid));
    std::string flags = fmt::format("0x{:08x}", l.flags);
    const auto names = inode_flag_names(l.flags);
    if (!names.empty()) {
        flags += " (";
        for (std::size_t i = 0; i < names.size(); ++i)
            flags += (i ? " " : "") + names[i];
        flags += ")";
    }
    line("Flags", flags);
    line("Size", std::to_string(l.size));
    line("Blocks", std::to_string(l.blocks));
    line("Inode size", std::to_string(l.inode_size));
    line("Extra isize", std::to_string(l.extra_isize) + (l.extra_isize_valid ? "" : " (invalid)"));
    line("Storage", storage_name(l.storage));
    line("Reason", l.storage_reason);
    line("Inline capacity", std::to_string(l.capacity));
    if (l.inline_flag()) {
        line("Size of inline data", std::to_string(l.inline_size));
        if (l.system_data) {
            const auto& sd = l.xattrs[*l.system_data];
            line("system.data", fmt::format("{} bytes, entry at {}, value at {}", sd.value_size, sd.entry_offset,
                                            sd.value_in_bounds ? std::to_string(sd.value_offset) : "-"));
        } else {
            line("system.data", "missing");
        }
    }
    if (l.xattr_area_present)
        line("Xattr area", fmt::format("offset {}, magic 0x{:08x}, {} bytes free", l.xattr_area_offset,
                                       l.xattr_magic, l.xattr_free));
    for (const auto& e : l.xattrs)
        line("Xattr", fmt::format("{} index {} entry {} value_offs {} size {} inum {}", c_quoted(e.full_name()),
                                  e.name_index, e.entry_offset, e.value_offs, e.value_size, e.value_inum));
    if (l.dir_parent)
        line("Parent", std::to_string(*l.dir_parent));
    for (const auto& d : l.dir_entries)
        line("Entry", fmt::format("{} {} rec_len {} name_len {} type {} at {} ({})", d.inode, c_quoted(d.name),
                                  d.rec_len, d.name_len, d.file_type, d.offset, region_name(d.region)));
    if (l.symlink_target)
        line("Target", c_quoted(*l.symlink_target));
    if (in.checksum_checked)
        line("Checksum", in.checksum_ok ? "ok" : "bad");
    for (const auto& p : l.issues)
        line("Problem", fmt::format("{}: {}", layout_problem_name(p.problem), p.detail));
    if (with_hex) {
        t += "i_block:\n" + hexdump(l.i_block, 0);
        if (!l.system_data_value.empty())
            t += "system.data value:\n" + hexdump(l.system_data_value, ondisk::i_block_size);
    }
    return t;
}

nlohmann::ordered_json inspect_json(const InspectedInode& in, bool with_hex) {
    using nlohmann::ordered_json;
    const InlineLayout& l = in.layout;
    ordered_json j;
    j["inode"] = in.ref.ino;
    put_name_or_null(j, "path", (!in.ref.spec.empty() && in.ref.spec.front() != '<') ? std::optional(in.ref.spec)
                                                                              : std::nullopt);
    j["type"] = file_type_name(l.type);
    j["mode"] = fmt::format("{:04o}", l.mode & 07777);
    j["links"] = l.links;
    j["uid"] = l.uid;
    j["gid"] = l.gid;
    j["flags"] = l.flags;
    j["flag_names"] = inode_flag_names(l.flags);
    j["size"] = l.size;
    j["blocks"] = l.blocks;
    j["inode_size"] = l.inode_size;
    j["extra_isize"] = l.extra_isize;
    j["extra_isize_valid"] = l.extra_isize_valid;
    j["storage"] = storage_name(l.storage);
    j["reason"] = l.storage_reason;
    j["capacity"] = l.capacity;
    j["inline_size"] = l.inline_size;
    if (l.system_data) {
        const auto& sd = l.xattrs[*l.system_data];
        j["system_data"] = {{"entry_offset", sd.entry_offset},
                            {"value_offset", sd.value_in_bounds ? ordered_json(sd.value_offset) : ordered_json()},
                            {"value_size", sd.value_size}};
    } else {
        j["system_data"] = nullptr;
    }
    ordered_json xattrs = ordered_json::array();
    for (const auto& e : l.xattrs) {
        ordered_json x;
        put_name(x, "name", e.full_name());
        x.update(ordered_json{{"index", e.name_index},
                          {"entry_offset", e.entry_offset},
                          {"value_offs", e.value_offs},
                          {"value_size", e.value_size},
                          {"value_inum", e.value_inum},
                              {"hash", e.hash}});
        xattrs.push_back(std::move(x));
    }
    j["xattr_area"] = l.xattr_area_present ? ordered_json{{"offset", l.xattr_area_offset},
                                                          {"magic", l.xattr_magic},
                                                          {"magic_ok", l.xattr_magic_ok},
                                                          {"free", l.xattr_free},
                                                          {"entries", xattrs}}
                                           : ordered_json();
    if (l.dir_parent) {
        ordered_json entries = ordered_json::array();
        for (const auto& d : l.dir_entries) {
            ordered_json e{{"inode", d.inode}};
            put_name(e, "name", d.name);
            e.update(ordered_json{{"rec_len", d.rec_len},
                               {"name_len", d.name_len},
                               {"file_type", d.file_type},
                               {"offset", d.offset},
                                  {"region", region_name(d.region)}});
            entries.push_back(std::move(e));
        }
        j["directory"] = {{"parent", *l.dir_parent}, {"entries", entries}};
    } else {
        j["directory"] = nullptr;
    }
    put_name_or_null(j, "symlink_target", l.symlink_target);
    j["checksum"] = in.checksum_checked ? ordered_json(in.checksum_ok ? "ok" : "bad") : ordered_json("n/a");
    ordered_json problems = ordered_json::array();
    for (const auto& p : l.issues)
        problems.push_back({{"code", layout_problem_name(p.problem)}, {"detail", p.detail}});
    j["problems"] = problems;
    if (with_hex) {
        j["hex"] = {{"i_block", hex_string(l.i_block)}, {"system_data", hex_string(l.system_data_value)}};
    }
    return j;
}

std::string inspect_json_text(const InspectedInode& in, bool with_hex, int indent) {
    return json_text(inspect_json(in, with_hex), indent);
}

}  // namespace e4inline
