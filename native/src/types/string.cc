// String commands with Redis 7.0 semantics (t_string.c). Arguments arrive validated by
// the TS command layer; these handlers only guard against a short argument list.
#include <algorithm>
#include <climits>
#include <cmath>
#include <new>
#include <vector>

#include "../exec.h"
#include "../numbers.h"
#include "strings.h"

namespace kiwi {

namespace {

constexpr char kMissingArgs[] = "missing arguments";

// Absolute expiry requested by SET/GETEX flags; false if now + relative overflows
// (Redis: "invalid expire time").
bool ResolveExpire(const Command& c, int64_t now, int64_t* expire) {
  *expire = 0;
  if (c.flags & kFlag_EXPIRE_RELATIVE) {
    if (c.a > INT64_MAX - now) return false;
    *expire = now + c.a;
  } else if (c.flags & kFlag_EXPIRE_ABSOLUTE) {
    *expire = c.a;
  }
  return true;
}

// Redis checkStringLength: offset + length must stay within proto-max-bulk-len.
bool FitsMaxLength(int64_t offset, size_t length, int64_t max) {
  if (max <= 0) return true;
  return offset <= max && static_cast<int64_t>(length) <= max - offset;
}

}  // namespace

bool StringOrMissing(const Lookup& l, ReplyWriter& w) {
  if (!l.status.ok()) {
    ReplyStatus(w, l.status);
    return false;
  }
  if (l.value.exists() && l.value.type != kTypeString) {
    w.Error(kErr_WRONGTYPE);
    return false;
  }
  return true;
}

void GetCmd(const Request&, const Command&, const Lookup* v, Reader&, ReplyWriter& w) {
  if (!StringOrMissing(v[0], w)) return;
  if (!v[0].value.exists()) return w.Nil();
  w.Bulk(v[0].value.payload);
}

void MGetCmd(const Request&, const Command& c, const Lookup* v, Reader&, ReplyWriter& w) {
  for (uint32_t i = 0; i < c.argc; i++) {
    if (!v[i].status.ok()) return ReplyStatus(w, v[i].status);
  }
  w.Array(c.argc);
  for (uint32_t i = 0; i < c.argc; i++) {
    // MGET answers nil for keys of other types instead of failing.
    if (v[i].value.type == kTypeString) {
      w.Bulk(v[i].value.payload);
    } else {
      w.Nil();
    }
  }
}

void StrlenCmd(const Request&, const Command& c, const Lookup* v, Reader&, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  if (!StringOrMissing(v[0], w)) return;
  w.Int(static_cast<int64_t>(v[0].value.payload.size()));
}

void GetRangeCmd(const Request&, const Command& c, const Lookup* v, Reader&, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  int64_t start = c.a;
  int64_t end = c.b;
  if (!StringOrMissing(v[0], w)) return;
  if (start < 0 && end < 0 && start > end) return w.Bulk({});
  const std::string_view s = v[0].value.payload;
  const int64_t len = static_cast<int64_t>(s.size());
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) return w.Bulk({});
  w.Bulk(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

void SetCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view key = req.arg(c, 0);
  int64_t expire = 0;
  if (!ResolveExpire(c, g.now(), &expire)) return w.Error(kErr_INVALID_EXPIRE);
  const bool want_old = c.flags & kFlag_SET_GET;
  Lookup l;
  if (c.flags & (kFlag_SET_NX | kFlag_SET_XX | kFlag_SET_GET | kFlag_SET_KEEPTTL)) {
    g.Read(c.db, key, &l);
    if (!l.status.ok()) return ReplyStatus(w, l.status);
  }
  const bool exists = l.value.exists();
  // SET ... GET refuses to overwrite a key of another type (Redis 7.0).
  if (want_old && exists && l.value.type != kTypeString) return w.Error(kErr_WRONGTYPE);
  const bool skip = ((c.flags & kFlag_SET_NX) && exists) || ((c.flags & kFlag_SET_XX) && !exists);
  if (!skip) {
    if ((c.flags & kFlag_SET_KEEPTTL) && exists) expire = l.value.expire_ms;
    g.Put(c.db, key, kTypeString, expire, req.arg(c, 1));
  }
  if (want_old) return exists ? w.Bulk(l.value.payload) : w.Nil();
  if (skip) return w.Nil();
  w.Ok();
}

void MSetCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2 || c.argc % 2 != 0) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  for (uint32_t i = 0; i < c.argc; i += 2) {
    g.Put(c.db, req.arg(c, i), kTypeString, 0, req.arg(c, i + 1));
  }
  w.Ok();
}

void MSetNxCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2 || c.argc % 2 != 0) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  for (uint32_t i = 0; i < c.argc; i += 2) {
    Lookup l;
    g.Read(c.db, req.arg(c, i), &l);
    if (!l.status.ok()) return ReplyStatus(w, l.status);
    // Any existing key, of any type, cancels the whole MSETNX.
    if (l.value.exists()) return w.Int(0);
  }
  for (uint32_t i = 0; i < c.argc; i += 2) {
    g.Put(c.db, req.arg(c, i), kTypeString, 0, req.arg(c, i + 1));
  }
  w.Int(1);
}

void IncrByCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view key = req.arg(c, 0);
  Lookup l;
  g.Read(c.db, key, &l);
  if (!StringOrMissing(l, w)) return;
  int64_t value = 0;
  if (l.value.exists() && !ParseInt64(l.value.payload, &value)) return w.Error(kErr_NOT_INTEGER);
  const int64_t incr = c.a;
  if ((incr < 0 && value < 0 && incr < (INT64_MIN - value)) ||
      (incr > 0 && value > 0 && incr > (INT64_MAX - value))) {
    return w.Error(kErr_OVERFLOW);
  }
  value += incr;
  // INCR keeps the key's TTL: Redis changes the value in place.
  g.Put(c.db, key, kTypeString, l.value.expire_ms, FormatInt64(value));
  w.Int(value);
}

void IncrByFloatCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view key = req.arg(c, 0);
  Lookup l;
  g.Read(c.db, key, &l);
  if (!StringOrMissing(l, w)) return;
  long double value = 0;
  long double incr = 0;
  if ((l.value.exists() && !ParseLongDouble(l.value.payload, &value)) ||
      !ParseLongDouble(req.arg(c, 1), &incr)) {
    return w.Error(kErr_NOT_FLOAT);
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return w.Error(kErr_NAN_OR_INFINITY);
  const std::string text = FormatLongDouble(value);
  g.Put(c.db, key, kTypeString, l.value.expire_ms, text);
  w.Bulk(text);
}

void AppendCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view key = req.arg(c, 0);
  const std::string_view tail = req.arg(c, 1);
  Lookup l;
  g.Read(c.db, key, &l);
  if (!StringOrMissing(l, w)) return;
  if (!l.value.exists()) {
    g.Put(c.db, key, kTypeString, 0, tail);
    return w.Int(static_cast<int64_t>(tail.size()));
  }
  const std::string_view head = l.value.payload;
  if (!FitsMaxLength(static_cast<int64_t>(head.size()), tail.size(), c.b)) {
    return w.Error(kErr_STRING_TOO_LONG);
  }
  std::string joined;
  joined.reserve(head.size() + tail.size());
  joined.append(head).append(tail);
  g.Put(c.db, key, kTypeString, l.value.expire_ms, joined);
  w.Int(static_cast<int64_t>(joined.size()));
}

void SetRangeCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2 || c.a < 0) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view key = req.arg(c, 0);
  const std::string_view patch = req.arg(c, 1);
  const int64_t offset = c.a;
  Lookup l;
  g.Read(c.db, key, &l);
  if (!StringOrMissing(l, w)) return;
  const size_t old_len = l.value.payload.size();
  // Setting nothing creates nothing and changes nothing.
  if (patch.empty()) return w.Int(static_cast<int64_t>(old_len));
  if (!FitsMaxLength(offset, patch.size(), c.b)) return w.Error(kErr_STRING_TOO_LONG);
  const size_t end = static_cast<size_t>(offset) + patch.size();
  std::string value(l.value.payload);
  if (value.size() < end) value.resize(end, '\0');
  value.replace(static_cast<size_t>(offset), patch.size(), patch);
  g.Put(c.db, key, kTypeString, l.value.expire_ms, value);
  w.Int(static_cast<int64_t>(value.size()));
}

void GetDelCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  Lookup l;
  g.Read(c.db, req.arg(c, 0), &l);
  if (!StringOrMissing(l, w)) return;
  if (!l.value.exists()) return w.Nil();
  g.Delete(c.db, req.arg(c, 0));
  w.Bulk(l.value.payload);
}

void GetExCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view key = req.arg(c, 0);
  Lookup l;
  g.Read(c.db, key, &l);
  if (!StringOrMissing(l, w)) return;
  if (!l.value.exists()) return w.Nil();
  // After the lookup, as in Redis: a missing key is nil even when now + EX overflows.
  int64_t expire = 0;
  if (!ResolveExpire(c, g.now(), &expire)) return w.Error(kErr_INVALID_EXPIRE);
  if (c.flags & (kFlag_EXPIRE_RELATIVE | kFlag_EXPIRE_ABSOLUTE)) {
    // An absolute time already past deletes the key (Put does), as Redis' GETEX does.
    g.Put(c.db, key, l.value.type, expire, l.value.payload);
  } else if ((c.flags & kFlag_GETEX_PERSIST) && l.value.expire_ms != 0) {
    g.Put(c.db, key, l.value.type, 0, l.value.payload);
  }
  w.Bulk(l.value.payload);
}

}  // namespace kiwi

namespace kiwi {

// LCS key1 key2 (Redis t_string.c lcsCommand): flags LCS_LEN, LCS_IDX, LCS_MATCHLEN; `a`
// is MINMATCHLEN and `b` proto-max-bulk-len, the bound on the table's transient memory
// (Redis' own). With CHECK_ONLY only the type check runs: Redis reports a wrong type
// before a bad option, and the TS layer replies the option error after this.
void LcsCmd(const Request&, const Command& c, const Lookup* v, Reader&, ReplyWriter& w) {
  if (c.argc < 2) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  for (int k = 0; k < 2; k++) {
    if (!v[k].status.ok()) return ReplyStatus(w, v[k].status);
    if (v[k].value.exists() && v[k].value.type != kTypeString) return w.Error(kErr_LCS_NOT_STRING);
  }
  if (c.flags & kFlag_CHECK_ONLY) return w.Nil();
  const std::string_view a = v[0].value.payload;
  const std::string_view b = v[1].value.payload;
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) return w.Error(kErr_LCS_TOO_LONG);
  const uint64_t alen = a.size();
  const uint64_t blen = b.size();
  const uint64_t cells = (alen + 1) * (blen + 1);
  if (cells * sizeof(uint32_t) > static_cast<uint64_t>(c.b)) return w.Error(kErr_LCS_MEMORY, "exceeds");
  std::vector<uint32_t> table;
  try {
    table.resize(cells);
  } catch (const std::bad_alloc&) {
    return w.Error(kErr_LCS_MEMORY, "failed");
  }
  // table[i][j]: length of the LCS of a[0..i) and b[0..j).
  auto at = [&](uint64_t i, uint64_t j) -> uint32_t& { return table[j + i * (blen + 1)]; };
  for (uint64_t i = 1; i <= alen; i++) {
    for (uint64_t j = 1; j <= blen; j++) {
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
    }
  }
  const uint32_t len = at(alen, blen);
  const bool want_idx = c.flags & kFlag_LCS_IDX;
  if ((c.flags & kFlag_LCS_LEN) && !want_idx) return w.Int(len);
  const bool with_len = c.flags & kFlag_LCS_MATCHLEN;
  const uint64_t min_len = c.a > 0 ? static_cast<uint64_t>(c.a) : 0;
  std::string result(len, '\0');
  size_t matches_at = 0;
  uint32_t matches = 0;
  if (want_idx) {
    w.Array(4);
    w.Bulk("matches");
    matches_at = w.ArrayPlaceholder();
  }
  // Walk back from the end, collecting the string and the matching ranges (contiguous
  // runs of matched bytes in both strings), last match first, as Redis emits them.
  uint64_t i = alen, j = blen, idx = len;
  uint64_t a_start = alen, a_end = 0, b_start = 0, b_end = 0;  // a_start == alen: no range
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (a_start == alen) {
        a_start = a_end = i - 1;
        b_start = b_end = j - 1;
      } else if (a_start == i && b_start == j) {
        a_start--;
        b_start--;
      } else {
        emit = true;
      }
      if (a_start == 0 || b_start == 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        i--;
      } else {
        j--;
      }
      if (a_start != alen) emit = true;
    }
    if (emit) {
      const uint64_t match_len = a_end - a_start + 1;
      if (want_idx && (min_len == 0 || match_len >= min_len)) {
        w.Array(with_len ? 3 : 2);
        w.Array(2);
        w.Int(static_cast<int64_t>(a_start));
        w.Int(static_cast<int64_t>(a_end));
        w.Array(2);
        w.Int(static_cast<int64_t>(b_start));
        w.Int(static_cast<int64_t>(b_end));
        if (with_len) w.Int(static_cast<int64_t>(match_len));
        matches++;
      }
      a_start = alen;
    }
  }
  if (!want_idx) return w.Bulk(result);
  w.PatchArray(matches_at, matches);
  w.Bulk("len");
  w.Int(len);
}

}  // namespace kiwi
