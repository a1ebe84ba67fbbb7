// e4inline snapshot: a manifest of what the kernel shows of a mounted filesystem.
#include <getopt.h>

#include <iostream>

#include "command.hpp"
#include "e4inline/text.hpp"
#include "e4inline/snapshot.hpp"

namespace e4inline::cli {

namespace {

int run_snapshot(const Command& self, int argc, char** argv) {
    static const option longopts[] = {{"help", no_argument, nullptr, 'h'}, {nullptr, 0, nullptr, 0}};
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "h", longopts, nullptr)) != -1;) {
        switch (c) {
        case 'h': return print_help(self);
        default: return usage_error(self, std::string("unknown option '") + argv[optind - 1] + "'");
        }
    }
    if (argc - optind < 1)
        return usage_error(self, "a MOUNTPOINT is required");
    const std::string mountpoint = argv[optind++];
    auto m = snapshot(mountpoint, std::vector<std::string>(argv + optind, argv + argc));
    if (!m)
        return report(m.error());
    for (const auto& w : m->warnings)
        std::cerr << "e4inline: warning: " << w << '\n';
    if (!write_stdout(json_text(manifest_json(*m), 1) + "\n"))
        return report(errno_error(errno, "writing to standard output", mountpoint));
    return 0;
}

}  // namespace

extern const Command snapshot_command{
    "snapshot",
    "MOUNTPOINT [PATH...] > MANIFEST",
    "record inode, size, inline flag and SHA-256 of the page cache per file, as JSON",
    "",
    run_snapshot,
};

}  // namespace e4inline::cli
