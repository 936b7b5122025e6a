#pragma once

#include <string>
#include <string_view>

namespace kiwi {

// A compiled Redis glob (KEYS, SCAN MATCH): Redis' stringmatchlen, including its
// nesting limit against abusive patterns such as "a*a*a*...b".
class Glob {
 public:
  explicit Glob(std::string_view pattern);
  bool Match(std::string_view s) const;
  // Bytes every match must start with ("user:" for "user:*"), so scans can seek past
  // everything else.
  const std::string& literal_prefix() const { return prefix_; }
  bool matches_all() const { return pattern_ == "*"; }

 private:
  std::string pattern_;  // NUL-terminated like Redis' sds, which the matcher relies on
  std::string prefix_;
};

}  // namespace kiwi
