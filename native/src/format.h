// The on-disk format. Everything here is persisted: NEVER renumber a constant, never
// reuse a retired one, and bump kFormatVersion when a reader of the old version could
// misread new data.
//
// Layout (Kvrocks/Pika style):
//   column family "default"  key   = [u8 db][user key]
//                            value = [u8 type][u8 flags][u64 LE expire-at ms if flags&1][payload]
//     For strings the payload is the value. For composite types (hash, set, ...) it is
//     their metadata: [u64 LE version][u64 LE size][type-specific fields], and their
//     members live in a column family of their type, keyed
//       [u8 db][u32 BE key length][key][u64 BE version][member]
//     so deleting, expiring or overwriting a big key is one metadata write: members of
//     any other version are invisible, and a compaction filter drops them (db.cc).
//     Versions come from one counter that never repeats (Database::NextVersion).
//   column family "expire"   key   = [u64 BE expire-at ms][u8 db][user key], value empty.
//     An index, sorted by time, that the expiry cycle walks; entries whose key has since
//     changed its expiry are stale and only removed.
//   member column families   see MemberFamily below.
//   db byte 0xFF of "default" is reserved for kiwi's own metadata (the format version,
//   the version counter's reservation).
//
// Format versions: 1 = strings only; 2 = composite metadata and member column families
// (a version-1 reader would copy a hash's metadata on RENAME and lose its members).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace kiwi {

constexpr uint32_t kFormatVersion = 2;

// Type tags: persisted, never renumber. 0 means "no key".
enum TypeTag : uint8_t {
  kTypeNone = 0,
  kTypeString = 1,
  kTypeHash = 2,
  kTypeList = 3,
  kTypeSet = 4,
  kTypeZSet = 5,
  kTypeStream = 6,
};

// Header flag bits: persisted, never renumber. Unknown bits mean a newer format.
constexpr uint8_t kHeaderHasExpiry = 0x01;
constexpr uint8_t kHeaderKnownBits = kHeaderHasExpiry;

constexpr uint8_t kMetaDb = 0xFF;
constexpr const char* kFormatVersionKey = "format-version";
constexpr const char* kExpireColumnFamily = "expire";
// Where the version counter's reservation is kept (db 0xFF): versions below it may be in use.
constexpr const char* kVersionLimitKey = "version-limit";
// SWAPDB's map (db 0xFF): 16 bytes, byte i the physical db byte of logical database i.
// Missing means the identity.
constexpr const char* kDbMapKey = "db-map";
// Where SAVE and BGSAVE put their RocksDB checkpoint, under the data directory.
constexpr const char* kBackupDir = "backup";

// Member column families, by type: persisted names, never rename; add new ones at the end.
//   hash    [prefix][field]                 -> value
//   set     [prefix][member]                -> empty
//   list    [prefix][u64 BE position]       -> element; the metadata's extra bytes are
//           [u64 LE head][u64 LE tail]: the first element's position and the one after
//           the last (size = tail - head, every position between holds an element); a
//           new list starts with head = tail = 2^63, so it grows both ways (list.cc)
//   zset    [prefix][member]                -> score (8 bytes, see the zset family)
//   zscore  [prefix][order-preserving score][member] -> empty (the score index)
//   stream  [prefix][u64 BE ms][u64 BE seq] -> the entry's fields and values, each as
//           [u32 LE length][bytes]; see "Streams" below for the metadata
//   streamgroup [prefix][tag]...            -> consumer groups, consumers and pending
//           entries of a stream (layout in types/stream_group.cc)
// where prefix = MemberPrefix(db, key, version). Sorted sets: see "Sorted sets" below.
enum MemberFamily : uint8_t {
  kFamilyHash = 0,
  kFamilySet = 1,
  kFamilyList = 2,
  kFamilyZSet = 3,
  kFamilyZScore = 4,
  kFamilyStream = 5,
  kFamilyStreamGroup = 6,
  kMemberFamilyCount = 7,
};
constexpr const char* kMemberFamilyNames[kMemberFamilyCount] = {"hash", "set", "list", "zset", "zscore", "stream",
                                                                "streamgroup"};

