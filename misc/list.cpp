// e4inline list: every inline inode under a path, one line (or object) each.
#include "command.hpp"
#include "e4inline/filesystem.hpp"
#include "lib/list.hpp"
#include "lib/text.hpp"

namespace e4inline::cli {

namespace {

const option list_options[] = {{"json", no_argument, nullptr, 'j'}};

int run_list(const Command& self, int argc, char** argv) {
    bool json = false;
    Args args;
    const int parsed = parse_args(self, argc, argv, args, [&](int c, const char*) {
        if (c == 'j')
            json = true;
        return next_option;
    });
    if (parsed != next_option)
        return parsed;
    const std::string image = args.positional[0];
    const std::string path = args.positional.size() > 1 ? args.positional[1] : "/";
    auto fs = Filesystem::open(image, args.read_only());
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
    list_options,
    1,
    2,
    true,
    false,
    "e4inline list disk.img\n"
    "e4inline list disk.img /etc\n"
    "e4inline list --json disk.img | jq -r '.[] | select(.fullness > 90) | .path'\n",
};

}  // namespace e4inline::cli
