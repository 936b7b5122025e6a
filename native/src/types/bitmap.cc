// Bit commands on string values with Redis 7.0 semantics (bitops.c): SETBIT, GETBIT,
// BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO. Bit 0 is the most significant bit of
// the first byte. Arguments arrive validated by the TS command layer (offsets within
// proto-max-bulk-len, types, ranges); these handlers only guard against short requests.
//
// Memory: a value can be 512 MB. Reads count and search the bytes where RocksDB holds
// them (the lookup's PinnableSlice); writes hand RocksDB the old bytes, the changed
// bytes and zero padding as separate pieces (WriteGroup::PutPieces), so no handler
// assembles a second copy of the value.
#include <algorithm>
#include <climits>
#include <cstring>
#include <map>

#include "../exec.h"
#include "strings.h"

namespace kiwi {

namespace {

constexpr char kMissingArgs[] = "missing arguments";

// SETBIT builds a new value of up to this many bytes on the stack.
constexpr size_t kSmallValue = 256;

// Zero padding for values that grow, referenced as many times as needed.
constexpr size_t kZeroChunk = 1 << 20;
const char kZeros[kZeroChunk] = {};

// A string value as a write changes it: the stored bytes, the length it grows to (new
// bytes read as zero), and the bytes changed so far. Changes are few (one byte for
// SETBIT, up to 9 per BITFIELD operation), so they are kept aside and the result is
// written as pieces.
class Patch {
 public:
  explicit Patch(std::string_view base) : base_(base), size_(base.size()) {}

  size_t size() const { return size_; }
  bool dirty() const { return dirty_; }
  void Grow(size_t n) {
    if (n > size_) {
      size_ = n;
      dirty_ = true;
    }
  }
  uint8_t Get(size_t i) const {
    auto it = changed_.find(i);
    if (it != changed_.end()) return it->second;
    return i < base_.size() ? static_cast<uint8_t>(base_[i]) : 0;
  }
  // `i` must be below size().
  void Set(size_t i, uint8_t v) {
    if (Get(i) == v) return;
    changed_[i] = v;
    dirty_ = true;
  }

  void Write(WriteGroup& g, uint8_t db, std::string_view key, int64_t expire_ms) {
    std::vector<rocksdb::Slice> pieces;
    scratch_.clear();
    scratch_.reserve(changed_.size());
    size_t pos = 0;
    for (auto it = changed_.begin(); it != changed_.end();) {
      Unchanged(pos, it->first, &pieces);
      const size_t run = scratch_.size();
      size_t end = it->first;
      while (it != changed_.end() && it->first == end) {
        scratch_.push_back(static_cast<char>(it->second));
        ++it;
        ++end;
      }
      pieces.emplace_back(scratch_.data() + run, scratch_.size() - run);
      pos = end;
    }
    Unchanged(pos, size_, &pieces);
    g.PutPieces(db, key, kTypeString, expire_ms, pieces);
  }

 private:
  // Pieces for bytes [from, to) that keep their stored value (zero past the old end).
  void Unchanged(size_t from, size_t to, std::vector<rocksdb::Slice>* pieces) const {
    if (from >= to) return;
    if (from < base_.size()) {
      const size_t n = std::min(to, base_.size()) - from;
      pieces->emplace_back(base_.data() + from, n);
      from += n;
    }
    while (from < to) {
      const size_t n = std::min(to - from, kZeroChunk);
      pieces->emplace_back(kZeros, n);
      from += n;
    }
  }

  std::string_view base_;
  size_t size_;
  bool dirty_ = false;
  std::map<size_t, uint8_t> changed_;
  std::string scratch_;
};

int64_t PopCount(const uint8_t* p, size_t n) {
  int64_t bits = 0;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    bits += __builtin_popcountll(word);
    p += 8;
    n -= 8;
  }
  while (n--) bits += __builtin_popcount(*p++);
  return bits;
}

// Redis redisBitpos: the position of the first bit equal to `bit` in `n` bytes. Looking
// for 0 in bytes that are all ones gives n * 8 (the string reads as zero-padded on the
// right); looking for 1 in bytes that are all zeros gives -1.
int64_t FirstBit(const uint8_t* p, size_t n, bool bit) {
  const uint8_t skip = bit ? 0x00 : 0xFF;
  size_t i = 0;
  // Whole words first: long runs of the value not sought are the common case.
  const uint64_t skip_word = bit ? 0 : ~uint64_t{0};
  while (i + 8 <= n) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    if (word != skip_word) break;
    i += 8;
  }
  while (i < n && p[i] == skip) i++;
  if (i == n) return bit ? -1 : static_cast<int64_t>(n) * 8;
  const uint8_t byte = p[i];
  for (int b = 7; b >= 0; b--) {
    if (((byte >> b) & 1) == bit) return static_cast<int64_t>(i) * 8 + (7 - b);
  }
  return -1;  // unreachable: the byte differs from `skip`
}

