// e4inline craft: damage one inode on purpose, in a named way.
#include <getopt.h>

#include <iostream>

#include <fmt/format.h>

#include "command.hpp"
#include "e4inline/craft.hpp"
#include "e4inline/filesystem.hpp"

namespace e4inline::cli {

namespace {

int print_kinds() {
    std::string out;
    for (const auto& k : craft_kinds()) {
        out += fmt::format("{}\n    {}\n    target: {}", k.name, k.summary, k.target);
        if (*k.arg)
            out += fmt::format("; ARG: {}", k.arg);
        out += fmt::format("; verify finding: {}\n", *k.finding ? k.finding : "(none)");
    }
    return write_stdout(out) ? 0 : static_cast<int>(ExitCode::operational);
}

int run_craft(const Command& self, int argc, char** argv) {
    std::string undo;
    static const option longopts[] = {{"list", no_argument, nullptr, 'l'},
                                      {"undo", required_argument, nullptr, 'z'},
                                      {"help", no_argument, nullptr, 'h'},
                                      {nullptr, 0, nullptr, 0}};
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "+lz:h", longopts, nullptr)) != -1;) {
        switch (c) {
        case 'l': return print_kinds();
        case 'z': undo = optarg; break;
        case 'h': return print_help(self);
        default: return usage_error(self, std::string("bad option '") + argv[optind - 1] + "'");
        }
    }
    const int left = argc - optind;
    if (left < 3 || left > 4)
        return usage_error(self, "IMAGE, PATH|<INO> and KIND are required");
    const std::string image = argv[optind], target = argv[optind + 1], kind = argv[optind + 2];
    std::optional<std::string> arg;
    if (left == 4)
        arg = argv[optind + 3];
    if (!find_craft_kind(kind))
        return usage_error(self, "unknown kind '" + kind + "' (see --list)");
    auto fs = Filesystem::open(image, OpenOptions::for_write(false, undo));
    if (!fs)
        return report(fs.error());
    auto done = craft(*fs, target, kind, arg);
    if (!done)
        return report(done.error());
    if (auto closed = fs->close(); !closed)
        return report(closed.error());
    std::cout << image << ": " << target << ": " << kind << ": " << *done << '\n';
    return 0;
}

}  // namespace

extern const Command craft_command{
    "craft",
    "[-z UNDO_FILE] IMAGE PATH|<INO> KIND [ARG]\n       e4inline craft --list",
    "damage one inode on purpose, in a named way (for testing checkers and kernels)",
    "  -l, --list       describe every KIND, its target and the finding it produces\n"
    "  -z, --undo FILE  save the overwritten blocks to FILE (replay: e2undo FILE IMAGE)\n"
    "Exit: 0 done, 1 target not suitable for KIND, 8 operational error, 16 usage.\n",
    run_craft,
};

}  // namespace e4inline::cli
