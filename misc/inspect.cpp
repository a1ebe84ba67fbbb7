// e4inline inspect: how each inode stores its data.
#include <getopt.h>

#include <iostream>

#include "command.hpp"
#include "e4inline/filesystem.hpp"
#include "e4inline/report.hpp"
#include "e4inline/text.hpp"

namespace e4inline::cli {

namespace {

int run_inspect(const Command& self, int argc, char** argv) {
    bool json = false, hex = false, require_inline = false;
    static const option longopts[] = {{"json", no_argument, nullptr, 'j'},
                                      {"hex", no_argument, nullptr, 'x'},
                                      {"require-inline", no_argument, nullptr, 'r'},
                                      {"help", no_argument, nullptr, 'h'},
                                      {nullptr, 0, nullptr, 0}};
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "jxrh", longopts, nullptr)) != -1;) {
        switch (c) {
        case 'j': json = true; break;
        case 'x': hex = true; break;
        case 'r': require_inline = true; break;
        case 'h': return print_help(self);
        default: return usage_error(self, std::string("unknown option '") + argv[optind - 1] + "'");
        }
    }
    if (argc - optind < 2)
        return usage_error(self, "an image and at least one path or <inode> are required");
    const std::string image = argv[optind++];
    auto fs = Filesystem::open(image);
    if (!fs)
        return report(fs.error());

    int status = 0;
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    bool first = true;
    for (int i = optind; i < argc; ++i) {
        auto in = inspect(*fs, argv[i]);
        if (!in) {
            status = std::max(status, report(in.error()));
            continue;
        }
        if (json) {
            all.push_back(inspect_json(*in, hex));
        } else {
            if (!first)
                std::cout << '\n';
            std::cout << inspect_text(*in, hex);
        }
        first = false;
        if (require_inline && !in->layout.inline_flag()) {
            std::cerr << "e4inline: " << image << ": " << argv[i] << ": not inline: " << in->layout.storage_reason
                      << '\n';
            status = std::max(status, static_cast<int>(ExitCode::not_applicable));
        }
    }
    if (json) {
        nlohmann::ordered_json doc;
        put_name(doc, "image", image);
        doc["inodes"] = std::move(all);
        std::cout << json_text(doc, 2) << '\n';
    }
    return status;
}

}  // namespace

extern const Command inspect_command{
    "inspect",
    "[--json] [--hex] [--require-inline] IMAGE PATH|<INO>...",
    "show how each inode's data is laid out (inline, extents, ...) and why",
    "  -j, --json            print the stable JSON document described in e4inline(8)\n"
    "  -x, --hex             add hexdumps of i_block and of the system.data value\n"
    "  -r, --require-inline  exit 1 when a target is not inline\n",
    run_inspect,
};

}  // namespace e4inline::cli