// A BITCOUNT/BITPOS range as bytes to scan, with masks of the first and last byte's bits
// that lie outside a BIT range.
struct ByteRange {
  int64_t start = 0;
  int64_t end = -1;
  uint8_t first_mask = 0;
  uint8_t last_mask = 0;
};

// Redis' normalisation: negative indexes count from the end, both clamp to the string
// (in bits for BIT ranges). Returns false for an empty range.
bool ResolveRange(int64_t len, int64_t start, int64_t end, bool bits, ByteRange* r) {
  const int64_t total = bits ? len * 8 : len;
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  if (start > end) return false;
  if (bits) {
    r->first_mask = static_cast<uint8_t>(~((1u << (8 - (start & 7))) - 1));
    r->last_mask = static_cast<uint8_t>((1u << (7 - (end & 7))) - 1);
    start >>= 3;
    end >>= 3;
  }
  r->start = start;
  r->end = end;
  return true;
}

}  // namespace

void SetBitCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 1 || c.a < 0) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view key = req.arg(c, 0);
  Lookup l;
  g.Read(c.db, key, &l);
  if (!StringOrMissing(l, w)) return;
  const uint64_t offset = static_cast<uint64_t>(c.a);
  const size_t byte = offset >> 3;
  const int bit = 7 - static_cast<int>(offset & 7);
  const std::string_view old_value = l.value.payload;
  const size_t size = std::max(old_value.size(), byte + 1);
  if (size <= kSmallValue) {
    // The common case, a small bitmap: the new value on the stack, no allocation.
    char buf[kSmallValue];
    std::memcpy(buf, old_value.data(), old_value.size());
    std::memset(buf + old_value.size(), 0, size - old_value.size());
    const auto before = static_cast<uint8_t>(buf[byte]);
    const bool was_set = before & (1 << bit);
    buf[byte] = static_cast<char>(c.b ? (before | (1 << bit)) : (before & ~(1 << bit)));
    // Unchanged when it exists, keeps its length and the bit already had the value.
    if (!l.value.exists() || size != old_value.size() || was_set != (c.b != 0)) {
      g.Put(c.db, key, kTypeString, l.value.expire_ms, std::string_view(buf, size));
    }
    return w.Int(was_set ? 1 : 0);
  }
  Patch p(old_value);
  // A missing key is created even when the bit is already 0, as in Redis.
  if (!l.value.exists()) p.Grow(1);
  p.Grow(byte + 1);
  const uint8_t old = p.Get(byte);
  const bool was_set = old & (1 << bit);
  p.Set(byte, c.b ? (old | (1 << bit)) : (old & ~(1 << bit)));
  if (p.dirty()) p.Write(g, c.db, key, l.value.expire_ms);
  w.Int(was_set ? 1 : 0);
}

void GetBitCmd(const Request&, const Command& c, const Lookup* v, Reader&, ReplyWriter& w) {
  if (c.argc < 1 || c.a < 0) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  if (!StringOrMissing(v[0], w)) return;
  const std::string_view s = v[0].value.payload;
  const uint64_t offset = static_cast<uint64_t>(c.a);
  const size_t byte = offset >> 3;
  if (byte >= s.size()) return w.Int(0);
  w.Int((static_cast<uint8_t>(s[byte]) >> (7 - (offset & 7))) & 1);
}

// flags: BIT_RANGE (start `a`, end `b` given), BIT_UNIT (they count bits, not bytes),
// CHECK_ONLY (just the lookup).
void BitCountCmd(const Request&, const Command& c, const Lookup* v, Reader&, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  if (!StringOrMissing(v[0], w)) return;
  if (!v[0].value.exists()) return w.Int(0);
  // Redis 7.0 looks the key up before it parses the range: CHECK_ONLY answers that part,
  // and the TS layer then replies the argument error.
  if (c.flags & kFlag_CHECK_ONLY) return w.Nil();
  const std::string_view s = v[0].value.payload;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int64_t len = static_cast<int64_t>(s.size());
  ByteRange r{0, len - 1};
  if (c.flags & kFlag_BIT_RANGE) {
    if (c.a < 0 && c.b < 0 && c.a > c.b) return w.Int(0);
    if (!ResolveRange(len, c.a, c.b, c.flags & kFlag_BIT_UNIT, &r)) return w.Int(0);
  }
  if (r.start > r.end) return w.Int(0);
  int64_t count = PopCount(p + r.start, static_cast<size_t>(r.end - r.start + 1));
  // Bits of the first and last byte outside a BIT range were counted too.
  count -= __builtin_popcount(p[r.start] & r.first_mask) + __builtin_popcount(p[r.end] & r.last_mask);
  w.Int(count);
}

