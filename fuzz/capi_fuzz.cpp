// libFuzzer target over the C API on image bytes: e4i_open, then
// e4i_inspect, e4i_inspect_json and e4i_read on the first inodes and a few
// paths. Whatever the bytes, every call returns (nothing is thrown across
// the C boundary), the JSON it hands out parses, and an error leaves a
// message in e4i_last_error().
#include <cstdint>
#include <cstring>
#include <string>

#include "e4inline/e4inline.h"
#include "lib/text.hpp"
#include "fuzz_image.hpp"

namespace fz = e4inline::fuzz;

namespace {

void must_have_message(int rc) {
    if (rc != 0 && *e4i_last_error() == '\0')
        __builtin_trap();
}

// e4i_read returns i_size bytes in one buffer: a corrupt or sparse inode
// claiming terabytes would take terabytes (a known limit, libe4inline(3)).
constexpr std::uint64_t max_read = std::uint64_t{1} << 24;

void try_spec(e4i_fs* fs, const std::string& spec) {
    e4i_inline_info info{};
    const int inspected = e4i_inspect(fs, spec.c_str(), &info);
    must_have_message(inspected);
    char* json = nullptr;
    const int rc = e4i_inspect_json(fs, spec.c_str(), &json);
    must_have_message(rc);
    if (rc == 0) {
        std::string why;
        if (!e4inline::parse_json(json, why))
            __builtin_trap();
        e4i_free(json);
    }
    unsigned char* bytes = nullptr;
    std::size_t len = 0;
    if (inspected == 0 && info.size <= max_read && e4i_read(fs, spec.c_str(), &bytes, &len) == 0)
        e4i_free(bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fz::Fd image;
    if (!fz::memfd_with(image, data, size))
        return 0;
    e4i_fs* fs = nullptr;
    const int rc = e4i_open(image.path().c_str(), E4I_OPEN_READONLY, &fs);
    must_have_message(rc);
    if (rc != 0)
        return 0;
    for (unsigned ino = 0; ino <= 20; ++ino)
        try_spec(fs, "<" + std::to_string(ino) + ">");
    for (const char* spec : {"/", "/lost+found", "/f", "/d/g", "/l", "d", "/./d/../f", "<99999999999999999999>",
                             "<-1>", "<>", "", "/f/x"})
        try_spec(fs, spec);
    e4i_close(fs);
    return 0;
}
