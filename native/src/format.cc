#include "format.h"

namespace kiwi {

const char* TypeName(uint8_t type) {
  switch (type) {
    case kTypeString: return "string";
    case kTypeHash: return "hash";
    case kTypeList: return "list";
    case kTypeSet: return "set";
    case kTypeZSet: return "zset";
    case kTypeStream: return "stream";
    default: return "none";
  }
}

bool DecodeValue(std::string_view raw, Value* out) {
  if (raw.size() < 2) return false;
  const uint8_t type = static_cast<uint8_t>(raw[0]);
  const uint8_t flags = static_cast<uint8_t>(raw[1]);
  if (type == kTypeNone || type > kTypeStream || (flags & ~kHeaderKnownBits) != 0) return false;
  size_t pos = 2;
  int64_t expire = 0;
  if (flags & kHeaderHasExpiry) {
    if (raw.size() < pos + 8) return false;
    expire = static_cast<int64_t>(GetFixed64LE(raw.data() + pos));
    pos += 8;
  }
  out->type = type;
  out->expire_ms = expire;
  out->payload = raw.substr(pos);
  return true;
}

size_t EncodeHeader(uint8_t type, int64_t expire_ms, char* buf) {
  buf[0] = static_cast<char>(type);
  buf[1] = static_cast<char>(expire_ms != 0 ? kHeaderHasExpiry : 0);
  if (expire_ms == 0) return 2;
  for (int i = 0; i < 8; i++) buf[2 + i] = static_cast<char>(static_cast<uint64_t>(expire_ms) >> (8 * i));
  return kMaxHeaderSize;
}

void EncodeValue(uint8_t type, int64_t expire_ms, std::string_view payload, std::string* out) {
  char header[kMaxHeaderSize];
  const size_t n = EncodeHeader(type, expire_ms, header);
  out->clear();
  out->reserve(payload.size() + n);
  out->append(header, n);
  out->append(payload.data(), payload.size());
}

}  // namespace kiwi