// flags: BIT_SET (look for 1, else 0), BIT_RANGE (start `a` given), BIT_END (end `b`
// given), BIT_UNIT (start and end count bits).
void BitPosCmd(const Request&, const Command& c, const Lookup* v, Reader&, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  if (!StringOrMissing(v[0], w)) return;
  const bool bit = c.flags & kFlag_BIT_SET;
  // A missing key is an infinite run of zeros.
  if (!v[0].value.exists()) return w.Int(bit ? -1 : 0);
  if (c.flags & kFlag_CHECK_ONLY) return w.Nil();
  const std::string_view s = v[0].value.payload;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const int64_t len = static_cast<int64_t>(s.size());
  const bool bits = c.flags & kFlag_BIT_UNIT;
  const bool end_given = c.flags & kFlag_BIT_END;
  ByteRange r{0, len - 1};
  if (c.flags & kFlag_BIT_RANGE) {
    const int64_t end = end_given ? c.b : (bits ? len * 8 - 1 : len - 1);
    if (!ResolveRange(len, c.a, end, bits, &r)) return w.Int(-1);
  }
  if (r.start > r.end) return w.Int(-1);
  // Bits outside a BIT range are forced to the value not sought, so the search skips them.
  const size_t bytes = static_cast<size_t>(r.end - r.start + 1);
  const uint8_t* at = p + r.start;
  int64_t pos;
  if (r.first_mask == 0 && r.last_mask == 0) {
    pos = FirstBit(at, bytes, bit);
  } else {
    auto masked = [&](size_t i) {
      const uint8_t out = static_cast<uint8_t>((i == 0 ? r.first_mask : 0) | (i == bytes - 1 ? r.last_mask : 0));
      return bit ? static_cast<uint8_t>(at[i] & ~out) : static_cast<uint8_t>(at[i] | out);
    };
    const uint8_t head = masked(0);
    pos = FirstBit(&head, 1, bit);
    if (bytes > 1 && (pos == -1 || pos == 8)) {
      const size_t middle = bytes - 2;
      pos = FirstBit(at + 1, middle, bit);
      if (pos == -1 || pos == static_cast<int64_t>(middle) * 8) {
        const uint8_t tail = masked(bytes - 1);
        const int64_t t = FirstBit(&tail, 1, bit);
        pos = t == -1 ? -1 : static_cast<int64_t>(middle + 1) * 8 + t;
      } else {
        pos += 8;
      }
    }
  }
  // With an explicit end, the string is not zero-padded past it: no 0 bit means -1.
  if (end_given && !bit && pos == static_cast<int64_t>(bytes) * 8) return w.Int(-1);
  if (pos != -1) pos += r.start * 8;
  w.Int(pos);
}

// BITOP: args [destination, source...], `a` the operation (0 AND, 1 OR, 2 XOR, 3 NOT).
void BitOpCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 2 || c.a < 0 || c.a > 3) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const uint32_t n = c.argc - 1;
  std::vector<Lookup> sources(n);
  size_t maxlen = 0;
  for (uint32_t i = 0; i < n; i++) {
    g.Read(c.db, req.arg(c, i + 1), &sources[i]);
    if (!StringOrMissing(sources[i], w)) return;
    maxlen = std::max(maxlen, sources[i].value.payload.size());
  }
  const std::string_view dest = req.arg(c, 0);
  if (maxlen == 0) {
    // Every source empty or missing: the destination is deleted.
    g.Delete(c.db, dest);
    return w.Int(0);
  }
  std::string result(maxlen, '\0');
  const std::string_view first = sources[0].value.payload;
  std::memcpy(result.data(), first.data(), first.size());
  auto* out = reinterpret_cast<uint8_t*>(result.data());
  if (c.a == 3) {
    for (size_t j = 0; j < maxlen; j++) out[j] = static_cast<uint8_t>(~out[j]);
  } else {
    for (uint32_t i = 1; i < n; i++) {
      const std::string_view s = sources[i].value.payload;
      const auto* in = reinterpret_cast<const uint8_t*>(s.data());
      const size_t len = s.size();
      switch (c.a) {
        case 0:
          for (size_t j = 0; j < len; j++) out[j] &= in[j];
          // A shorter source reads as zeros: AND clears the rest.
          std::memset(out + len, 0, maxlen - len);
          break;
        case 1:
          for (size_t j = 0; j < len; j++) out[j] |= in[j];
          break;
        default:
          for (size_t j = 0; j < len; j++) out[j] ^= in[j];
          break;
      }
    }
  }
  g.Put(c.db, dest, kTypeString, 0, result);
  w.Int(static_cast<int64_t>(maxlen));
}

