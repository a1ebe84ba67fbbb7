// One directory listing through libext2fs for every reader of directories
// (convert, crosscheck, snapshot, verify), so that all of them treat "." and
// ".." alike. By name: libext2fs hands an inline directory's "." and ".."
// over as ordinary entries (inline_data_dir_iterate synthesizes them).
#include <ext2fs/ext2fs.h>

#include "lib/e4inlineP.hpp"

namespace e4inline {

namespace {

int collect(ext2_ino_t, int, ext2_dir_entry* d, int, int, char*, void* priv) {
    auto* out = static_cast<DirListing*>(priv);
    const std::string_view name(d->name, static_cast<std::size_t>(ext2fs_dirent_name_len(d)));
    if (name == "..") {
        if (!out->parent)
            out->parent = d->inode;
    } else if (name != "." && d->inode != 0) {
        out->entries.push_back({std::string(name), d->inode, ext2fs_dirent_file_type(d)});
    }
    return 0;
}

}  // namespace

errcode_t list_dir(ext2_filsys fs, ext2_ino_t dir, DirListing& out) {
    out = DirListing{};
    return ext2fs_dir_iterate2(fs, dir, 0, nullptr, collect, &out);
}

}  // namespace e4inline
