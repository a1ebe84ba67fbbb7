// e4inline cat: the exact bytes of a file or symlink target.
#include <getopt.h>

#include <iostream>

#include "command.hpp"
#include "e4inline/filesystem.hpp"

namespace e4inline::cli {

namespace {

int run_cat(const Command& self, int argc, char** argv) {
    bool require_inline = false;
    static const option longopts[] = {{"require-inline", no_argument, nullptr, 'r'},
                                      {"help", no_argument, nullptr, 'h'},
                                      {nullptr, 0, nullptr, 0}};
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "rh", longopts, nullptr)) != -1;) {
        switch (c) {
        case 'r': require_inline = true; break;
        case 'h': return print_help(self);
        default: return usage_error(self, std::string("unknown option '") + argv[optind - 1] + "'");
        }
    }
    if (argc - optind != 2)
        return usage_error(self, "exactly an image and one path or <inode> are required");
    const std::string image = argv[optind];
    const std::string spec = argv[optind + 1];
    auto fs = Filesystem::open(image);
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
};

}  // namespace e4inline::cli