namespace {

// One BITFIELD operation as the TS layer encodes it (24 bytes, little-endian):
// u64 offset, i64 value, u8 opcode (0 GET, 1 SET, 2 INCRBY), u8 overflow (0 WRAP,
// 1 SAT, 2 FAIL), u8 bits, u8 signed, 4 bytes padding.
struct FieldOp {
  uint64_t offset;
  int64_t value;
  uint8_t opcode, overflow, bits, sign;
};
constexpr size_t kFieldOpSize = 24;
enum { kFieldGet = 0, kFieldSet = 1, kFieldIncrBy = 2 };
enum { kWrap = 0, kSat = 1, kFail = 2 };

bool DecodeFieldOps(std::string_view blob, std::vector<FieldOp>* ops) {
  if (blob.size() % kFieldOpSize != 0) return false;
  for (size_t at = 0; at < blob.size(); at += kFieldOpSize) {
    FieldOp op;
    std::memcpy(&op.offset, blob.data() + at, 8);
    std::memcpy(&op.value, blob.data() + at + 8, 8);
    op.opcode = static_cast<uint8_t>(blob[at + 16]);
    op.overflow = static_cast<uint8_t>(blob[at + 17]);
    op.bits = static_cast<uint8_t>(blob[at + 18]);
    op.sign = static_cast<uint8_t>(blob[at + 19]);
    if (op.bits < 1 || op.bits > 64 || op.opcode > kFieldIncrBy || op.overflow > kFail) return false;
    ops->push_back(op);
  }
  return true;
}

template <typename Bytes>
uint64_t GetUnsigned(const Bytes& b, uint64_t offset, unsigned bits) {
  uint64_t value = 0;
  for (unsigned j = 0; j < bits; j++, offset++) {
    const unsigned bit = 7 - (offset & 7);
    value = (value << 1) | ((b.Get(offset >> 3) >> bit) & 1);
  }
  return value;
}

template <typename Bytes>
int64_t GetSigned(const Bytes& b, uint64_t offset, unsigned bits) {
  uint64_t u = GetUnsigned(b, offset, bits);
  // Two's complement: extend the sign bit over the bits above the field.
  if (bits < 64 && (u & (uint64_t{1} << (bits - 1)))) u |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(u);
}

void SetUnsigned(Patch& p, uint64_t offset, unsigned bits, uint64_t value) {
  for (unsigned j = 0; j < bits; j++, offset++) {
    const uint64_t bitval = (value >> (bits - 1 - j)) & 1;
    const unsigned bit = 7 - (offset & 7);
    uint8_t byte = p.Get(offset >> 3);
    byte = static_cast<uint8_t>((byte & ~(1u << bit)) | (bitval << bit));
    p.Set(offset >> 3, byte);
  }
}

// Redis checkUnsignedBitfieldOverflow: 0 fits, 1 overflows, -1 underflows; `limit` gets
// the value to store under WRAP or SAT.
int CheckUnsigned(uint64_t value, int64_t incr, unsigned bits, int overflow, uint64_t* limit) {
  const uint64_t max = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
  const int64_t maxincr = static_cast<int64_t>(max - value);
  const int64_t minincr = static_cast<int64_t>(uint64_t{0} - value);
  int result = 0;
  if (value > max || (incr > 0 && incr > maxincr)) {
    result = 1;
    if (overflow == kSat) *limit = max;
  } else if (incr < 0 && incr < minincr) {
    result = -1;
    if (overflow == kSat) *limit = 0;
  }
  if (result != 0 && overflow == kWrap) {
    const uint64_t mask = bits == 64 ? 0 : ~uint64_t{0} << bits;
    *limit = (value + static_cast<uint64_t>(incr)) & ~mask;
  }
  return result;
}

// Redis checkSignedBitfieldOverflow.
int CheckSigned(int64_t value, int64_t incr, unsigned bits, int overflow, int64_t* limit) {
  const int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
  const int64_t min = -max - 1;
  // May wrap; only used once `value` is known to be in range, as in Redis.
  const int64_t maxincr = static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  const int64_t minincr = static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  int result = 0;
  if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr)) {
    result = 1;
    if (overflow == kSat) *limit = max;
  } else if (value < min || (bits != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr)) {
    result = -1;
    if (overflow == kSat) *limit = min;
  }
  if (result != 0 && overflow == kWrap) {
    uint64_t sum = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
    if (bits < 64) {
      const uint64_t mask = ~uint64_t{0} << bits;
      sum = (sum & (uint64_t{1} << (bits - 1))) ? (sum | mask) : (sum & ~mask);
    }
    *limit = static_cast<int64_t>(sum);
  }
  return result;
}

