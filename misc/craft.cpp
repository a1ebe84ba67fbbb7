// e4inline craft: damage one inode on purpose, in a named way.
#include <iostream>

#include <fmt/format.h>

#include "command.hpp"
#include "verify/craft.hpp"
#include "e4inline/filesystem.hpp"
#include "lib/text.hpp"

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

// The inode KIND works on, when it works on an existing one: `fill` makes a
// new file and `bitmap-full` ignores its target.
bool targets_existing_inode(std::string_view kind) { return kind != "fill" && kind != "bitmap-full"; }

const option craft_options[] = {{"list", no_argument, nullptr, 'l'},
                                {"undo", required_argument, nullptr, 'z'},
                                {"dry-run", no_argument, nullptr, 'n'},
                                {"json", no_argument, nullptr, 'j'}};

int run_craft(const Command& self, int argc, char** argv) {
    std::string undo;
    bool dry_run = false, json = false;
    Args args;
    const int parsed = parse_args(self, argc, argv, args, [&](int c, const char* value) {
        switch (c) {
        case 'l': return print_kinds();
        case 'z': undo = value; break;
        case 'n': dry_run = true; break;
        case 'j': json = true; break;
        }
        return next_option;
    });
    if (parsed != next_option)
        return parsed;
    const std::string image = args.positional[0], target = args.positional[1], kind = args.positional[2];
    std::optional<std::string> arg;
    if (args.positional.size() == 4)
        arg = args.positional[3];
    if (!find_craft_kind(kind))
        return usage_error(self, "unknown kind '" + kind + "' (see --list)");
    // A dry run opens the image read-only: it checks the image and the
    // target, and says what it would damage.
    auto fs = Filesystem::open(image, args.for_write(dry_run, undo));
    if (!fs)
        return report(fs.error());
    std::optional<InodeRef> ref;
    if (targets_existing_inode(kind)) {
        auto r = fs->resolve(target);
        if (!r)
            return report(r.error());
        ref = *r;
    }
    std::string done;
    if (dry_run) {
        done = "would craft " + kind + (ref ? fmt::format(" on inode {}", ref->ino) : std::string());
    } else {
        auto crafted = craft(*fs, target, kind, arg);
        if (!crafted)
            return report(crafted.error());
        done = *crafted;
        if (!ref)
            if (auto r = fs->resolve(target); r)
                ref = *r;
        if (auto closed = fs->close(); !closed)
            return report(closed.error());
    }
    if (json) {
        // e4inline(8), JSON OUTPUT: what was (or would be) changed.
        nlohmann::ordered_json j;
        put_name(j, "image", image);
        j["dry_run"] = dry_run;
        put_name(j, "target", target);
        j["inode"] = ref ? nlohmann::ordered_json(ref->ino) : nlohmann::ordered_json();
        j["kind"] = kind;
        j["arg"] = arg ? nlohmann::ordered_json(*arg) : nlohmann::ordered_json();
        j["result"] = done;
        std::cout << json_text(j, 2) << '\n';
    } else {
        std::cout << printable(image) << ": " << printable(target) << ": " << kind << ": " << done << '\n';
    }
    return 0;
}

}  // namespace

extern const Command craft_command{
    "craft",
    "[--dry-run] [--json] [-z UNDO_FILE] IMAGE PATH|<INO> KIND [ARG]\n       e4inline craft --list",
    "damage one inode on purpose, in a named way (for testing checkers and kernels)",
    "  -l, --list       describe every KIND, its target and the finding it produces\n"
    "  -n, --dry-run    open the image read-only, check the target, say what would be damaged\n"
    "  -j, --json       print what was done as one JSON object (e4inline(8))\n"
    "  -z, --undo FILE  save the overwritten blocks to FILE (replay: e2undo FILE IMAGE)\n"
    "Exit: 0 done, 1 target not suitable for KIND, 8 operational error, 16 usage.\n",
    run_craft,
    craft_options,
    3,
    4,
    true,
    true,  // options end at IMAGE: ARG may start with '-'
    "e4inline craft --list\n"
    "e4inline craft -z craft.undo disk.img /small system-data-missing\n"
    "e4inline craft --dry-run --json disk.img '<12>' size-past-inline\n",
};

}  // namespace e4inline::cli
