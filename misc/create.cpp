// e4inline create: craft inline files, directories and symlinks, one at a time
// or in bulk from a directory tree or a manifest.
#include <getopt.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <iostream>
#include <iterator>

#include <fmt/format.h>

#include "command.hpp"
#include "e4inline/create.hpp"
#include "e4inline/create_manifest.hpp"
#include "e4inline/create_tree.hpp"
#include "e4inline/filesystem.hpp"

namespace e4inline::cli {

namespace {

template <class T>
bool parse_number(std::string_view s, T& out, int base = 10) {
    if (s.empty())
        return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return ec == std::errc() && p == s.data() + s.size();
}

void print_outcome(const CreateRequest& req, const CreateOutcome& out, bool dry_run) {
    const char* verb = dry_run ? "would create" : "created";
    for (const auto& p : out.parents_made)
        std::cout << (dry_run ? "would create" : "created") << " parent directory " << p << '\n';
    std::string what;
    switch (out.storage) {
    case Storage::inline_data: what = "inline"; break;
    case Storage::fast_symlink: what = "fast"; break;
    default: what = fmt::format("{} (not inline)", storage_name(out.storage)); break;
    }
    std::string size;
    if (req.kind == NodeKind::regular)
        size = fmt::format(", {} bytes", req.data.size());
    else if (req.kind == NodeKind::symlink)
        size = fmt::format(", {}-byte target", req.target.size());
    std::cout << verb << ' ' << req.path << ": " << what << ' ' << node_kind_name(req.kind) << size
              << fmt::format(" (inline capacity {})", out.capacity);
    if (out.ino)
        std::cout << fmt::format(", inode {}", out.ino);
    std::cout << '\n';
    if (!out.note.empty())
        std::cout << "note: " << out.note << '\n';
}

int run_create(const Command& self, int argc, char** argv) {
    CreateRequest req;
    TreeOptions tree;
    std::string from, pattern, undo_file, from_dir, manifest, into = "/";
    bool have_size = false, dry_run = false;
    std::uint64_t size = 0;
    enum { opt_allow_extents = 256, opt_dry_run, opt_into, opt_from_dir, opt_manifest, opt_mtime, opt_pattern };
    static const option longopts[] = {{"from", required_argument, nullptr, 'f'},
                                      {"size", required_argument, nullptr, 's'},
                                      {"pattern", required_argument, nullptr, opt_pattern},
                                      {"mode", required_argument, nullptr, 'm'},
                                      {"uid", required_argument, nullptr, 'u'},
                                      {"gid", required_argument, nullptr, 'g'},
                                      {"mtime", required_argument, nullptr, opt_mtime},
                                      {"dir", no_argument, nullptr, 'd'},
                                      {"symlink", required_argument, nullptr, 'l'},
                                      {"parents", no_argument, nullptr, 'p'},
                                      {"allow-extents", no_argument, nullptr, opt_allow_extents},
                                      {"dry-run", no_argument, nullptr, 'n'},
                                      {"undo", required_argument, nullptr, 'z'},
                                      {"from-dir", required_argument, nullptr, opt_from_dir},
                                      {"into", required_argument, nullptr, opt_into},
                                      {"manifest", required_argument, nullptr, opt_manifest},
                                      {"help", no_argument, nullptr, 'h'},
                                      {nullptr, 0, nullptr, 0}};
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "f:s:m:u:g:dl:pnz:h", longopts, nullptr)) != -1;) {
        const std::string_view arg = optarg ? optarg : "";
        switch (c) {
        case 'f': from = optarg; break;
        case 's':
            if (!parse_number(arg, size))
                return usage_error(self, "--size needs a byte count");
            have_size = true;
            break;
        case opt_pattern:
            if (arg.empty())
                return usage_error(self, "--pattern needs at least one byte");
            pattern = optarg;
            break;
        case 'm': {
            std::uint16_t m = 0;
            if (!parse_number(arg, m, 8) || m > 07777)
                return usage_error(self, "--mode needs octal permission bits (e.g. 0644)");
            req.attrs.perm = m;
            break;
        }
        case 'u':
            if (!parse_number(arg, req.attrs.uid))
                return usage_error(self, "--uid needs a number");
            break;
        case 'g':
            if (!parse_number(arg, req.attrs.gid))
                return usage_error(self, "--gid needs a number");
            break;
        case opt_mtime: {
            std::int64_t t = 0;
            if (!parse_number(arg, t) || t < 0 || t > 0xFFFFFFFFLL)
                return usage_error(self, "--mtime needs seconds since the epoch");
            req.attrs.mtime = t;
            break;
        }
        case 'd': req.kind = NodeKind::directory; break;
        case 'l':
            req.kind = NodeKind::symlink;
            req.target = optarg;
            break;
        case 'p': req.parents = true; break;
        case opt_allow_extents: req.allow_extents = true; break;
        case 'n': dry_run = true; break;
        case 'z': undo_file = optarg; break;
        case opt_from_dir: from_dir = optarg; break;
        case opt_into: into = optarg; break;
        case opt_manifest: manifest = optarg; break;
        case 'h': return print_help(self);
        default: return usage_error(self, std::string("unknown or incomplete option '") + argv[optind - 1] + "'");
        }
    }
    const bool bulk = !from_dir.empty() || !manifest.empty();
    if (!from_dir.empty() && !manifest.empty())
        return usage_error(self, "--from-dir and --manifest exclude each other");
    if (bulk ? argc - optind != 1 : argc - optind != 2)
        return usage_error(self, bulk ? "exactly an image is required with --from-dir or --manifest"
                                      : "exactly an image and one path are required");
    if (!from.empty() && have_size)
        return usage_error(self, "--from and --size exclude each other");
    if (!pattern.empty() && !have_size)
        return usage_error(self, "--pattern needs --size");
    if (req.kind != NodeKind::regular && (!from.empty() || have_size))
        return usage_error(self, "--from and --size are for regular files");
    const std::string image = argv[optind];

    if (!bulk) {
        req.path = argv[optind + 1];
        if (have_size) {
            if (size > (1ull << 30))
                return usage_error(self, "--size is limited to 1 GiB");
            req.data.resize(size, 0);
            for (std::size_t i = 0; !pattern.empty() && i < size; ++i)
                req.data[i] = static_cast<std::uint8_t>(pattern[i % pattern.size()]);
        }
    }

    auto fs = Filesystem::open(image, OpenOptions::for_write(dry_run, undo_file));
    if (!fs)
        return report(fs.error());
    if (!bulk && !from.empty()) {
        // Read once the image is open: what it can store bounds the read.
        auto data = read_file_source(*fs, from, req.allow_extents);
        if (!data)
            return report(data.error());
        req.data = std::move(*data);
    }

    if (bulk) {
        tree.dry_run = dry_run;
        tree.allow_extents = req.allow_extents;
        tree.parents = req.parents;
        Result<TreeSummary> summary = !from_dir.empty() ? create_from_dir(*fs, from_dir, into, tree)
                                                        : create_from_manifest(*fs, manifest, tree);
        if (!summary)
            return report(summary.error());
        // Nothing is on the image before close() commits it: report after.
        if (!dry_run)
            if (auto closed = fs->close(); !closed)
                return report(closed.error());
        std::cout << tree_summary_text(*summary, dry_run);
    } else {
        auto out = create_node(*fs, req, dry_run);
        if (!out)
            return report(out.error());
        if (!dry_run)
            if (auto closed = fs->close(); !closed)
                return report(closed.error());
        print_outcome(req, *out, dry_run);
    }
    return 0;
}

}  // namespace

