// Redis-exact number parsing and formatting (util.c). INCR, INCRBYFLOAT and friends must
// accept and print exactly what Redis does, so these are ports, not approximations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kiwi {

// Redis string2ll: optional '-', no '+', no leading zeros, no spaces, fits in int64.
bool ParseInt64(std::string_view s, int64_t* out);

// Redis string2ld: strtold on the whole string, no leading space, not NaN, in range.
bool ParseLongDouble(std::string_view s, long double* out);

// Redis ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a bare '.') removed.
std::string FormatLongDouble(long double value);

std::string FormatInt64(int64_t v);

}  // namespace kiwi
