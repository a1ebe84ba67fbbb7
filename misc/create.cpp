// e4inline create: craft inline files, directories and symlinks, one at a time
// or in bulk from a directory tree or a manifest.
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <iostream>
#include <iterator>

#include <fmt/format.h>

#include "command.hpp"
#include "e4inline/create.hpp"
#include "lib/create_manifest.hpp"
#include "lib/create_tree.hpp"
#include "e4inline/filesystem.hpp"
#include "lib/text.hpp"

namespace e4inline::cli {

namespace {

template <class T>
bool parse_number(std::string_view s, T& out, int base = 10) {
    if (s.empty())
        return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return ec == std::errc() && p == s.data() + s.size();
}

// A byte count as mke2fs takes sizes: digits, then optionally K, M or G
// (either case, powers of 1024: 1k is 1024 bytes). No suffix means bytes.
bool parse_size(std::string_view s, std::uint64_t& out) {
    unsigned shift = 0;
    if (!s.empty()) {
        switch (s.back()) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        }
        if (shift)
            s.remove_suffix(1);
    }
    std::uint64_t n = 0;
    if (!parse_number(s, n) || n > (UINT64_MAX >> shift))
        return false;
    out = n << shift;
    return true;
}

// The --json documents (e4inline(8), JSON OUTPUT).
nlohmann::ordered_json outcome_json(const std::string& image, const CreateRequest& req, const CreateOutcome& out,
                                    bool dry_run) {
    nlohmann::ordered_json j;
    put_name(j, "image", image);
    j["dry_run"] = dry_run;
    put_name(j, "path", req.path);
    // The type names of inspect's JSON (file_type_name), not the words of the text.
    j["type"] = req.kind == NodeKind::regular ? "regular" : req.kind == NodeKind::directory ? "directory" : "symlink";
    j["storage"] = storage_name(out.storage);
    if (req.kind == NodeKind::regular)
        j["size"] = req.data.size();
    else if (req.kind == NodeKind::symlink)
        j["size"] = req.target.size();
    else
        j["size"] = nullptr;
    j["capacity"] = out.capacity;
    j["inode"] = out.ino ? nlohmann::ordered_json(out.ino) : nlohmann::ordered_json();
    nlohmann::ordered_json parents = nlohmann::ordered_json::array();
    for (const auto& p : out.parents_made) {
        nlohmann::ordered_json one;
        put_name(one, "path", p);
        parents.push_back(std::move(one));
    }
    j["parents_made"] = std::move(parents);
    j["note"] = out.note.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(out.note);
    return j;
}

nlohmann::ordered_json tree_json(const std::string& image, const std::string& from_dir, const std::string& into,
                                 const std::string& manifest, const TreeSummary& s, bool dry_run) {
    nlohmann::ordered_json j;
    put_name(j, "image", image);
    j["dry_run"] = dry_run;
    if (!from_dir.empty()) {
        put_name(j, "from_dir", from_dir);
        put_name(j, "into", into);
    } else {
        put_name(j, "manifest", manifest);
    }
    j["files"] = s.files;
    j["files_inline"] = s.files_inline;
    j["dirs"] = s.dirs;
    j["dirs_inline"] = s.dirs_inline;
    j["symlinks"] = s.symlinks;
    j["symlinks_inline"] = s.symlinks_inline;
    j["symlinks_fast"] = s.symlinks_fast;
    j["hardlinks"] = s.hardlinks;
    j["skipped"] = s.skipped;
    j["bytes"] = s.bytes;
    return j;
}

void print_outcome(const CreateRequest& req, const CreateOutcome& out, bool dry_run) {
    const char* verb = dry_run ? "would create" : "created";
    for (const auto& p : out.parents_made)
        std::cout << (dry_run ? "would create" : "created") << " parent directory " << printable(p) << '\n';
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
    std::cout << verb << ' ' << printable(req.path) << ": " << what << ' ' << node_kind_name(req.kind) << size
              << fmt::format(" (inline capacity {})", out.capacity);
    if (out.ino)
        std::cout << fmt::format(", inode {}", out.ino);
    std::cout << '\n';
    if (!out.note.empty())
        std::cout << "note: " << out.note << '\n';
}

enum { opt_allow_extents = 256, opt_into, opt_from_dir, opt_manifest, opt_mtime, opt_pattern };

const option create_options[] = {{"from", required_argument, nullptr, 'f'},
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
                                 {"json", no_argument, nullptr, 'j'},
                                 {"undo", required_argument, nullptr, 'z'},
                                 {"from-dir", required_argument, nullptr, opt_from_dir},
                                 {"into", required_argument, nullptr, opt_into},
                                 {"manifest", required_argument, nullptr, opt_manifest}};

// What create's options ask for, gathered before the image is opened.
struct CreateSettings {
    CreateRequest req;
    std::string from, pattern, undo_file, from_dir, manifest, into = "/";
    bool have_size = false, dry_run = false, json = false;
    std::uint64_t size = 0;
    bool bulk() const { return !from_dir.empty() || !manifest.empty(); }
};

// One option into ST; next_option, or the usage error's exit status.
int create_option(const Command& self, CreateSettings& st, int c, std::string_view arg) {
    switch (c) {
    case 'f': st.from = arg; break;
    case 's':
        if (!parse_size(arg, st.size))
            return usage_error(self, "--size wants a byte count with an optional K, M or G suffix, not '" +
                                         std::string(arg) + "'");
        st.have_size = true;
        break;
    case opt_pattern:
        if (arg.empty())
            return usage_error(self, "--pattern needs at least one byte");
        st.pattern = arg;
        break;
    case 'm': {
        std::uint16_t m = 0;
        if (!parse_number(arg, m, 8) || m > 07777)
            return usage_error(self, "--mode needs octal permission bits (e.g. 0644)");
        st.req.attrs.perm = m;
        break;
    }
    case 'u':
        if (!parse_number(arg, st.req.attrs.uid))
            return usage_error(self, "--uid needs a number");
        break;
    case 'g':
        if (!parse_number(arg, st.req.attrs.gid))
            return usage_error(self, "--gid needs a number");
        break;
    case opt_mtime: {
        std::int64_t t = 0;
        if (!parse_number(arg, t) || t < 0 || t > 0xFFFFFFFFLL)
            return usage_error(self, "--mtime needs seconds since the epoch");
        st.req.attrs.mtime = t;
        break;
    }
    case 'd': st.req.kind = NodeKind::directory; break;
    case 'l':
        st.req.kind = NodeKind::symlink;
        st.req.target = arg;
        break;
    case 'p': st.req.parents = true; break;
    case opt_allow_extents: st.req.allow_extents = true; break;
    case 'n': st.dry_run = true; break;
    case 'j': st.json = true; break;
    case 'z': st.undo_file = arg; break;
    case opt_from_dir: st.from_dir = arg; break;
    case opt_into: st.into = arg; break;
    case opt_manifest: st.manifest = arg; break;
    }
    return next_option;
}

// The checks between options and arguments that getopt cannot make, and the
// --size content; next_option, or the usage error's exit status.
int check_create_settings(const Command& self, CreateSettings& st, const Args& args) {
    if (!st.from_dir.empty() && !st.manifest.empty())
        return usage_error(self, "--from-dir and --manifest exclude each other");
    if (const int counted = check_arg_count(self, args.positional, st.bulk() ? 1 : 2, st.bulk() ? 1 : 2);
        counted != next_option)
        return counted;
    if (!st.from.empty() && st.have_size)
        return usage_error(self, "--from and --size exclude each other");
    if (!st.pattern.empty() && !st.have_size)
        return usage_error(self, "--pattern needs --size");
    if (st.req.kind != NodeKind::regular && (!st.from.empty() || st.have_size))
        return usage_error(self, "--from and --size are for regular files");
    if (!st.bulk()) {
        st.req.path = args.positional[1];
        if (st.have_size) {
            if (st.size > (1ull << 30))
                return usage_error(self, "--size is limited to 1 GiB");
            st.req.data.resize(st.size, 0);
            for (std::size_t i = 0; !st.pattern.empty() && i < st.size; ++i)
                st.req.data[i] = static_cast<std::uint8_t>(st.pattern[i % st.pattern.size()]);
        }
    }
    return next_option;
}

// --from-dir or --manifest: a whole tree, then its summary.
int create_many(Filesystem& fs, const CreateSettings& st, const std::string& image) {
    TreeOptions tree;
    tree.dry_run = st.dry_run;
    tree.allow_extents = st.req.allow_extents;
    tree.parents = st.req.parents;
    Result<TreeSummary> summary = !st.from_dir.empty() ? create_from_dir(fs, st.from_dir, st.into, tree)
                                                       : create_from_manifest(fs, st.manifest, tree);
    if (!summary)
        return report(summary.error());
    // Nothing is on the image before close() commits it: report after.
    if (!st.dry_run)
        if (auto closed = fs.close(); !closed)
            return report(closed.error());
    if (st.json)
        std::cout << json_text(tree_json(image, st.from_dir, st.into, st.manifest, *summary, st.dry_run), 2) << '\n';
    else
        std::cout << tree_summary_text(*summary, st.dry_run);
    return 0;
}

// One file, directory or symlink; --from is read once the image is open
// (what it can store bounds the read).
int create_one(Filesystem& fs, CreateSettings& st, const std::string& image) {
    if (!st.from.empty()) {
        auto data = read_file_source(fs, st.from, st.req.allow_extents);
        if (!data)
            return report(data.error());
        st.req.data = std::move(*data);
    }
    auto out = create_node(fs, st.req, st.dry_run);
    if (!out)
        return report(out.error());
    if (!st.dry_run)
        if (auto closed = fs.close(); !closed)
            return report(closed.error());
    if (st.json)
        std::cout << json_text(outcome_json(image, st.req, *out, st.dry_run), 2) << '\n';
    else
        print_outcome(st.req, *out, st.dry_run);
    return 0;
}

int run_create(const Command& self, int argc, char** argv) {
    CreateSettings st;
    Args args;
    const int parsed = parse_args(self, argc, argv, args,
                                  [&](int c, const char* value) { return create_option(self, st, c, value ? value : ""); });
    if (parsed != next_option)
        return parsed;
    if (const int checked = check_create_settings(self, st, args); checked != next_option)
        return checked;
    const std::string image = args.positional[0];
    auto fs = Filesystem::open(image, args.for_write(st.dry_run, st.undo_file));
    if (!fs)
        return report(fs.error());
    return st.bulk() ? create_many(*fs, st, image) : create_one(*fs, st, image);
}

}  // namespace

extern const Command create_command{
    "create",
    "[OPTIONS] IMAGE PATH | IMAGE --from-dir DIR [--into PATH] | IMAGE --manifest FILE",
    "create an inline file, directory or symlink, or a whole tree",
    "  -f, --from FILE|-     the content of the regular file (- for standard input)\n"
    "  -s, --size N[K|M|G]   N bytes of content (zeros, or --pattern repeated); 1K is 1024\n"
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
    "  -j, --json            print what was done as one JSON object (e4inline(8))\n"
    "  -z, --undo FILE       save overwritten blocks to FILE (replay: e2undo FILE IMAGE)\n",
    run_create,
    create_options,
    1,  // IMAGE with --from-dir or --manifest, else IMAGE PATH
    2,
    true,
    false,
    "e4inline create --size 60 disk.img /small\n"
    "e4inline create --from /etc/hostname --mode 0600 -p disk.img /etc/hostname\n"
    "e4inline create --dir disk.img /d && e4inline create --symlink /etc/hostname disk.img /d/link\n"
    "e4inline create --json --dry-run --size 1k --allow-extents disk.img /big\n"
    "e4inline create --from-dir ./tree --into /tree disk.img\n",
};

}  // namespace e4inline::cli
