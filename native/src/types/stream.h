// What the stream commands share (types/stream.cc, types/stream_group.cc): IDs, the
// metadata's fields, entry replies. Layout: format.h, "Streams".
#pragma once

#include <cstring>
#include <limits>
#include <string>

#include "../composite.h"

namespace kiwi {
namespace stream {

constexpr char kMissingArgs[] = "missing arguments";
constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;
  bool operator<(const StreamId& o) const { return ms < o.ms || (ms == o.ms && seq < o.seq); }
  bool operator==(const StreamId& o) const { return ms == o.ms && seq == o.seq; }
  bool operator<=(const StreamId& o) const { return !(o < *this); }
  bool zero() const { return ms == 0 && seq == 0; }
};

inline StreamId ReadId(const char* p) { return {GetFixed64BE(p), GetFixed64BE(p + 8)}; }

inline std::string IdKey(const StreamId& id) {
  std::string k;
  k.reserve(16);
  PutFixed64BE(&k, id.ms);
  PutFixed64BE(&k, id.seq);
  return k;
}

inline std::string IdText(const StreamId& id) { return std::to_string(id.ms) + "-" + std::to_string(id.seq); }

// The metadata's extra fields (format.h).
struct StreamMeta {
  StreamId last, first, max_deleted;
  uint64_t entries_added = 0;

  static StreamMeta Decode(std::string_view extra) {
    StreamMeta m;
    if (extra.size() < kStreamMetaExtraSize) return m;
    const char* p = extra.data();
    m.last = {GetFixed64LE(p), GetFixed64LE(p + 8)};
    m.first = {GetFixed64LE(p + 16), GetFixed64LE(p + 24)};
    m.max_deleted = {GetFixed64LE(p + 32), GetFixed64LE(p + 40)};
    m.entries_added = GetFixed64LE(p + 48);
    return m;
  }
  std::string Encode() const {
    std::string out;
    out.reserve(kStreamMetaExtraSize);
    for (uint64_t v : {last.ms, last.seq, first.ms, first.seq, max_deleted.ms, max_deleted.seq, entries_added}) {
      PutFixed64LE(&out, v);
    }
    return out;
  }
};

inline StreamId IdOfMember(std::string_view member) { return member.size() >= 16 ? ReadId(member.data()) : StreamId{}; }

// [id, [field, value, ...]]
inline void ReplyEntry(ReplyWriter& w, std::string_view member, std::string_view value) {
  w.Array(2);
  w.Bulk(IdText(IdOfMember(member)));
  const size_t at = w.ArrayPlaceholder();
  uint32_t n = 0;
  size_t pos = 0;
  while (pos + 4 <= value.size()) {
    uint32_t len;
    std::memcpy(&len, value.data() + pos, 4);
    pos += 4;
    if (pos + len > value.size()) break;
    w.Bulk(value.substr(pos, len));
    pos += len;
    n++;
  }
  w.PatchArray(at, n);
}

inline Found OpenStream(KeyEdit& s, ReplyWriter& w, StreamMeta* m) {
  const Found f = s.Open(kTypeStream, w);
  if (f == Found::kFound) *m = StreamMeta::Decode(s.meta().extra);
  return f;
}

inline void SaveStream(KeyEdit& s, const StreamMeta& m) {
  s.SetExtra(m.Encode());
  s.Save();
}

// The ID of the last live entry (Redis streamLastValidID); 0-0 for an empty stream.
inline rocksdb::Status LastValid(const KeyView& s, StreamId* out) {
  *out = {};
  if (s.size() == 0) return rocksdb::Status::OK();
  const std::string& p = s.prefix();
  auto it = s.reader().Members(kFamilyStream, p, PrefixEnd(p));
  it->SeekBefore();
  if (it->Valid()) *out = IdOfMember(std::string_view(it->key().data() + p.size(), it->key().size() - p.size()));
  return it->status();
}

}  // namespace stream
}  // namespace kiwi
