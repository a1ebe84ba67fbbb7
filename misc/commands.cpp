// The registry of subcommands: one line each.
#include "command.hpp"

namespace e4inline::cli {

extern const Command inspect_command;
extern const Command cat_command;
extern const Command crosscheck_command;
extern const Command snapshot_command;

std::span<const Command* const> commands() {
    static const Command* const all[] = {
        &inspect_command,
        &cat_command,
        &crosscheck_command,
        &snapshot_command,
    };
    return all;
}

}  // namespace e4inline::cli
