// The on-disk format. Everything here is persisted: NEVER renumber a constant, never
// reuse a retired one, and bump kFormatVersion when a reader of the old version could
// misread new data.
//
// Layout (Kvrocks/Pika style, leaving room for the other Redis types):
//   column family "default"  key   = [u8 db][user key]
//                            value = [u8 type][u8 flags][u64 LE expire-at ms if flags&1][payload]
//     For strings the payload is the value. Hash/list/set/zset will store
//     [u64 LE version][u64 LE size] as payload and keep their members in their own column
//     families keyed [u8 db][u32 BE key length][key][u64 BE version][member], so deleting
//     or overwriting a big key is one metadata write; a compaction filter drops members
//     whose version no longer matches.
//   column family "expire"   key   = [u64 BE expire-at ms][u8 db][user key], value empty.
//     An index, sorted by time, that the expiry cycle walks; entries whose key has since
//     changed its expiry are stale and only removed.
//   db byte 0xFF of "default" is reserved for kiwi's own metadata (the format version).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace kiwi {

constexpr uint32_t kFormatVersion = 1;

// Type tags: persisted, never renumber. 0 means "no key".
enum TypeTag : uint8_t {
  kTypeNone = 0,
  kTypeString = 1,
  kTypeHash = 2,
  kTypeList = 3,
  kTypeSet = 4,
  kTypeZSet = 5,
};

// Header flag bits: persisted, never renumber. Unknown bits mean a newer format.
constexpr uint8_t kHeaderHasExpiry = 0x01;
constexpr uint8_t kHeaderKnownBits = kHeaderHasExpiry;

constexpr uint8_t kMetaDb = 0xFF;
constexpr const char* kFormatVersionKey = "format-version";
constexpr const char* kExpireColumnFamily = "expire";

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

}  // namespace kiwi
