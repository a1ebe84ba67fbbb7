// libFuzzer target over the JSON manifest of `crosscheck --manifest`: the
// type-checked reading (e4inline/text.hpp), the check of an image against
// it, both reports, and the promise that manifest_json and
// manifest_from_json round-trip every path byte for byte (names that are not
// UTF-8 included).
#include <cstdint>
#include <string>

#include "kernel/snapshot.hpp"
#include "lib/text.hpp"
#include "fuzz_image.hpp"

namespace fz = e4inline::fuzz;

namespace {

const std::string& image_path() {
    static const std::string path = [] {
        const std::string src = fz::scratch_dir() + "/tree";
        const std::string cmd = "mkdir -p '" + src + "/d' && cd '" + src + "' && printf 'hi\\n' >f && "
                                "head -c 100 /dev/zero >d/g && ln -s f l && printf x >\"$(printf 'bad\\377name')\"";
        if (std::system(cmd.c_str()) != 0)
            std::abort();
        (void)fz::make_image("crosscheck-base.img", "256K", src);
        return fz::scratch_dir() + "/crosscheck-base.img";
    }();
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)image_path();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string why;
    if (auto doc = e4inline::parse_json(text, why)) {
        if (auto m = e4inline::manifest_from_json(*doc, "input")) {
            const std::string again = e4inline::json_text(e4inline::manifest_json(*m));
            auto doc2 = e4inline::parse_json(again, why);
            if (!doc2)
                __builtin_trap();
            auto m2 = e4inline::manifest_from_json(*doc2, "again");
            if (!m2 || m2->files.size() != m->files.size() || m2->mountpoint != m->mountpoint ||
                m2->device != m->device)
                __builtin_trap();
            for (std::size_t i = 0; i < m->files.size(); ++i)
                if (m2->files[i].path != m->files[i].path || m2->files[i].sha256 != m->files[i].sha256)
                    __builtin_trap();
        }
    }
    fz::Fd manifest;
    if (!fz::memfd_with(manifest, data, size))
        return 0;
    auto check = e4inline::check_manifest(manifest.path(), image_path());
    if (check) {
        (void)e4inline::manifest_check_text(*check);
        (void)e4inline::json_text(e4inline::manifest_check_json(*check), 2);
    } else {
        (void)check.error().message();
    }
    return 0;
}
