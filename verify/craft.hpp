// craft: damage one inode on purpose, in one named way per verify finding
// that an inode edit can produce, plus `fill` and `bitmap-full`, which make
// block allocation fail for the kernel race workloads. Raw inodes are written
// through libext2fs (ext2fs_write_inode2 recomputes the metadata_csum
// checksum), except by inode-checksum-bad, whose point is a wrong checksum.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "e4inline/filesystem.hpp"

namespace e4inline {

struct CraftKind {
    const char* name;
    const char* finding;  // the verify finding it produces, "" for fill/bitmap-full
    const char* target;   // what it needs: "inline file <= 60 bytes", ...
    const char* arg;      // the optional ARG and its default, "" when none
    const char* summary;
};

std::span<const CraftKind> craft_kinds();
const CraftKind* find_craft_kind(std::string_view name);

// Apply KIND to TARGET ("<INO>" or a path; for `fill`, the new file's path)
// on a filesystem opened writable. Returns one line saying what was changed.
Result<std::string> craft(Filesystem& fs, std::string_view target, std::string_view kind,
                          std::optional<std::string> arg = std::nullopt);

}  // namespace e4inline
