// libFuzzer target over one raw inode: inspect's text and JSON reports of
// whatever our parser makes of the bytes, and the JSON edge's promise that a
// name survives the trip into JSON and back byte for byte (e4inline(8),
// JSON OUTPUT). Input: byte 0 picks the inode size (128, 256, 512, 1024),
// then the inode, then the rest is the PATH the inode was asked for.
#include <cstdint>
#include <string>

#include "e4inline/layout.hpp"
#include "e4inline/inspect.hpp"
#include "lib/inspect_json.hpp"
#include "lib/text.hpp"

namespace {

// A name read back from the document must be the bytes that went in.
void same_name(const nlohmann::json& obj, const char* key, const std::string& want) {
    std::string got, why;
    if (!e4inline::json_read_name(obj, key, got, why) || got != want)
        __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    static constexpr std::size_t sizes[] = {128, 256, 512, 1024};
    const std::size_t isize = sizes[data[0] & 3];
    const std::size_t have = std::min(size - 1, isize);
    e4inline::InspectedInode in;
    in.ref.ino = 12;
    in.ref.spec = size - 1 > isize ? std::string(reinterpret_cast<const char*>(data + 1 + isize), size - 1 - isize)
                                   : "<12>";
    in.layout = e4inline::parse_inline_layout(std::span(data + 1, have), (data[0] & 4) == 0);
    in.checksum_checked = (data[0] & 8) != 0;
    for (bool hex : {false, true}) {
        (void)e4inline::inspect_text(in, hex);
        const std::string text = e4inline::json_text(e4inline::inspect_json(in, hex), hex ? 2 : -1);
        std::string why;
        const auto doc = e4inline::parse_json(text, why);
        if (!doc)
            __builtin_trap();  // we wrote something that is not JSON
        const auto& l = in.layout;
        if (!in.ref.spec.empty() && in.ref.spec.front() != '<')
            same_name(*doc, "path", in.ref.spec);
        if (l.xattr_area_present)
            for (std::size_t i = 0; i < l.xattrs.size(); ++i)
                same_name((*doc)["xattr_area"]["entries"][i], "name", l.xattrs[i].full_name());
        if (l.dir_parent)
            for (std::size_t i = 0; i < l.dir_entries.size(); ++i)
                same_name((*doc)["directory"]["entries"][i], "name", l.dir_entries[i].name);
        if (l.symlink_target)
            same_name(*doc, "symlink_target", *l.symlink_target);
    }
    return 0;
}
