// SHA-1 as hex, for script names (EVAL's f_<sha1>, SCRIPT LOAD) and redis.sha1hex.
#pragma once

#include <string>
#include <string_view>

namespace kiwi {
std::string Sha1Hex(std::string_view data);
}  // namespace kiwi
