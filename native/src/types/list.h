// What other families need of the list layout (list.cc): SORT ... STORE writes a list.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "../exec.h"

namespace kiwi {

// Replaces whatever `key` holds with a list of `elements` in order (no expiry), or
// deletes the key when there are none. Marks the key ready when it receives elements.
void StoreList(WriteGroup& g, uint8_t db, std::string_view key, const std::vector<std::string>& elements);

}  // namespace kiwi
