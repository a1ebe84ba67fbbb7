// e4inline crosscheck: the kernel's page cache against the inline bytes on disk.
#include <charconv>
#include <cstdlib>
#include <iostream>

#include "command.hpp"
#include "lib/text.hpp"
#include "kernel/crosscheck.hpp"
#include "kernel/snapshot.hpp"

namespace e4inline::cli {

namespace {

bool parse_seconds(const char* text, std::chrono::milliseconds& out) {
    char* end = nullptr;
    const double s = std::strtod(text, &end);
    if (!end || *end || end == text || !(s > 0) || s > 86400)
        return false;
    out = std::chrono::milliseconds(static_cast<long long>(s * 1000));
    return true;
}

const option crosscheck_options[] = {{"json", no_argument, nullptr, 'j'},
                                     {"no-freeze", no_argument, nullptr, 'n'},
                                     {"inline-only", no_argument, nullptr, 'i'},
                                     {"max-freeze", required_argument, nullptr, 'm'},
                                     {"manifest", required_argument, nullptr, 'M'},
                                     {"threads", required_argument, nullptr, 't'},
                                     {"prewarm", no_argument, nullptr, 'p'},
                                     {"walk-frozen", no_argument, nullptr, 'W'},
                                     {"no-io-uring", no_argument, nullptr, 'U'},
                                     {"no-checkpoint", no_argument, nullptr, 'C'},
                                     {"floor", no_argument, nullptr, 'F'}};

// --manifest: an unmounted IMAGE against a manifest written by snapshot.
int run_manifest_check(const std::string& manifest, const std::string& image, bool json) {
    auto r = check_manifest(manifest, image);
    if (!r)
        return report(r.error());
    if (json)
        std::cout << json_text(manifest_check_json(*r), 2) << '\n';
    else
        std::cout << manifest_check_text(*r);
    return static_cast<int>(r->equal() ? ExitCode::ok : ExitCode::findings);
}

// --floor: only the time of an O_DIRECT read of the inode tables in use.
int run_floor(const std::string& mountpoint, bool json) {
    auto f = crosscheck_floor(mountpoint);
    if (!f)
        return report(f.error());
    if (json) {
        nlohmann::ordered_json j;
        put_name(j, "device", f->device);
        j["bytes"] = f->bytes;
        j["floor_ms"] = f->ms;
        std::cout << json_text(j, 2) << '\n';
    } else {
        std::cout << "read " << f->bytes << " bytes of inode tables from " << printable(f->device)
                  << " with O_DIRECT in " << f->ms << " ms\n";
    }
    return 0;
}

// The testing hooks, from the environment.
void set_test_hooks(CrosscheckOptions& options) {
    // For the test that changes the image during the check: a shell
    // command run after the kernel's view is read, before the freeze.
    if (const char* cmd = std::getenv("E4INLINE_TEST_BEFORE_FREEZE"))
        options.before_freeze = [cmd] {
            if (std::system(cmd) != 0)
                std::cerr << "e4inline: warning: the E4INLINE_TEST_BEFORE_FREEZE command failed\n";
        };
    // For the watchdog test: hold the freeze this long.
    if (const char* hold = std::getenv("E4INLINE_TEST_HOLD_FREEZE_MS"))
        options.hold_freeze = std::chrono::milliseconds(std::atoll(hold));
}

int run_crosscheck(const Command& self, int argc, char** argv) {
    bool json = false, floor = false;
    std::string manifest;
    CrosscheckOptions options;
    Args args;
    const int parsed = parse_args(self, argc, argv, args, [&](int c, const char* optarg) {
        switch (c) {
        case 'j': json = true; break;
        case 'n': options.freeze = false; break;
        case 'i': options.inline_only = true; break;
        case 'm':
            if (!parse_seconds(optarg, options.max_freeze))
                return usage_error(self, std::string("--max-freeze wants a positive number of seconds, not '") +
                                             optarg + "'");
            break;
        case 'M': manifest = optarg; break;
        case 'p': options.prewarm = true; break;
        case 'W': options.walk_frozen = true; break;
        case 'U': options.io_uring = false; break;
        case 'C': options.checkpoint = false; break;
        case 'F': floor = true; break;
        case 't': {
            char* end = nullptr;
            const long t = std::strtol(optarg, &end, 10);
            if (!end || *end || t < 1 || t > 64)
                return usage_error(self, std::string("--threads wants 1..64, not '") + optarg + "'");
            options.threads = static_cast<int>(t);
            break;
        }
        }
        return next_option;
    });
    if (parsed != next_option)
        return parsed;
    if (!manifest.empty()) {
        if (const int counted = check_arg_count(self, args.positional, 1, 1); counted != next_option)
            return counted;
        return run_manifest_check(manifest, args.positional[0], json);
    }
    const std::string mountpoint = args.positional[0];
    const std::vector<std::string> paths(args.positional.begin() + 1, args.positional.end());
    if (floor)
        return run_floor(mountpoint, json);
    set_test_hooks(options);
    if (!options.freeze)
        std::cerr << "e4inline: warning: --no-freeze: syncing instead of freezing; concurrent writers can cause "
                     "false reports\n";
    auto r = crosscheck(mountpoint, paths, options);
    if (!r)
        return report(r.error());
    if (json)
        std::cout << json_text(crosscheck_json(*r), 2) << '\n';
    else
        std::cout << crosscheck_text(*r);
    return static_cast<int>(r->equal() ? ExitCode::ok : ExitCode::findings);
}

}  // namespace

extern const Command crosscheck_command{
    "crosscheck",
    "[--json] [--no-freeze] [--inline-only] [--max-freeze S] [--prewarm] [--threads N] [--walk-frozen]\n"
    "       [--no-io-uring] [--no-checkpoint] MOUNTPOINT [PATH...]\n"
    "       e4inline crosscheck [--json] --floor MOUNTPOINT\n"
    "       e4inline crosscheck [--json] --manifest MANIFEST IMAGE",
    "compare the kernel's page cache and flags with the inodes on disk (frozen); 4 on mismatches",
    "  -j, --json            print the JSON document described in e4inline(8)\n"
    "  -n, --no-freeze       syncfs instead of FIFREEZE (concurrent writers can cause false reports)\n"
    "  -i, --inline-only     compare only files that are inline (on disk or in the kernel)\n"
    "  -m, --max-freeze S    never hold the freeze longer than S seconds (default 10)\n"
    "  -p, --prewarm         with --walk-frozen: read everything once before freezing\n"
    "  -W, --walk-frozen     the old way: read the kernel's whole view while frozen (longer freeze)\n"
    "  -U, --no-io-uring     read the device with preads, not io_uring\n"
    "  -C, --no-checkpoint   leave the journal to FIFREEZE (no EXT4_IOC_CHECKPOINT before it)\n"
    "  -F, --floor           only time an O_DIRECT read of the inode-table blocks in use\n"
    "  -t, --threads N       read the kernel's view with N threads (default 2)\n"
    "  -M, --manifest FILE   compare IMAGE offline against a manifest made by `e4inline snapshot`\n",
    run_crosscheck,
    crosscheck_options,
    1,
    -1,
    false,
    false,
    "e4inline crosscheck /mnt\n"
    "e4inline crosscheck --json --inline-only /mnt /mnt/etc | jq '.summary'\n"
    "e4inline snapshot /mnt > m.json && umount /mnt && e4inline crosscheck --manifest m.json disk.img\n",
};

}  // namespace e4inline::cli
