// A subcommand is a record (xfs_io style): adding one adds a file and one line
// in commands.cpp; `e4inline --help` is generated from the records.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "e4inline/error.hpp"

namespace e4inline::cli {

struct Command {
    std::string_view name;
    std::string_view synopsis;  // arguments after the command name
    std::string_view summary;   // one line for the command list
    std::string_view help;      // the options, one per line, for `CMD --help`
    int (*run)(const Command& self, int argc, char** argv);  // argv[0] is the command name
};

std::span<const Command* const> commands();

// Reporting, shared by all commands.
int print_help(const Command& cmd);                         // stdout, returns 0
int usage_error(const Command& cmd, const std::string& msg);  // stderr, returns 16
int report(const Error& e);                                 // "e4inline: msg" on stderr, returns its exit code
// Write all of `data` to stdout; false on error (EPIPE included).
bool write_stdout(std::string_view data);

}  // namespace e4inline::cli
