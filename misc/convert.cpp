// e4inline convert: move data between inline storage and extents.
#include <getopt.h>
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "command.hpp"
#include "e4inline/convert.hpp"
#include "e4inline/filesystem.hpp"

namespace e4inline::cli {

namespace {

// A one-line bar on standard error, redrawn at most once per percent.
class ProgressBar {
public:
    explicit ProgressBar(bool enabled) : enabled_(enabled) {}
    ~ProgressBar() {
        if (drawn_)
            std::cerr << '\n';
    }
    void operator()(std::uint64_t done, std::uint64_t total) {
        if (!enabled_ || total == 0)
            return;
        const int percent = static_cast<int>(done * 100 / total);
        if (percent == last_ && done != total)
            return;
        last_ = percent;
        drawn_ = true;
        const int width = 40, filled = percent * width / 100;
        std::cerr << fmt::format("\r[{}{}] {:3}% {}/{}", std::string(filled, '#'), std::string(width - filled, ' '),
                                 percent, done, total)
                  << std::flush;
    }

private:
    bool enabled_;
    bool drawn_ = false;
    int last_ = -1;
};

int run_convert(const Command& self, int argc, char** argv) {
    std::string to, undo_file;
    bool all = false, dry_run = false;
    static const option longopts[] = {{"to", required_argument, nullptr, 't'},
                                      {"all", no_argument, nullptr, 'a'},
                                      {"dry-run", no_argument, nullptr, 'n'},
                                      {"undo", required_argument, nullptr, 'z'},
                                      {"help", no_argument, nullptr, 'h'},
                                      {nullptr, 0, nullptr, 0}};
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "t:anz:h", longopts, nullptr)) != -1;) {
        switch (c) {
        case 't': to = optarg; break;
        case 'a': all = true; break;
        case 'n': dry_run = true; break;
        case 'z': undo_file = optarg; break;
        case 'h': return print_help(self);
        default: return usage_error(self, std::string("unknown or incomplete option '") + argv[optind - 1] + "'");
        }
    }
    ConvertTarget target;
    if (to == "extents")
        target = ConvertTarget::extents;
    else if (to == "inline")
        target = ConvertTarget::inline_data;
    else
        return usage_error(self, "--to extents or --to inline is required");
    const int args = argc - optind;
    if (all ? (args < 1 || args > 2) : args != 2)
        return usage_error(self, all ? "an image and at most one path are required with --all"
                                     : "exactly an image and one path or <inode> are required");
    const std::string image = argv[optind];
    const std::string spec = args == 2 ? argv[optind + 1] : "";

    auto fs = Filesystem::open(image, OpenOptions::for_write(dry_run, undo_file));
    if (!fs)
        return report(fs.error());

    int status = 0;
    if (all) {
        ProgressBar bar(isatty(STDERR_FILENO));
        auto summary = convert_all(*fs, spec, target, dry_run,
                                   [&bar](std::uint64_t done, std::uint64_t total) { bar(done, total); });
        if (!summary)
            return report(summary.error());
        bar(1, 1);
        if (!dry_run)
            if (auto closed = fs->close(); !closed)
                return report(closed.error());
        std::cout << convert_summary_text(*summary, target, dry_run);
    } else {
        auto ref = fs->resolve(spec);
        if (!ref)
            return report(ref.error());
        auto out = convert_inode(*fs, *ref, target, dry_run);
        if (!out)
            return report(out.error());
        switch (out->status) {
        case ConvertStatus::converted:
            // Nothing is on the image before close() commits it: report after.
            if (!dry_run)
                if (auto closed = fs->close(); !closed)
                    return report(closed.error());
            std::cout << (dry_run ? "would convert " : "converted ") << spec << ": " << out->reason << '\n';
            break;
        case ConvertStatus::already:
            std::cout << spec << ": nothing to do: " << out->reason << '\n';
            break;
        case ConvertStatus::refused:
            std::cerr << "e4inline: " << image << ": " << spec << ": cannot convert to "
                      << convert_target_name(target) << ": " << out->reason << '\n';
            status = static_cast<int>(ExitCode::not_applicable);
            break;
        }
    }
    if (!dry_run)
        if (auto closed = fs->close(); !closed)
            return report(closed.error());
    return status;
}

}  // namespace

extern const Command convert_command{
    "convert",
    "--to extents|inline [--dry-run] [-z UNDO] IMAGE PATH|<INO> | --all IMAGE [PATH]",
    "move a file's, directory's or symlink's data between inline storage and extents",
    "  -t, --to extents|inline  where the data should go\n"
    "  -a, --all                every file, directory and symlink (under PATH if given)\n"
    "  -n, --dry-run            say what would change and change nothing\n"
    "  -z, --undo FILE          save overwritten blocks to FILE (replay: e2undo FILE IMAGE)\n",
    run_convert,
};

}  // namespace e4inline::cli
