#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <vector>

#include "command.hpp"
#include "e4inline/filesystem.hpp"

namespace e4inline::cli {

namespace {

constexpr int opt_help = 'h';
constexpr int opt_partition = 0x10000;  // long only, above every command's own values

constexpr option help_option{"help", no_argument, nullptr, opt_help};
constexpr option partition_option{"partition", required_argument, nullptr, opt_partition};

// The options a command takes: its own, then --partition and --help.
std::vector<option> all_options(const Command& cmd) {
    std::vector<option> all(cmd.options.begin(), cmd.options.end());
    if (cmd.opens_image)
        all.push_back(partition_option);
    all.push_back(help_option);
    return all;
}

// getopt's short-option string for OPTS: ':' first so that a missing value
// is told apart from an unknown option, '+' first for options_first.
std::string short_options(const Command& cmd, const std::vector<option>& opts) {
    std::string s = cmd.options_first ? "+:" : ":";
    for (const option& o : opts)
        if (o.val > 0 && o.val < 256) {
            s += static_cast<char>(o.val);
            if (o.has_arg == required_argument)
                s += ':';
        }
    return s;
}

// How the user wrote the option getopt stopped at: "--name" (without any
// "=value") for a long option, "-c" for a short one.
std::string option_spelling(const char* word, int optopt_value) {
    const std::string_view w = word ? word : "";
    if (w.starts_with("--"))
        return std::string(w.substr(0, w.find('=')));
    if (optopt_value > 0 && optopt_value < 256)
        return std::string("-") + static_cast<char>(optopt_value);
    return std::string(w);
}

bool parse_partition(const char* text, unsigned& out) {
    const std::string_view s = text;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size() && out >= 1 && out <= 128;
}

}  // namespace

OpenOptions Args::read_only() const {
    OpenOptions o;
    o.partition = partition;
    return o;
}

OpenOptions Args::for_write(bool dry_run, std::string undo_file) const {
    OpenOptions o = OpenOptions::for_write(dry_run, std::move(undo_file));
    o.partition = partition;
    return o;
}

int parse_args(const Command& self, int argc, char** argv, Args& args, const OptionHandler& handle) {
    const std::vector<option> opts = [&] {
        auto v = all_options(self);
        v.push_back({nullptr, 0, nullptr, 0});
        return v;
    }();
    const std::string shorts = short_options(self, opts);
    optind = 1;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, shorts.c_str(), opts.data(), nullptr)) != -1;) {
        const char* word = argv[optind - 1];
        if (c == ':')
            return usage_error(self, "option '" + option_spelling(word, optopt) + "' needs a value");
        if (c == '?') {
            // An unknown option, or a known long one given "=value" it does not take.
            const std::string name = option_spelling(word, optopt);
            for (const option& o : opts)
                if (o.name && name == std::string("--") + o.name)
                    return usage_error(self, "option '" + name + "' takes no value");
            return usage_error(self, "unknown option '" + name + "'");
        }
        if (c == opt_help)
            return print_help(self);
        if (c == opt_partition) {
            if (!parse_partition(optarg, args.partition))
                return usage_error(self, std::string("--partition wants a partition number 1 to 128, not '") +
                                             optarg + "'");
            continue;
        }
        if (const int status = handle(c, optarg); status != next_option)
            return status;
    }
    args.positional = std::span<char*>(argv + optind, argv + argc);
    return check_arg_count(self, args.positional, self.argmin, self.argmax);
}

int check_arg_count(const Command& self, std::span<char*> positional, int min, int max) {
    const auto n = static_cast<int>(positional.size());
    if (n < min)
        return usage_error(self, "too few arguments");
    if (max >= 0 && n > max)
        return usage_error(self, "too many arguments");
    return next_option;
}

const Command* find_command(std::string_view name) {
    for (const Command* c : commands())
        if (c->name == name)
            return c;
    return nullptr;
}

int print_help(const Command& cmd) {
    std::cout << "Usage: e4inline " << cmd.name << ' ' << cmd.synopsis << "\n\n"
              << cmd.summary << "\n";
    if (!cmd.help.empty())
        std::cout << '\n' << cmd.help;
    if (cmd.opens_image)
        std::cout << "      --partition N  the filesystem is in partition N of the image's partition table\n";
    std::cout << "  -h, --help     show this help\n";
    if (!cmd.examples.empty()) {
        std::cout << "\nExamples:\n";
        std::string_view rest = cmd.examples;
        while (!rest.empty()) {
            const auto eol = rest.find('\n');
            std::cout << "  " << rest.substr(0, eol) << '\n';
            rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
        }
    }
    if (cmd.more_help && !write_stdout(cmd.more_help()))
        return static_cast<int>(ExitCode::operational);
    return 0;
}

int usage_error(const Command& cmd, const std::string& msg) {
    if (!msg.empty())
        std::cerr << "e4inline " << cmd.name << ": " << msg << '\n';
    std::cerr << "Usage: e4inline " << cmd.name << ' ' << cmd.synopsis << "\n"
              << "Try 'e4inline " << cmd.name << " --help' for more information.\n";
    return static_cast<int>(ExitCode::usage);
}

int report(const Error& e) {
    std::cerr << "e4inline: " << e.message() << '\n';
    return e.exit_code();
}

bool write_stdout(std::string_view data) {
    std::cout.flush();
    while (!data.empty()) {
        const ssize_t n = ::write(STDOUT_FILENO, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// Completes the command name in the first word, a command's long options in
// a word that starts with '-', and leaves everything else to bash's default
// (file names: images, paths, mountpoints).
std::string bash_completion() {
    std::string names = "help";
    std::string cases;
    for (const Command* c : commands()) {
        names += ' ';
        names += c->name;
        std::string words;
        for (const option& o : all_options(*c))
            words += std::string(words.empty() ? "" : " ") + "--" + o.name;
        cases += "    " + std::string(c->name) + ") words=\"" + words + "\" ;;\n";
    }
    return "# bash completion for e4inline(8); generated by `e4inline --complete-bash`\n"
           "_e4inline() {\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]} words\n"
           "    COMPREPLY=()\n"
           "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
           "        COMPREPLY=($(compgen -W \"" + names + " --help --version\" -- \"$cur\"))\n"
           "        return 0\n"
           "    fi\n"
           "    case ${COMP_WORDS[1]} in\n"
           "    help) [ \"$COMP_CWORD\" -eq 2 ] && COMPREPLY=($(compgen -W \"" + names.substr(5) +
           "\" -- \"$cur\")); return 0 ;;\n" + cases +
           "    *) return 0 ;;\n"
           "    esac\n"
           "    case $cur in\n"
           "    -*) COMPREPLY=($(compgen -W \"$words\" -- \"$cur\")) ;;\n"
           "    esac\n"
           "    return 0\n"
           "}\n"
           "complete -o default -F _e4inline e4inline\n";
}

}  // namespace e4inline::cli
