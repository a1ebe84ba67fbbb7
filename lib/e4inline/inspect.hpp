// How an InlineLayout is shown: the human "Field: value" lines and the stable
// JSON schema documented in e4inline(8). Shared by the tool and the C API.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "e4inline/filesystem.hpp"
#include "e4inline/layout.hpp"

namespace e4inline {

struct InspectedInode {
    InodeRef ref;
    InlineLayout layout;
    bool checksum_checked = false;  // metadata_csum on
    bool checksum_ok = true;
};

E4I_EXPORT Result<InspectedInode> inspect(const Filesystem& fs, std::string_view spec);

// "INLINE_DATA", "EXTENTS", ... for the bits set; unknown bits as 0x... .
E4I_EXPORT std::vector<std::string> inode_flag_names(std::uint32_t flags);

// `hexdump -C`-style lines: offset, 16 bytes in hex, printable ASCII.
E4I_EXPORT std::string hexdump(std::span<const std::uint8_t> bytes, std::size_t base = 0, const std::string& indent = "  ");

E4I_EXPORT std::string inspect_text(const InspectedInode& in, bool with_hex);
// The JSON document of e4inline inspect --json (e4inline(8)) as text: on one
// line with INDENT -1, else pretty-printed INDENT spaces deep. (The tree
// builds it as a value with lib/inspect_json.hpp.)
E4I_EXPORT std::string inspect_json_text(const InspectedInode& in, bool with_hex, int indent = -1);

}  // namespace e4inline
