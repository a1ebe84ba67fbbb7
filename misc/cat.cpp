// e4inline cat: the exact bytes of a file or symlink target.
#include <iostream>

#include "command.hpp"
#include "e4inline/filesystem.hpp"

namespace e4inline::cli {

namespace {

const option cat_options[] = {{"require-inline", no_argument, nullptr, 'r'}};

int run_cat(const Command& self, int argc, char** argv) {
    bool require_inline = false;
    Args args;
    const int parsed = parse_args(self, argc, argv, args, [&](int, const char*) {
        require_inline = true;  // -r, the only option
        return next_option;
    });
    if (parsed != next_option)
        return parsed;
    const std::string image = args.positional[0];
    const std::string spec = args.positional[1];
    auto fs = Filesystem::open(image, args.read_only());
    if (!fs)
        return report(fs.error());
    auto ref = fs->resolve(spec);
    if (!ref)
        return report(ref.error());
    auto layout = fs->layout(*ref);
    if (!layout)
        return report(layout.error());
    if (require_inline && !layout->inline_flag())
        return report(fs->error(ExitCode::not_applicable, "not inline: " + layout->storage_reason, spec));
    auto data = fs->read_content(*ref, *layout);
    if (!data)
        return report(data.error());
    if (!write_stdout(std::string_view(reinterpret_cast<const char*>(data->data()), data->size())))
        return report(errno_error(errno, "writing to standard output", spec, image));
    return 0;
}

}  // namespace

extern const Command cat_command{
    "cat",
    "[--require-inline] IMAGE PATH|<INO>",
    "write a file's or symlink's exact bytes (i_size of them) to standard output",
    "  -r, --require-inline  exit 1 unless the data is stored inline\n",
    run_cat,
    cat_options,
    2,
    2,
    true,
    false,
    "e4inline cat disk.img /etc/hostname\n"
    "e4inline cat --require-inline disk.img '<12>' | od -c\n",
};

}  // namespace e4inline::cli
