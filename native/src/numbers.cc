#include "numbers.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace kiwi {

namespace {
constexpr size_t kLongStrSize = 21;             // Redis LONG_STR_SIZE
constexpr size_t kMaxLongDoubleChars = 5 * 1024;  // Redis MAX_LONG_DOUBLE_CHARS
}  // namespace

bool ParseInt64(std::string_view s, int64_t* out) {
  const size_t slen = s.size();
  if (slen == 0 || slen >= kLongStrSize) return false;
  if (slen == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t p = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++p == slen) return false;
  }
  if (s[p] < '1' || s[p] > '9') return false;
  unsigned long long v = static_cast<unsigned long long>(s[p++] - '0');
  while (p < slen && s[p] >= '0' && s[p] <= '9') {
    const unsigned d = static_cast<unsigned>(s[p] - '0');
    if (v > ULLONG_MAX / 10) return false;
    v *= 10;
    if (v > ULLONG_MAX - d) return false;
    v += d;
    p++;
  }
  if (p < slen) return false;
  if (negative) {
    if (v > static_cast<unsigned long long>(-(LLONG_MIN + 1)) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<unsigned long long>(LLONG_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

bool ParseLongDouble(std::string_view s, long double* out) {
  char buf[kMaxLongDoubleChars];
  if (s.empty() || s.size() >= sizeof(buf)) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  const long double value = strtold(buf, &end);
  // The length check rejects an embedded NUL, where strtold stops early (as Redis does).
  if (std::isspace(static_cast<unsigned char>(buf[0])) || *end != '\0' ||
      static_cast<size_t>(end - buf) != s.size() ||
      (errno == ERANGE && (value == HUGE_VALL || value == -HUGE_VALL ||
                           std::fpclassify(value) == FP_ZERO)) ||
      errno == EINVAL || std::isnan(value)) {
    return false;
  }
  *out = value;
  return true;
}

std::string FormatLongDouble(long double value) {
  char buf[kMaxLongDoubleChars];
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  int len = std::snprintf(buf, sizeof(buf), "%.17Lf", value);
  if (len < 0 || static_cast<size_t>(len) + 1 > sizeof(buf)) return std::string();
  if (std::strchr(buf, '.') != nullptr) {
    char* p = buf + len - 1;
    while (*p == '0') {
      p--;
      len--;
    }
    if (*p == '.') len--;
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  return std::string(buf, static_cast<size_t>(len));
}

std::string FormatInt64(int64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

}  // namespace kiwi
