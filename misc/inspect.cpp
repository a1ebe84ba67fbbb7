// e4inline inspect: how each inode stores its data.
#include <iostream>

#include "command.hpp"
#include "e4inline/filesystem.hpp"
#include "e4inline/inspect.hpp"
#include "lib/inspect_json.hpp"
#include "lib/text.hpp"

namespace e4inline::cli {

namespace {

const option inspect_options[] = {{"json", no_argument, nullptr, 'j'},
                                  {"hex", no_argument, nullptr, 'x'},
                                  {"require-inline", no_argument, nullptr, 'r'}};

int run_inspect(const Command& self, int argc, char** argv) {
    bool json = false, hex = false, require_inline = false;
    Args args;
    const int parsed = parse_args(self, argc, argv, args, [&](int c, const char*) {
        switch (c) {
        case 'j': json = true; break;
        case 'x': hex = true; break;
        case 'r': require_inline = true; break;
        }
        return next_option;
    });
    if (parsed != next_option)
        return parsed;
    const std::string image = args.positional[0];
    auto fs = Filesystem::open(image, args.read_only());
    if (!fs)
        return report(fs.error());

    int status = 0;
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    bool first = true;
    for (const char* spec : args.positional.subspan(1)) {
        auto in = inspect(*fs, spec);
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
            std::cerr << "e4inline: " << printable(image) << ": " << printable(spec) << ": not inline: " << in->layout.storage_reason
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
    inspect_options,
    2,
    -1,
    true,
    false,
    "e4inline inspect disk.img /etc/hostname\n"
    "e4inline inspect --json disk.img '<12>' | jq '.inodes[0].layout'\n"
    "e4inline inspect --require-inline --hex disk.img /small\n",
};

}  // namespace e4inline::cli