inline bool IsComposite(uint8_t type) { return type >= kTypeHash && type <= kTypeStream; }

const char* TypeName(uint8_t type);

inline void PutFixed64LE(std::string* out, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; i++) buf[i] = static_cast<char>(v >> (8 * i));
  out->append(buf, 8);
}

inline uint64_t GetFixed64LE(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

inline void PutFixed64BE(std::string* out, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; i++) buf[i] = static_cast<char>(v >> (8 * (7 - i)));
  out->append(buf, 8);
}

inline uint64_t GetFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// A decoded value: views into the stored bytes.
struct Value {
  uint8_t type = kTypeNone;
  int64_t expire_ms = 0;  // absolute ms since the epoch; 0 = no expiry
  std::string_view payload;

  bool exists() const { return type != kTypeNone; }
  bool expired(int64_t now_ms) const { return expire_ms != 0 && expire_ms <= now_ms; }
};

// Parses a stored value. Returns false when the bytes are not a value this version can
// read (corrupt or newer format).
bool DecodeValue(std::string_view raw, Value* out);

// Encodes a value: header then payload.
void EncodeValue(uint8_t type, int64_t expire_ms, std::string_view payload, std::string* out);

constexpr size_t kMaxHeaderSize = 10;
// Writes just the header into `buf` and returns its size, so a large payload can go to
// RocksDB as a second slice instead of being copied behind the header first.
size_t EncodeHeader(uint8_t type, int64_t expire_ms, char* buf);

// "default" column family key of (db, user key).
inline std::string DataKey(uint8_t db, std::string_view key) {
  std::string k;
  k.reserve(key.size() + 1);
  k.push_back(static_cast<char>(db));
  k.append(key.data(), key.size());
  return k;
}

// "expire" column family key.
inline std::string ExpireKey(int64_t expire_ms, std::string_view data_key) {
  std::string k;
  k.reserve(data_key.size() + 8);
  PutFixed64BE(&k, static_cast<uint64_t>(expire_ms));
  k.append(data_key.data(), data_key.size());
  return k;
}

// Composite metadata: the payload of a hash/set/list/zset record.
constexpr size_t kMetaFixedSize = 16;
struct Meta {
  uint8_t type = kTypeNone;
  int64_t expire_ms = 0;
  uint64_t version = 0;
  uint64_t size = 0;            // members
  std::string_view extra;       // type-specific fields after the fixed part
};

// Reads the metadata of a composite record; false if the payload is too short.
inline bool DecodeMeta(const Value& v, Meta* out) {
  if (!IsComposite(v.type) || v.payload.size() < kMetaFixedSize) return false;
  out->type = v.type;
  out->expire_ms = v.expire_ms;
  out->version = GetFixed64LE(v.payload.data());
  out->size = GetFixed64LE(v.payload.data() + 8);
  out->extra = v.payload.substr(kMetaFixedSize);
  return true;
}

inline void EncodeMetaPayload(uint64_t version, uint64_t size, std::string_view extra, std::string* out) {
  out->clear();
  PutFixed64LE(out, version);
  PutFixed64LE(out, size);
  out->append(extra.data(), extra.size());
}

// [u8 db][u32 BE key length][key][u64 BE version]: every member key of one version of a
// key starts with this, so one range covers them.
inline std::string MemberPrefix(uint8_t db, std::string_view key, uint64_t version) {
  std::string p;
  p.reserve(1 + 4 + key.size() + 8);
  p.push_back(static_cast<char>(db));
  const uint32_t n = static_cast<uint32_t>(key.size());
  for (int i = 3; i >= 0; i--) p.push_back(static_cast<char>(n >> (8 * i)));
  p.append(key.data(), key.size());
  PutFixed64BE(&p, version);
  return p;
}

