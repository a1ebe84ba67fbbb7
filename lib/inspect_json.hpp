// The inspect JSON document as a value, for the tool and the tests built in
// this tree (the installed API has it as text: inspect_json_text in
// e4inline/inspect.hpp, so that no installed header needs nlohmann).
#pragma once

#include <nlohmann/json.hpp>

#include "e4inline/inspect.hpp"

namespace e4inline {

nlohmann::ordered_json inspect_json(const InspectedInode& in, bool with_hex);

}  // namespace e4inline
