// libFuzzer target over the text manifest of `create --manifest`: every line
// parsed and checked before the first write, then written into a fresh copy
// of a small image. @SOURCE lines may name only the files of a scratch
// directory (a small and a large file, a directory, a link to /dev/zero), so
// that the run reads nothing else of the host and never blocks on a tty.
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/create_manifest.hpp"
#include "e4inline/filesystem.hpp"
#include "fuzz_image.hpp"

namespace fz = e4inline::fuzz;

namespace {

const std::vector<char>& base_image() {
    static const std::vector<char> image = fz::make_image("manifest-base.img", "512K");
    return image;
}

void make_sources() {
    const std::string d = fz::scratch_dir() + "/src";
    const std::string cmd = "mkdir -p '" + d + "/dir' && cd '" + d + "' && printf 'hi\\n' >small && : >empty && "
                            "head -c 3000 /dev/urandom >large && ln -sf /dev/zero zero && ln -sf small link";
    if (std::system(cmd.c_str()) != 0 || chdir(d.c_str()) != 0)
        std::abort();
}

// Only plain names after '@': nothing outside the scratch directory.
bool sources_confined(std::string_view text) {
    for (std::size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1))
        for (std::size_t i = at + 1; i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n'; ++i)
            if (text[i] == '/' || (text[i] == '.' && i == at + 1) || text[i] == '-')
                return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)base_image();
    make_sources();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (!sources_confined(text))
        return 0;
    fz::Fd manifest;
    if (!fz::memfd_with(manifest, data, size))
        return 0;
    fz::Fd image;
    const auto& base = base_image();
    if (!fz::memfd_with(image, base.data(), base.size()))
        return 0;
    e4inline::OpenOptions open;
    open.writable = (size & 1) == 0;
    auto fs = e4inline::Filesystem::open(image.path(), open);
    if (!fs)
        __builtin_trap();  // the base image must open
    e4inline::TreeOptions options;
    options.dry_run = !open.writable;
    options.allow_extents = (size & 2) != 0;
    auto summary = e4inline::create_from_manifest(*fs, manifest.path(), options);
    if (summary)
        (void)e4inline::tree_summary_text(*summary, options.dry_run);
    else
        (void)summary.error().message();
    if (open.writable)
        (void)fs->close();
    return 0;
}