// The stored bytes of a read-only BITFIELD, zero past the end.
struct StoredBytes {
  std::string_view s;
  uint8_t Get(size_t i) const { return i < s.size() ? static_cast<uint8_t>(s[i]) : 0; }
};

template <typename Bytes>
void FieldGet(const Bytes& b, const FieldOp& op, ReplyWriter& w) {
  if (op.sign) {
    w.Int(GetSigned(b, op.offset, op.bits));
  } else {
    w.Int(static_cast<int64_t>(GetUnsigned(b, op.offset, op.bits)));
  }
}

// SET or INCRBY on the patch; replies the old (SET) or new (INCRBY) value, or nil when
// OVERFLOW FAIL refused it.
void FieldWrite(Patch& p, const FieldOp& op, ReplyWriter& w) {
  const bool incr = op.opcode == kFieldIncrBy;
  if (op.sign) {
    const int64_t old = GetSigned(p, op.offset, op.bits);
    int64_t wrapped = 0;
    int64_t next;
    int overflow;
    if (incr) {
      overflow = CheckSigned(old, op.value, op.bits, op.overflow, &wrapped);
      next = overflow ? wrapped : static_cast<int64_t>(static_cast<uint64_t>(old) + static_cast<uint64_t>(op.value));
    } else {
      next = op.value;
      overflow = CheckSigned(next, 0, op.bits, op.overflow, &wrapped);
      if (overflow) next = wrapped;
    }
    if (overflow && op.overflow == kFail) return w.Nil();
    w.Int(incr ? next : old);
    SetUnsigned(p, op.offset, op.bits, static_cast<uint64_t>(next));
  } else {
    const uint64_t old = GetUnsigned(p, op.offset, op.bits);
    uint64_t wrapped = 0;
    uint64_t next;
    int overflow;
    if (incr) {
      next = old + static_cast<uint64_t>(op.value);
      overflow = CheckUnsigned(old, op.value, op.bits, op.overflow, &wrapped);
      if (overflow) next = wrapped;
    } else {
      next = static_cast<uint64_t>(op.value);
      overflow = CheckUnsigned(next, 0, op.bits, op.overflow, &wrapped);
      if (overflow) next = wrapped;
    }
    if (overflow && op.overflow == kFail) return w.Nil();
    w.Int(static_cast<int64_t>(incr ? next : old));
    SetUnsigned(p, op.offset, op.bits, next);
  }
}

}  // namespace

// BITFIELD with at least one SET or INCRBY: args [key, ops]. The value grows to hold the
// highest bit any write touches, as Redis' lookupStringForBitCommand does.
void BitFieldCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  std::vector<FieldOp> ops;
  if (c.argc < 2 || !DecodeFieldOps(req.arg(c, 1), &ops)) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view key = req.arg(c, 0);
  Lookup l;
  g.Read(c.db, key, &l);
  if (!StringOrMissing(l, w)) return;
  uint64_t highest = 0;
  for (const auto& op : ops) {
    if (op.opcode != kFieldGet) highest = std::max<uint64_t>(highest, op.offset + op.bits - 1);
  }
  Patch p(l.value.payload);
  if (!l.value.exists()) p.Grow(1);
  p.Grow((highest >> 3) + 1);
  w.Array(static_cast<uint32_t>(ops.size()));
  for (const auto& op : ops) {
    if (op.opcode == kFieldGet) {
      FieldGet(p, op, w);
    } else {
      FieldWrite(p, op, w);
    }
  }
  if (p.dirty()) p.Write(g, c.db, key, l.value.expire_ms);
}

// BITFIELD_RO, and BITFIELD with only GET operations: a plain read.
void BitFieldRoCmd(const Request& req, const Command& c, const Lookup* v, Reader&, ReplyWriter& w) {
  std::vector<FieldOp> ops;
  if (c.argc < 2 || !DecodeFieldOps(req.arg(c, 1), &ops)) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  if (!StringOrMissing(v[0], w)) return;
  const StoredBytes bytes{v[0].value.payload};
  w.Array(static_cast<uint32_t>(ops.size()));
  for (const auto& op : ops) FieldGet(bytes, op, w);
}

}  // namespace kiwi
