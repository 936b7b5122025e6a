// SORT and SORT_RO with Redis 7.0 semantics (sort.c) over lists, sets and sorted sets,
// with BY and GET patterns that read other keys ("*" replaced by the element, "->field"
// a hash field, "#" the element itself).
//
// Arguments: [key, (destination: SORT_STORE), (BY pattern: SORT_BY), GET pattern...];
// LIMIT offset and count in a and b (count -1: all). The TS layer sets SORT_DONTSORT when
// a BY pattern had no "*" (Redis then keeps the container's own order).
//
// SORT runs as a read on one snapshot (pattern keys included); SORT_STORE in a write
// group whose locks cover the source and the destination only: keys named by patterns
// are read at their latest state, unlocked (README, known differences).
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "../composite.h"
#include "list.h"

namespace kiwi {

namespace {

constexpr char kMissingArgs[] = "missing arguments";

struct SortItem {
  explicit SortItem(std::string_view e) : element(e) {}
  std::string element;
  double score = 0;
  bool has_by = false;  // ALPHA with BY: whether the pattern found a value
  std::string by;
};

// The part of `s` a C string function sees (up to the first NUL): Redis treats patterns
// and compared values as C strings in places, and binary-safe in others.
std::string_view CString(std::string_view s) {
  const size_t nul = s.find('\0');
  return nul == std::string_view::npos ? s : s.substr(0, nul);
}

// strcoll() under the C locale: byte order up to the first NUL.
int CompareC(std::string_view a, std::string_view b) {
  const int c = CString(a).compare(CString(b));
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// Redis compareStringObjects: binary, shorter first on a common prefix.
int CompareBinary(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// Redis lookupKeyByPattern: the value the pattern names for `subst`. Returns false when
// there is none (missing key or field, wrong type, no "*" in the pattern) or on a
// storage error (in *s).
bool LookupByPattern(Reader& r, uint8_t db, std::string_view pattern, std::string_view subst, std::string* out,
                     rocksdb::Status* s) {
  if (!pattern.empty() && pattern[0] == '#' && (pattern.size() == 1 || pattern[1] == '\0')) {
    out->assign(subst);
    return true;
  }
  const std::string_view text = CString(pattern);
  const size_t star = text.find('*');
  if (star == std::string_view::npos) return false;
  const size_t arrow = text.find("->", star + 1);
  const bool field = arrow != std::string_view::npos && arrow + 2 < text.size();
  const size_t field_len = field ? pattern.size() - arrow - 2 : 0;
  const size_t postfix_len = pattern.size() - star - 1 - (field ? field_len + 2 : 0);
  std::string key;
  key.reserve(star + subst.size() + postfix_len);
  key.append(pattern.substr(0, star)).append(subst).append(pattern.substr(star + 1, postfix_len));
  Lookup l;
  r.Read(db, key, &l);
  if (!l.status.ok()) {
    *s = l.status;
    return false;
  }
  if (!field) {
    if (l.value.type != kTypeString) return false;
    out->assign(l.value.payload);
    return true;
  }
  if (l.value.type != kTypeHash) return false;
  std::string unused;
  ReplyWriter quiet(&unused);
  KeyView hash(r, db, key, kFamilyHash);
  if (hash.Load(l, kTypeHash, quiet) != Found::kFound) {
    *s = rocksdb::Status::Corruption("unreadable metadata");
    return false;
  }
  rocksdb::PinnableSlice value;
  const rocksdb::Status got = hash.Get(pattern.substr(arrow + 2), &value);
  if (got.IsNotFound()) return false;
  if (!got.ok()) {
    *s = got;
    return false;
  }
  out->assign(value.data(), value.size());
  return true;
}

// Walks a container's members in the order of `family`, skipping `skip` and taking up
// to `count` (backwards with `reverse`); fn gets each member key's suffix and value.
rocksdb::Status Members(Reader& r, MemberFamily family, const std::string& prefix, bool reverse, uint64_t skip,
                        uint64_t count, const std::function<void(std::string_view, std::string_view)>& fn) {
  auto it = r.Members(family, prefix, PrefixEnd(prefix));
  if (reverse) {
    it->SeekBefore();
  } else {
    it->Seek();
  }
  for (uint64_t i = 0; it->Valid() && i < skip + count; i++, reverse ? it->Prev() : it->Next()) {
    if (i < skip) continue;
    const rocksdb::Slice k = it->key();
    const rocksdb::Slice value = it->value();
    fn(std::string_view(k.data() + prefix.size(), k.size() - prefix.size()), std::string_view(value.data(), value.size()));
  }
  return it->status();
}

// A sorted result: what to output, from items[start] to items[end] (end < start: none).
struct Sorted {
  std::vector<SortItem> items;
  int64_t start = 0;
  int64_t end = -1;
};

// Loads and sorts the source key (lookup `l`) as sortCommandGeneric does. Returns false
// after replying an error.
bool Sort(Reader& r, const Request& req, const Command& c, const Lookup& l, bool store, uint32_t by_at, Sorted* out,
          ReplyWriter& w) {
  if (!l.status.ok()) {
    ReplyStatus(w, l.status);
    return false;
  }
  const Value& v = l.value;
  const uint8_t type = v.exists() ? v.type : static_cast<uint8_t>(kTypeList);  // a missing key sorts as an empty list
  if (type != kTypeList && type != kTypeSet && type != kTypeZSet) {
    w.Error(kErr_WRONGTYPE);
    return false;
  }
  Meta meta;
  if (v.exists() && !DecodeMeta(v, &meta)) {
    ReplyStatus(w, rocksdb::Status::Corruption("unreadable metadata"));
    return false;
  }
  bool dontsort = c.flags & kFlag_SORT_DONTSORT;
  bool alpha = c.flags & kFlag_SORT_ALPHA;
  const bool desc = c.flags & kFlag_SORT_DESC;
  std::string_view by;
  bool has_by = c.flags & kFlag_SORT_BY;
  if (has_by) by = req.arg(c, by_at);
  // Redis: a set's order is its hash table's, so a stored result is sorted instead.
  if (dontsort && type == kTypeSet && store) {
    dontsort = false;
    alpha = true;
    has_by = false;
  }
  const int64_t len = static_cast<int64_t>(v.exists() ? meta.size : 0);
  int64_t start = std::min(std::max<int64_t>(c.a, 0), len);
  const int64_t limit = std::min(std::max<int64_t>(c.b, -1), len);
  int64_t end = limit < 0 ? len - 1 : start + limit - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  std::vector<SortItem>& items = out->items;
  const std::string prefix = v.exists() ? MemberPrefix(c.db, req.arg(c, 0), meta.version) : std::string();
  rocksdb::Status s;
  // What an element is in each family: a list's value, a set's member, a sorted set's
  // member (after the 8 score bytes in its score index).
  auto element = [&](std::string_view suffix, std::string_view value) {
    if (type == kTypeList) {
      items.emplace_back(value);
    } else if (dontsort && type == kTypeZSet) {
      items.emplace_back(suffix.substr(std::min<size_t>(8, suffix.size())));
    } else {
      items.emplace_back(suffix);
    }
  };
  if (v.exists() && dontsort && (type == kTypeList || type == kTypeZSet)) {
    // The container's own order (for a sorted set, its score index), just the range.
    if (end >= start) {
      s = Members(r, type == kTypeList ? kFamilyList : kFamilyZScore, prefix, desc, static_cast<uint64_t>(start),
                  static_cast<uint64_t>(end - start + 1), element);
      end -= start;
      start = 0;
    }
  } else if (v.exists()) {
    const MemberFamily family = type == kTypeList ? kFamilyList : type == kTypeSet ? kFamilySet : kFamilyZSet;
    items.reserve(static_cast<size_t>(len));
    s = Members(r, family, prefix, false, 0, static_cast<uint64_t>(len), element);
  }
  if (!s.ok()) {
    ReplyStatus(w, s);
    return false;
  }

  if (!dontsort) {
    bool bad_score = false;
    std::string value;
    for (SortItem& item : items) {
      std::string_view key_value = item.element;
      if (has_by) {
        if (!LookupByPattern(r, c.db, by, item.element, &value, &s)) {
          if (!s.ok()) {
            ReplyStatus(w, s);
            return false;
          }
          continue;
        }
        key_value = value;
      }
      if (alpha) {
        if (has_by) {
          item.has_by = true;
          item.by = value;
        }
        continue;
      }
      // strtod on the C string, as Redis: leading spaces, hex and "inf" are accepted.
      const std::string text(CString(key_value));
      char* end_ptr = nullptr;
      errno = 0;
      item.score = std::strtod(text.c_str(), &end_ptr);
      if (*end_ptr != '\0' || errno == ERANGE || std::isnan(item.score)) bad_score = true;
    }
    if (bad_score) {
      w.Error(kErr_SORT_NOT_DOUBLE);
      return false;
    }
    auto cmp = [&](const SortItem& a, const SortItem& b) {
      int result;
      if (!alpha) {
        result = a.score > b.score ? 1 : a.score < b.score ? -1 : CompareBinary(a.element, b.element);
      } else if (has_by) {
        if (!a.has_by || !b.has_by) {
          result = a.has_by == b.has_by ? 0 : !a.has_by ? -1 : 1;
        } else {
          result = store ? CompareBinary(a.by, b.by) : CompareC(a.by, b.by);
        }
      } else {
        result = store ? CompareBinary(a.element, b.element) : CompareC(a.element, b.element);
      }
      return (desc ? -result : result) < 0;
    };
    // glibc's qsort, which Redis uses, is a stable merge sort: equal items keep their order.
    std::stable_sort(items.begin(), items.end(), cmp);
  }
  out->start = start;
  out->end = end;
  return true;
}

// The output of a sorted result: for each row from start to end, the element itself
// (no GET patterns) or the value of each GET pattern (arguments from `gets_at`), handed to
// emit (nullptr: the pattern named nothing). Stops at a storage error.
rocksdb::Status Output(Reader& r, const Request& req, const Command& c, const Sorted& sorted, uint32_t gets_at,
                       const std::function<void(const std::string*)>& emit) {
  std::string value;
  rocksdb::Status s;
  for (int64_t j = sorted.start; j <= sorted.end; j++) {
    const std::string& element = sorted.items[static_cast<size_t>(j)].element;
    if (gets_at == c.argc) emit(&element);
    for (uint32_t g = gets_at; g < c.argc; g++) {
      const bool found = LookupByPattern(r, c.db, req.arg(c, g), element, &value, &s);
      if (!s.ok()) return s;
      emit(found ? &value : nullptr);
    }
  }
  return s;
}

}  // namespace

// SORT / SORT_RO key [BY pattern] [GET pattern ...] (see the top of this file).
void SortCmd(const Request& req, const Command& c, const Lookup* v, Reader& r, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  Sorted sorted;
  if (!Sort(r, req, c, v[0], false, 1, &sorted, w)) return;
  const uint32_t gets_at = (c.flags & kFlag_SORT_BY) ? 2 : 1;
  const uint32_t gets = c.argc - gets_at;
  const int64_t rows = sorted.end - sorted.start + 1;
  const size_t mark = w.size();
  w.Array(static_cast<uint32_t>(rows * (gets ? gets : 1)));
  const rocksdb::Status s = Output(r, req, c, sorted, gets_at, [&](const std::string* value) {
    value ? w.Bulk(*value) : w.Nil();
  });
  if (!s.ok()) {
    w.Truncate(mark);
    ReplyStatus(w, s);
  }
}

// SORT key ... STORE destination: arguments [key, destination, ...]. The destination
// becomes a list of the result (missing GET values as empty strings), or is deleted when
// the result is empty; replies the result's length.
void SortStoreCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  Lookup source;
  g.Read(c.db, req.arg(c, 0), &source);
  Sorted sorted;
  if (!Sort(g, req, c, source, true, 2, &sorted, w)) return;
  std::vector<std::string> result;
  const rocksdb::Status s = Output(g, req, c, sorted, (c.flags & kFlag_SORT_BY) ? 3 : 2, [&](const std::string* value) {
    result.push_back(value ? *value : std::string());
  });
  if (!s.ok()) return ReplyStatus(w, s);
  StoreList(g, c.db, req.arg(c, 1), result);
  w.Int(static_cast<int64_t>(result.size()));
}

}  // namespace kiwi
