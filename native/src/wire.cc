#include "wire.h"

namespace kiwi {

namespace {

template <typename T>
bool Read(const uint8_t* data, size_t size, size_t* pos, T* out) {
  if (size - *pos < sizeof(T)) return false;
  std::memcpy(out, data + *pos, sizeof(T));
  *pos += sizeof(T);
  return true;
}

}  // namespace

bool Request::Decode(const uint8_t* data, size_t size,
                     const std::vector<std::string_view>& blobs) {
  size_t pos = 0;
  uint32_t count = 0;
  if (!Read(data, size, &pos, &count)) return false;
  // Each command takes at least a header, so a count beyond that is a lie, not a reason
  // to reserve gigabytes.
  if (count > size / kCommandHeaderSize) return false;
  commands.reserve(count);
  for (uint32_t i = 0; i < count; i++) {
    Command c{};
    if (!Read(data, size, &pos, &c.op) || !Read(data, size, &pos, &c.db) ||
        !Read(data, size, &pos, &c.flags) || !Read(data, size, &pos, &c.argc) ||
        !Read(data, size, &pos, &c.a) || !Read(data, size, &pos, &c.b)) {
      return false;
    }
    if (c.argc > (size - pos) / 4) return false;
    c.first_arg = static_cast<uint32_t>(args.size());
    for (uint32_t j = 0; j < c.argc; j++) {
      uint32_t len = 0;
      if (!Read(data, size, &pos, &len)) return false;
      if (len == kBlobMarker) {
        uint32_t blob = 0;
        if (!Read(data, size, &pos, &blob) || blob >= blobs.size()) return false;
        args.push_back(blobs[blob]);
        continue;
      }
      if (size - pos < len) return false;
      args.emplace_back(reinterpret_cast<const char*>(data + pos), len);
      pos += len;
    }
    commands.push_back(c);
  }
  return pos == size;
}

}  // namespace kiwi