extern const Command create_command{
    "create",
    "[OPTIONS] IMAGE PATH | IMAGE --from-dir DIR [--into PATH] | IMAGE --manifest FILE",
    "create an inline file, directory or symlink, or a whole tree",
    "  -f, --from FILE|-     the content of the regular file (- for standard input)\n"
    "  -s, --size N          N bytes of content (zeros, or --pattern repeated)\n"
    "      --pattern BYTES   the bytes to repeat for --size\n"
    "  -m, --mode OCTAL      permission bits (default 0644, 0755 dirs, 0777 symlinks)\n"
    "  -u, --uid U           owner (default 0)\n"
    "  -g, --gid G           group (default 0)\n"
    "      --mtime T         modification time, seconds since the epoch (default now)\n"
    "  -d, --dir             an inline directory\n"
    "  -l, --symlink TARGET  a symlink (inline from 60 bytes, fast below)\n"
    "  -p, --parents         make missing parent directories\n"
    "      --allow-extents   store data that does not fit inline in extents\n"
    "      --from-dir DIR    copy a directory tree (files, dirs, symlinks)\n"
    "      --into PATH       where --from-dir puts the tree (default /)\n"
    "      --manifest FILE   create what FILE lists: PATH TYPE [SIZE|@SOURCE|TARGET] [MODE]\n"
    "  -n, --dry-run         say what would be created and change nothing\n"
    "  -z, --undo FILE       save overwritten blocks to FILE (replay: e2undo FILE IMAGE)\n",
    run_create,
};

}  // namespace e4inline::cli
