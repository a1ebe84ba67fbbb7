// e4inline snapshot: a manifest of what the kernel shows of a mounted filesystem.
#include <iostream>

#include "command.hpp"
#include "lib/text.hpp"
#include "kernel/snapshot.hpp"

namespace e4inline::cli {

namespace {

int run_snapshot(const Command& self, int argc, char** argv) {
    Args args;
    if (const int parsed = parse_args(self, argc, argv, args, [](int, const char*) { return next_option; });
        parsed != next_option)
        return parsed;
    const std::string mountpoint = args.positional[0];
    auto m = snapshot(mountpoint, std::vector<std::string>(args.positional.begin() + 1, args.positional.end()));
    if (!m)
        return report(m.error());
    for (const auto& w : m->warnings)
        std::cerr << "e4inline: warning: " << printable(w) << '\n';
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
    {},
    1,
    -1,
    false,
    false,
    "e4inline snapshot /mnt > before.json\n"
    "e4inline snapshot /mnt /mnt/etc /mnt/small > some.json\n",
};

}  // namespace e4inline::cli
