// A subcommand is a record (xfs_io style): adding one adds a file and one line
// in commands.cpp; `e4inline --help`, `e4inline help CMD` and the bash
// completion script are generated from the records.
#pragma once

#include <getopt.h>

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "e4inline/error.hpp"

namespace e4inline {
struct OpenOptions;
}

namespace e4inline::cli {

struct Command {
    std::string_view name;
    std::string_view synopsis;  // arguments after the command name
    std::string_view summary;   // one line for the command list
    std::string_view help;      // the options, one per line, for `CMD --help`
    int (*run)(const Command& self, int argc, char** argv);  // argv[0] is the command name
    // The fields below have defaults so that a record written before them
    // still compiles (it then parses its own options).
    // The long options, as getopt_long takes them, without --help and
    // --partition (parse_args adds both); a val below 256 is also the short option.
    std::span<const option> options = {};
    int argmin = 0, argmax = -1;     // positional arguments; argmax -1: no limit
    bool opens_image = false;        // takes --partition N
    bool options_first = false;      // options end at the first argument (ARG may start with '-')
    std::string_view examples = {};  // a few real invocations, one per line
    std::string (*more_help)() = nullptr;  // printed after the examples (stress: its workloads)
};

std::span<const Command* const> commands();
const Command* find_command(std::string_view name);

// What parse_args leaves once the options are handled.
struct Args {
    std::span<char*> positional;
    unsigned partition = 0;  // --partition N of an image command
    // How the command opens its image: read-only, or for a write command
    // as OpenOptions::for_write does; both carry --partition.
    OpenOptions read_only() const;
    OpenOptions for_write(bool dry_run, std::string undo_file) const;
};

// Returned by an option handler to go on with the next option; any other
// value ends the command with that exit status.
inline constexpr int next_option = -1;
using OptionHandler = std::function<int(int opt, const char* value)>;

// The one getopt loop of every command: hands each of self.options to HANDLE,
// answers --help, parses --partition for image commands, and words every
// option or argument-count error the same way (exit 16). Returns next_option
// when the command should go on with ARGS, else the exit status.
int parse_args(const Command& self, int argc, char** argv, Args& args, const OptionHandler& handle);
// The argument-count check of parse_args, for a mode of a command that takes
// other counts than its record (convert --all, create --from-dir, ...):
// next_option when MIN <= count <= MAX (MAX -1: no limit), else exit 16.
int check_arg_count(const Command& self, std::span<char*> positional, int min, int max);

// Reporting, shared by all commands.
int print_help(const Command& cmd);                         // stdout, returns 0
int usage_error(const Command& cmd, const std::string& msg);  // stderr, returns 16
int report(const Error& e);                                 // "e4inline: msg" on stderr, returns its exit code
// Write all of `data` to stdout; false on error (EPIPE included).
bool write_stdout(std::string_view data);

// The bash completion script, generated from the records.
std::string bash_completion();

}  // namespace e4inline::cli
