// The built-in data model: tr181-gateway.json (beside this file), embedded into the library
// at configure time by embed.cmake, so the JSON file stays the single source.
#pragma once

#include <string_view>

namespace cpe::model {

// The text of tr181-gateway.json, for DataModel::create().
std::string_view builtin_model_json();

}  // namespace cpe::model
