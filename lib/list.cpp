// e4inline list: a walk of the directory tree that keeps the inline inodes.
// The storage facts come from the inode's InlineLayout (layout.cpp), so the
// capacity shown is the one inspect and verify show.
#include "lib/list.hpp"

#include <algorithm>
#include <array>
#include <set>

#include <fmt/format.h>

#include "lib/text.hpp"

namespace e4inline {

namespace {

struct Child {
    std::string name;
    ext2_ino_t ino;
};

// A directory's entries without "." and "..", in byte order of their names so
// that the listing does not depend on the order (or hash) of the directory.
Result<std::vector<Child>> sorted_children(const Filesystem& fs, ext2_ino_t dir, const std::string& path) {
    std::vector<Child> out;
    auto collect = [](ext2_ino_t, int, ext2_dir_entry* de, int, int, char*, void* priv) -> int {
        const std::string name(de->name, static_cast<std::size_t>(ext2fs_dirent_name_len(de)));
        if (de->inode != 0 && name != "." && name != "..")
            static_cast<std::vector<Child>*>(priv)->push_back({name, de->inode});
        return 0;
    };
    if (errcode_t err = ext2fs_dir_iterate2(fs.raw(), dir, 0, nullptr, collect, &out))
        return unexpected(fs.error(err, "reading directory", path));
    std::sort(out.begin(), out.end(), [](const Child& a, const Child& b) { return a.name < b.name; });
    return out;
}

// "/" + the path as given, without trailing slashes: "d/" and "/d" list as "/d".
std::string display_path(std::string_view spec) {
    std::string p(spec);
    if (p.empty() || (p.front() != '/' && p.front() != '<'))
        p.insert(p.begin(), '/');
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    return p;
}

std::string child_path(const std::string& dir, const std::string& name) {
    return dir == "/" ? "/" + name : dir + "/" + name;
}

}  // namespace

unsigned ListedInode::fullness() const {
    return capacity ? static_cast<unsigned>(in_use * 100 / capacity) : 0;
}

Result<std::vector<ListedInode>> list_inline(const Filesystem& fs, std::string_view path) {
    const InodeRef top = E4I_TRY(fs.resolve(path));
    std::vector<ListedInode> out;
    std::set<ext2_ino_t> seen{top.ino};
    // Depth first, pre-order: a directory's line comes before its contents.
    std::vector<InodeRef> todo{{top.ino, display_path(top.spec)}};
    while (!todo.empty()) {
        const InodeRef ref = std::move(todo.back());
        todo.pop_back();
        const InlineLayout l = E4I_TRY(fs.layout(ref));
        if (l.inline_flag())
            out.push_back({ref.ino, ref.spec, l.type, l.size, l.inline_size, l.capacity});
        if (l.type != FileType::directory)
            continue;
        const auto children = E4I_TRY(sorted_children(fs, ref.ino, ref.spec));
        for (auto it = children.rbegin(); it != children.rend(); ++it)
            if (seen.insert(it->ino).second)
                todo.push_back({it->ino, child_path(ref.spec, it->name)});
    }
    return out;
}

std::string list_text(const std::vector<ListedInode>& inodes) {
    const char* header[] = {"INODE", "TYPE", "SIZE", "IN_USE", "CAPACITY", "FULL", "PATH"};
    std::vector<std::array<std::string, 7>> rows;
    rows.push_back({});
    for (std::size_t c = 0; c < 7; ++c)
        rows[0][c] = header[c];
    for (const auto& i : inodes)
        rows.push_back({std::to_string(i.ino), file_type_name(i.type), std::to_string(i.size),
                        std::to_string(i.in_use), std::to_string(i.capacity), fmt::format("{}%", i.fullness()),
                        printable(i.path)});
    std::array<std::size_t, 7> width{};
    for (const auto& r : rows)
        for (std::size_t c = 0; c < 7; ++c)
            width[c] = std::max(width[c], r[c].size());
    std::string t;
    for (const auto& r : rows) {
        // Numbers right-aligned, the type left-aligned, the path last and unpadded.
        t += fmt::format("{:>{}}  {:<{}}  {:>{}}  {:>{}}  {:>{}}  {:>{}}  {}\n", r[0], width[0], r[1], width[1], r[2],
                         width[2], r[3], width[3], r[4], width[4], r[5], width[5], r[6]);
    }
    return t;
}

nlohmann::ordered_json list_json(const std::vector<ListedInode>& inodes) {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const auto& i : inodes) {
        nlohmann::ordered_json j;
        j["inode"] = i.ino;
        put_name(j, "path", i.path);
        j["type"] = file_type_name(i.type);
        j["size"] = i.size;
        j["in_use"] = i.in_use;
        j["capacity"] = i.capacity;
        j["fullness"] = i.fullness();
        all.push_back(std::move(j));
    }
    return all;
}

}  // namespace e4inline
