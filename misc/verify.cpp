// e4inline verify: check every inline inode of an image, fsck-style.
#include <iostream>

#include <fmt/format.h>

#include "command.hpp"
#include "lib/text.hpp"
#include "e4inline/filesystem.hpp"
#include "verify/verify.hpp"

namespace e4inline::cli {

namespace {

// The finding catalogue; as JSON {"codes": [{"name", "severity", "e2fsck"
// (null when e2fsck has no such problem), "summary"}, ...]}.
int print_codes(bool json) {
    std::string out;
    if (json) {
        nlohmann::ordered_json codes = nlohmann::ordered_json::array();
        for (const auto& f : finding_catalog())
            codes.push_back({{"name", f.name},
                             {"severity", severity_name(f.severity)},
                             {"e2fsck", *f.e2fsck ? nlohmann::ordered_json(f.e2fsck) : nlohmann::ordered_json()},
                             {"summary", f.summary}});
        out = json_text(nlohmann::ordered_json{{"codes", std::move(codes)}}, 2) + "\n";
    } else {
        for (const auto& f : finding_catalog())
            out += fmt::format("{:<29} {:<8} {:<36} {}\n", f.name, severity_name(f.severity),
                               *f.e2fsck ? f.e2fsck : "-", f.summary);
    }
    return write_stdout(out) ? 0 : static_cast<int>(ExitCode::operational);
}

const option verify_options[] = {{"json", no_argument, nullptr, 'j'},
                                 {"progress", no_argument, nullptr, 'p'},
                                 {"codes", no_argument, nullptr, 'c'}};

int run_verify(const Command& self, int argc, char** argv) {
    bool json = false, progress = false, codes = false;
    Args args;
    const int parsed = parse_args(self, argc, argv, args, [&](int c, const char*) {
        switch (c) {
        case 'j': json = true; break;
        case 'p': progress = true; break;
        case 'c': codes = true; break;
        }
        return next_option;
    });
    if (parsed != next_option)
        return parsed;
    if (codes)
        return print_codes(json);
    if (const int counted = check_arg_count(self, args.positional, 1, 1); counted != next_option)
        return counted;
    const std::string image = args.positional[0];
    auto fs = Filesystem::open(image, args.read_only());
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
    "[--json] [--progress] IMAGE\n       e4inline verify [--json] --codes",
    "check every in-use inode's inline data (fsck-style, read-only)",
    "  -j, --json       print the JSON document described in e4inline(8)\n"
    "  -p, --progress   report each block group on stderr\n"
    "  -c, --codes      list every finding code: severity, e2fsck problem, meaning\n"
    "Exit: 0 clean, 4 findings, 8 operational error, 16 usage.\n",
    run_verify,
    verify_options,
    0,  // with --codes; else exactly one IMAGE
    1,
    true,
    false,
    "e4inline verify disk.img\n"
    "e4inline verify --json disk.img | jq '.findings[].code'\n"
    "e4inline verify --codes --json | jq -r '.codes[].name'\n",
};

}  // namespace e4inline::cli
