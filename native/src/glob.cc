#include "glob.h"

namespace kiwi {

namespace {

// A port of Redis 7.0 stringmatchlen_impl (util.c). `pattern` is NUL-terminated, as
// sds strings are, which the original reads one byte past the length in two places.
int MatchImpl(const char* pattern, int patternLen, const char* string, int stringLen,
              int* skipLongerMatches, int nesting) {
  if (nesting > 1000) return 0;
  while (patternLen && stringLen) {
    switch (pattern[0]) {
      case '*':
        while (patternLen && pattern[1] == '*') {
          pattern++;
          patternLen--;
        }
        if (patternLen == 1) return 1;
        while (stringLen) {
          if (MatchImpl(pattern + 1, patternLen - 1, string, stringLen, skipLongerMatches,
                        nesting + 1)) {
            return 1;
          }
          if (*skipLongerMatches) return 0;
          string++;
          stringLen--;
        }
        *skipLongerMatches = 1;
        return 0;
      case '?':
        string++;
        stringLen--;
        break;
      case '[': {
        pattern++;
        patternLen--;
        const bool negate = pattern[0] == '^';
        if (negate) {
          pattern++;
          patternLen--;
        }
        bool match = false;
        while (true) {
          if (pattern[0] == '\\' && patternLen >= 2) {
            pattern++;
            patternLen--;
            if (pattern[0] == string[0]) match = true;
          } else if (pattern[0] == ']') {
            break;
          } else if (patternLen == 0) {
            pattern--;
            patternLen++;
            break;
          } else if (patternLen >= 3 && pattern[1] == '-') {
            int start = pattern[0];
            int end = pattern[2];
            const int c = string[0];
            if (start > end) std::swap(start, end);
            pattern += 2;
            patternLen -= 2;
            if (c >= start && c <= end) match = true;
          } else if (pattern[0] == string[0]) {
            match = true;
          }
          pattern++;
          patternLen--;
        }
        if (negate) match = !match;
        if (!match) return 0;
        string++;
        stringLen--;
        break;
      }
      case '\\':
        if (patternLen >= 2) {
          pattern++;
          patternLen--;
        }
        [[fallthrough]];
      default:
        if (pattern[0] != string[0]) return 0;
        string++;
        stringLen--;
        break;
    }
    pattern++;
    patternLen--;
    if (stringLen == 0) {
      while (patternLen > 0 && *pattern == '*') {
        pattern++;
        patternLen--;
      }
      break;
    }
  }
  return patternLen == 0 && stringLen == 0;
}

}  // namespace

Glob::Glob(std::string_view pattern) : pattern_(pattern) {
  for (size_t i = 0; i < pattern.size(); i++) {
    const char c = pattern[i];
    if (c == '*' || c == '?' || c == '[' || c == '\\') break;
    prefix_.push_back(c);
  }
}

bool Glob::Match(std::string_view s) const {
  if (matches_all()) return true;
  int skip = 0;
  return MatchImpl(pattern_.c_str(), static_cast<int>(pattern_.size()), s.data(),
                   static_cast<int>(s.size()), &skip, 0) != 0;
}

}  // namespace kiwi
