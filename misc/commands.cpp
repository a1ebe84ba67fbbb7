// The registry of subcommands: one line each.
#include "command.hpp"

namespace e4inline::cli {

extern const Command inspect_command;
extern const Command cat_command;
extern const Command stress_command;

std::span<const Command* const> commands() {
    static const Command* const all[] = {
        &inspect_command,
        &cat_command,
        &stress_command,
    };
    return all;
}

}  // namespace e4inline::cli
