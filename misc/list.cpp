// e4inline list: every inline inode under a path, one line (or object) each.
#include <getopt.h>

#include "command.hpp"
#include "e4inline/filesystem.hpp"
#include "e4inline/list.hpp"
#include "e4inline/text.hpp"

namespace e4inline::cli {

namespace {

int run_list(const Command& self, int argc, char** argv) {
    bool json = false;
    static const option longopts[] = {{"json", no_argument, nullptr, 'j'},
                                      {"help", no_argument, nullptr, 'h'},
                                      {nullptr, 0, nullptr, 0}};
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "jh", longopts, nullptr)) != -1;) {
        switch (c) {
        case 'j': json = true; break;
        case 'h': return print_help(self);
        default: return usage_error(self, std::string("unknown option '") + argv[optind - 1] + "'");
        }
    }
    if (argc - optind < 1 || argc - optind > 2)
        return usage_error(self, "an image and at most one path or <inode> are required");
    const std::string image = argv[optind++];
    const std::string path = optind < argc ? argv[optind] : "/";
    auto fs = Filesystem::open(image);
    if (!fs)
        return report(fs.error());
    auto listed = list_inline(*fs, path);
    if (!listed)
        return report(listed.error());
    const std::string out = json ? json_text(list_json(*listed), 2) + "\n" : list_text(*listed);
    return write_stdout(out) ? 0 : static_cast<int>(ExitCode::operational);
}

}  // namespace

extern const Command list_command{
    "list",
    "[--json] IMAGE [PATH|<INO>]",
    "list every inline inode under PATH (default /) with its size, capacity and fullness",
    "  -j, --json            print a JSON array, one object per inode (see e4inline(8))\n",
    run_list,
};

}  // namespace e4inline::cli
