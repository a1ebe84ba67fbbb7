// e4inline verify: check every inline inode of an image, fsck-style.
#include <getopt.h>

#include <iostream>

#include <fmt/format.h>

#include "command.hpp"
#include "e4inline/text.hpp"
#include "e4inline/filesystem.hpp"
#include "e4inline/verify.hpp"

namespace e4inline::cli {

namespace {

int print_codes() {
    std::string out;
    for (const auto& f : finding_catalog())
        out += fmt::format("{:<29} {:<8} {:<36} {}\n", f.name, severity_name(f.severity), *f.e2fsck ? f.e2fsck : "-",
                           f.summary);
    return write_stdout(out) ? 0 : static_cast<int>(ExitCode::operational);
}

int run_verify(const Command& self, int argc, char** argv) {
    bool json = false, progress = false;
    static const option longopts[] = {{"json", no_argument, nullptr, 'j'},
                                      {"progress", no_argument, nullptr, 'p'},
                                      {"codes", no_argument, nullptr, 'c'},
                                      {"help", no_argument, nullptr, 'h'},
                                      {nullptr, 0, nullptr, 0}};
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "jpch", longopts, nullptr)) != -1;) {
        switch (c) {
        case 'j': json = true; break;
        case 'p': progress = true; break;
        case 'c': return print_codes();
        case 'h': return print_help(self);
        default: return usage_error(self, std::string("unknown option '") + argv[optind - 1] + "'");
        }
    }
    if (argc - optind != 1)
        return usage_error(self, "exactly one image is required");
    const std::string image = argv[optind];
    auto fs = Filesystem::open(image);
    if (!fs)
        return report(fs.error());
    ScanOptions options;
    if (progress)
        options.progress = [](std::uint32_t group, std::uint32_t groups) {
            std::cerr << "\rverify: group " << group << " of " << groups << (group == groups ? "\n" : "")
                      << std::flush;
        };
    auto result = verify(*fs, options);
    if (!result)
        return report(result.error());
    if (json)
        std::cout << json_text(verify_json(*result), 2) << '\n';
    else
        std::cout << verify_text(*result);
    return static_cast<int>(result->findings.empty() ? ExitCode::ok : ExitCode::findings);
}

}  // namespace

extern const Command verify_command{
    "verify",
    "[--json] [--progress] IMAGE\n       e4inline verify --codes",
    "check every in-use inode's inline data (fsck-style, read-only)",
    "  -j, --json       print the JSON document described in e4inline(8)\n"
    "  -p, --progress   report each block group on stderr\n"
    "  -c, --codes      list every finding code: severity, e2fsck problem, meaning\n"
    "Exit: 0 clean, 4 findings, 8 operational error, 16 usage.\n",
    run_verify,
};

}  // namespace e4inline::cli