// Sorted sets (persisted).
//   zset family value: the score's IEEE-754 bits, 8 bytes little-endian.
//   zscore key suffix: ScoreKey(score) (8 bytes) then the member; the value is empty.
//     ScoreKey is the IEEE bits big-endian with the sign bit set for positives and every
//     bit flipped for negatives, so byte order is numeric order: -inf < negatives < 0 <
//     positives < +inf, and equal scores are ordered by member, as Redis orders them.
//   -0 is stored as 0 in both families: Redis orders -0 and 0 as one score, and its
//     encoding of sorted sets up to 128 members (listpack) keeps no -0 either (its
//     skiplist encoding of bigger ones does: README, known differences). NaN is never
//     stored.
//   metadata extra: [u8 n][n bytes: low][u8 m][m bytes: high], both optional (an empty
//     extra is two empty hints). No live index suffix is below `low`, and none is at or
//     above `high` when `high` is not empty: range walks start there instead of at the
//     prefix, so they do not step over the deletions of earlier ZPOPMIN/ZPOPMAX/ZREMRANGE*
//     again (tombstones stay until compaction). Hints are at most kMaxScoreHint bytes.
constexpr size_t kMaxScoreHint = 40;

inline void PutScoreKey(std::string* out, double score) {
  if (score == 0) score = 0;  // -0 is 0
  uint64_t bits;
  std::memcpy(&bits, &score, 8);
  bits = (bits >> 63) ? ~bits : (bits | (uint64_t{1} << 63));
  PutFixed64BE(out, bits);
}

inline double GetScoreKey(const char* p) {
  uint64_t bits = GetFixed64BE(p);
  bits = (bits >> 63) ? (bits & ~(uint64_t{1} << 63)) : ~bits;
  double score;
  std::memcpy(&score, &bits, 8);
  return score;
}

inline void PutScoreValue(std::string* out, double score) {
  if (score == 0) score = 0;  // -0 is 0
  uint64_t bits;
  std::memcpy(&bits, &score, 8);
  PutFixed64LE(out, bits);
}

inline double GetScoreValue(const char* p) {
  const uint64_t bits = GetFixed64LE(p);
  double score;
  std::memcpy(&score, &bits, 8);
  return score;
}

// Streams (persisted). Metadata size = entry count; extra = seven u64 LE:
//   [last id ms][last id seq][first id ms][first id seq][max deleted id ms][max deleted
//   id seq][entries added]; the first id is 0-0 when the stream is empty. An empty
//   stream still exists (Redis keeps it), unlike the other composite types.
//   Entry keys end in the id as two u64 BE, so key order is id order.
constexpr size_t kStreamMetaExtraSize = 56;

// The first key after every key that starts with `prefix`.
inline std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<uint8_t>(prefix.back()) == 0xFF) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
  return prefix;
}

// Splits a member key into its owner's data key ([db][key]), version and member name.
inline bool ParseMemberKey(std::string_view k, std::string* data_key, uint64_t* version, std::string_view* member) {
  if (k.size() < 1 + 4 + 8) return false;
  const uint32_t n = (static_cast<uint32_t>(static_cast<uint8_t>(k[1])) << 24) |
                     (static_cast<uint32_t>(static_cast<uint8_t>(k[2])) << 16) |
                     (static_cast<uint32_t>(static_cast<uint8_t>(k[3])) << 8) |
                     static_cast<uint32_t>(static_cast<uint8_t>(k[4]));
  if (k.size() < 1 + 4 + static_cast<size_t>(n) + 8) return false;
  data_key->assign(1, k[0]);
  data_key->append(k.data() + 5, n);
  *version = GetFixed64BE(k.data() + 5 + n);
  *member = k.substr(5 + n + 8);
  return true;
}

}  // namespace kiwi
