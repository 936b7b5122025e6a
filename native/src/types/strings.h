// What the string-valued families (strings, bitmaps, HyperLogLog) share.
#pragma once

#include "../exec.h"

namespace kiwi {

// Replies and returns false unless the lookup succeeded and holds a string or nothing.
bool StringOrMissing(const Lookup& l, ReplyWriter& w);

}  // namespace kiwi
