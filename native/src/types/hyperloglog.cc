// HyperLogLog with Redis' own representation (hyperloglog.c, Redis 7.0), so that the
// bytes kiwi stores are the bytes Redis stores for the same commands, and a value copied
// from Redis with GET/SET counts the same here:
//
//   header  "HYLL" | u8 encoding (0 dense, 1 sparse) | 3 unused bytes | u64 LE cached
//           cardinality, whose most significant bit set means "stale"
//   dense   16384 registers of 6 bits, least significant bits first (12288 bytes)
//   sparse  run-length opcodes: ZERO 00xxxxxx (1-64 zero registers), XZERO 01xxxxxx
//           yyyyyyyy (1-16384 zero registers), VAL 1vvvvvxx (1-4 registers of value
//           1-32); promoted to dense when a register exceeds 32 or the value would pass
//           hll-sparse-max-bytes.
//
// Elements hash with MurmurHash64A and Redis' seed; the count is Otmar Ertl's estimator
// over the register histogram, evaluated in the same order as Redis so the doubles, and
// therefore the counts, are identical.
#include <cmath>
#include <cstring>

#include "../exec.h"
#include "strings.h"

namespace kiwi {

namespace {

constexpr char kMissingArgs[] = "missing arguments";

constexpr int kP = 14;
constexpr int kQ = 64 - kP;
constexpr int kRegisters = 1 << kP;
constexpr uint64_t kPMask = kRegisters - 1;
constexpr int kBits = 6;
constexpr int kRegisterMax = (1 << kBits) - 1;
constexpr size_t kHeaderSize = 16;
constexpr size_t kDenseSize = kHeaderSize + (kRegisters * kBits + 7) / 8;
constexpr uint8_t kDense = 0;
constexpr uint8_t kSparse = 1;
constexpr uint8_t kMaxEncoding = 1;
constexpr int kSparseValMaxValue = 32;
constexpr int kSparseValMaxLen = 4;
constexpr int kSparseZeroMaxLen = 64;
constexpr int kSparseXZeroMaxLen = 16384;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)

// Sparse opcodes.
inline bool IsZero(uint8_t b) { return (b & 0xc0) == 0; }
inline bool IsXZero(uint8_t b) { return (b & 0xc0) == 0x40; }
inline bool IsVal(uint8_t b) { return b & 0x80; }
inline int ZeroLen(uint8_t b) { return (b & 0x3f) + 1; }
inline int XZeroLen(uint8_t b0, uint8_t b1) { return (((b0 & 0x3f) << 8) | b1) + 1; }
inline int ValValue(uint8_t b) { return ((b >> 2) & 0x1f) + 1; }
inline int ValLen(uint8_t b) { return (b & 0x3) + 1; }
inline uint8_t Val(int value, int len) { return static_cast<uint8_t>(((value - 1) << 2 | (len - 1)) | 0x80); }
inline uint8_t Zero(int len) { return static_cast<uint8_t>(len - 1); }
inline void XZero(uint8_t* p, int len) {
  const int l = len - 1;
  p[0] = static_cast<uint8_t>((l >> 8) | 0x40);
  p[1] = static_cast<uint8_t>(l & 0xff);
}

// Calls fn(first register, run length, value) for each opcode of sparse registers
// [p, end), value 0 for the zero runs. Returns false unless they cover exactly the 16384
// registers (a corrupt value), stopping at the first run that would pass the last one.
template <typename Fn>
bool ForEachRun(const uint8_t* p, const uint8_t* end, Fn fn) {
  long idx = 0;
  while (p < end) {
    int run;
    int value = 0;
    if (IsZero(*p)) {
      run = ZeroLen(*p);
      p++;
    } else if (IsXZero(*p)) {
      if (p + 1 >= end) return false;
      run = XZeroLen(p[0], p[1]);
      p += 2;
    } else {
      run = ValLen(*p);
      value = ValValue(*p);
      p++;
    }
    if (idx + run > kRegisters) return false;
    fn(idx, run, value);
    idx += run;
  }
  return idx == kRegisters;
}

// MurmurHash2, 64-bit, as Redis computes it (little-endian words on every platform).
uint64_t MurmurHash64A(const void* key, int len, uint32_t seed) {
  const uint64_t m = 0xc6a4a7935bd1e995ull;
  const int r = 47;
  uint64_t h = seed ^ (static_cast<uint64_t>(len) * m);
  const auto* data = static_cast<const uint8_t*>(key);
  const uint8_t* end = data + (len - (len & 7));
  while (data != end) {
    uint64_t k = 0;
    for (int i = 7; i >= 0; i--) k = (k << 8) | data[i];
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
    data += 8;
  }
  const int rest = len & 7;
  if (rest > 0) {
    for (int i = rest - 1; i >= 0; i--) h ^= static_cast<uint64_t>(data[i]) << (8 * i);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

// The register an element maps to and the length of its 000..1 pattern (Redis hllPatLen).
int PatternLength(std::string_view element, long* index) {
  uint64_t hash = MurmurHash64A(element.data(), static_cast<int>(element.size()), 0xadc83b19u);
  *index = static_cast<long>(hash & kPMask);
  hash >>= kP;
  hash |= uint64_t{1} << kQ;  // the loop ends, with a count of at most Q + 1
  int count = 1;
  uint64_t bit = 1;
  while ((hash & bit) == 0) {
    count++;
    bit <<= 1;
  }
  return count;
}

// A value being worked on: header and registers in one string, as Redis' sds.
class Hll {
 public:
  explicit Hll(std::string bytes) : s_(std::move(bytes)) {}
  // An empty HLL: sparse, one XZERO opcode, cached cardinality 0.
  static Hll Empty() {
    std::string s(kHeaderSize + 2, '\0');
    std::memcpy(s.data(), "HYLL", 4);
    s[4] = static_cast<char>(kSparse);
    XZero(reinterpret_cast<uint8_t*>(s.data()) + kHeaderSize, kSparseXZeroMaxLen);
    return Hll(std::move(s));
  }
  // Redis isHLLObjectOrReply: the magic, a known encoding, and the exact dense size.
  static bool Valid(std::string_view v) {
    if (v.size() < kHeaderSize || v.compare(0, 4, "HYLL") != 0) return false;
    const auto encoding = static_cast<uint8_t>(v[4]);
    if (encoding > kMaxEncoding) return false;
    return encoding != kDense || v.size() == kDenseSize;
  }

  const std::string& bytes() const { return s_; }
  uint8_t encoding() const { return static_cast<uint8_t>(s_[4]); }
  uint8_t* registers() { return reinterpret_cast<uint8_t*>(s_.data()) + kHeaderSize; }
  size_t registers_size() const { return s_.size() - kHeaderSize; }

  bool CacheValid() const { return (static_cast<uint8_t>(s_[15]) & 0x80) == 0; }
  void InvalidateCache() { s_[15] = static_cast<char>(static_cast<uint8_t>(s_[15]) | 0x80); }
  uint64_t Cached() const { return GetFixed64LE(s_.data() + 8); }
  void SetCached(uint64_t card) {
    for (int i = 0; i < 8; i++) s_[8 + i] = static_cast<char>(card >> (8 * i));
  }

  // 1 if a register grew, 0 if not, -1 for a corrupt sparse value.
  int Add(std::string_view element, size_t sparse_max) {
    long index;
    const int count = PatternLength(element, &index);
    switch (encoding()) {
      case kDense: return DenseSet(registers(), registers_size(), index, count);
      case kSparse: return SparseSet(index, count, sparse_max);
      default: return -1;
    }
  }
  int Set(long index, int count, size_t sparse_max) {
    return encoding() == kDense ? DenseSet(registers(), registers_size(), index, count)
                                : SparseSet(index, count, sparse_max);
  }

  // Redis hllSparseToDense; false if the sparse opcodes do not cover exactly 16384 registers.
  bool ToDense() {
    if (encoding() == kDense) return true;
    std::string dense(kDenseSize, '\0');
    std::memcpy(dense.data(), s_.data(), kHeaderSize);  // magic and cached cardinality
    dense[4] = static_cast<char>(kDense);
    auto* regs = reinterpret_cast<uint8_t*>(dense.data()) + kHeaderSize;
    const size_t regs_size = kDenseSize - kHeaderSize;
    const auto* p = reinterpret_cast<const uint8_t*>(s_.data());
    const bool valid = ForEachRun(p + kHeaderSize, p + s_.size(), [&](long first, int run, int value) {
      if (value != 0) {
        for (int k = 0; k < run; k++) DenseWrite(regs, regs_size, first + k, value);
      }
    });
    if (!valid) return false;
    s_ = std::move(dense);
    return true;
  }

  static uint8_t DenseGet(const uint8_t* regs, size_t size, long index) {
    const size_t byte = static_cast<size_t>(index) * kBits / 8;
    const unsigned fb = static_cast<unsigned>(index * kBits) & 7;
    const unsigned b0 = regs[byte];
    // The last register's second byte lies past the registers: it reads as zero.
    const unsigned b1 = byte + 1 < size ? regs[byte + 1] : 0;
    return static_cast<uint8_t>(((b0 >> fb) | (b1 << (8 - fb))) & kRegisterMax);
  }

 private:
  static void DenseWrite(uint8_t* regs, size_t size, long index, int value) {
    const size_t byte = static_cast<size_t>(index) * kBits / 8;
    const unsigned fb = static_cast<unsigned>(index * kBits) & 7;
    const unsigned fb8 = 8 - fb;
    const unsigned v = static_cast<unsigned>(value);
    regs[byte] = static_cast<uint8_t>((regs[byte] & ~(kRegisterMax << fb)) | (v << fb));
    if (byte + 1 < size) {
      regs[byte + 1] = static_cast<uint8_t>((regs[byte + 1] & ~(kRegisterMax >> fb8)) | (v >> fb8));
    }
  }
  static int DenseSet(uint8_t* regs, size_t size, long index, int count) {
    if (count <= DenseGet(regs, size, index)) return 0;
    DenseWrite(regs, size, index, count);
    return 1;
  }

  // Redis hllSparseSet: updates the opcode covering `index` in place (splitting it into
  // at most three), merges equal adjacent VAL opcodes, or promotes to dense.
  int SparseSet(long index, int count, size_t sparse_max) {
    if (count > kSparseValMaxValue) return Promote(index, count);
    auto* base = reinterpret_cast<uint8_t*>(s_.data());
    size_t p = kHeaderSize;
    size_t end = s_.size();
    size_t prev = 0;
    bool has_prev = false;
    long first = 0;
    long span = 0;
    while (p < end) {
      size_t oplen = 1;
      if (IsZero(base[p])) {
        span = ZeroLen(base[p]);
      } else if (IsVal(base[p])) {
        span = ValLen(base[p]);
      } else {
        if (p + 1 >= end) return -1;
        span = XZeroLen(base[p], base[p + 1]);
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      has_prev = true;
      p += oplen;
      first += span;
    }
    if (span == 0 || p >= end) return -1;

    const bool is_zero = IsZero(base[p]);
    const bool is_xzero = IsXZero(base[p]);
    const bool is_val = !is_zero && !is_xzero;
    if (is_xzero && p + 1 >= end) return -1;
    const long runlen = is_zero ? ZeroLen(base[p]) : is_xzero ? XZeroLen(base[p], base[p + 1]) : ValLen(base[p]);

    if (is_val) {
      if (ValValue(base[p]) >= count) return 0;
      if (runlen == 1) {
        base[p] = Val(count, 1);
        return Updated(has_prev ? prev : kHeaderSize);
      }
    }
    if (is_zero && runlen == 1) {
      base[p] = Val(count, 1);
      return Updated(has_prev ? prev : kHeaderSize);
    }

    // General case: split the opcode into up to three (worst: XZERO-VAL-XZERO, 5 bytes).
    uint8_t seq[5];
    size_t n = 0;
    const long last = first + span - 1;
    auto zeros = [&](long len) {
      if (len > kSparseZeroMaxLen) {
        XZero(seq + n, static_cast<int>(len));
        n += 2;
      } else {
        seq[n++] = Zero(static_cast<int>(len));
      }
    };
    if (is_zero || is_xzero) {
      if (index != first) zeros(index - first);
      seq[n++] = Val(count, 1);
      if (index != last) zeros(last - index);
    } else {
      const int current = ValValue(base[p]);
      if (index != first) seq[n++] = Val(current, static_cast<int>(index - first));
      seq[n++] = Val(count, 1);
      if (index != last) seq[n++] = Val(current, static_cast<int>(last - index));
    }
    const size_t oldlen = is_xzero ? 2 : 1;
    if (n > oldlen && s_.size() + (n - oldlen) > sparse_max) return Promote(index, count);
    s_.replace(p, oldlen, reinterpret_cast<const char*>(seq), n);
    return Updated(has_prev ? prev : kHeaderSize);
  }

  // Redis' step 4: from `from`, merge up to 5 adjacent VAL opcodes of equal value.
  int Updated(size_t from) {
    size_t p = from;
    int scan = 5;
    while (p < s_.size() && scan--) {
      auto* base = reinterpret_cast<uint8_t*>(s_.data());
      if (IsXZero(base[p])) {
        p += 2;
        continue;
      }
      if (IsZero(base[p])) {
        p++;
        continue;
      }
      if (p + 1 < s_.size() && IsVal(base[p + 1])) {
        const int v1 = ValValue(base[p]);
        const int v2 = ValValue(base[p + 1]);
        if (v1 == v2) {
          const int len = ValLen(base[p]) + ValLen(base[p + 1]);
          if (len <= kSparseValMaxLen) {
            base[p + 1] = Val(v1, len);
            s_.erase(p, 1);
            continue;  // try to merge the merged opcode with the next one
          }
        }
      }
      p++;
    }
    InvalidateCache();
    return 1;
  }

  int Promote(long index, int count) {
    if (!ToDense()) return -1;
    return DenseSet(registers(), registers_size(), index, count);
  }

  std::string s_;
};

// Register histogram of a valid value; sets *invalid for sparse opcodes that do not cover
// exactly 16384 registers.
void Histogram(std::string_view v, int* histo, bool* invalid) {
  const auto* regs = reinterpret_cast<const uint8_t*>(v.data()) + kHeaderSize;
  const size_t size = v.size() - kHeaderSize;
  if (static_cast<uint8_t>(v[4]) == kDense) {
    for (long j = 0; j < kRegisters; j++) histo[Hll::DenseGet(regs, size, j)]++;
    return;
  }
  if (!ForEachRun(regs, regs + size, [&](long, int run, int value) { histo[value] += run; })) *invalid = true;
}

double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double z_prime;
  double y = 1;
  double z = x;
  do {
    x *= x;
    z_prime = z;
    z += x * y;
    y += y;
  } while (z_prime != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double z_prime;
  double y = 1.0;
  double z = 1 - x;
  do {
    x = std::sqrt(x);
    z_prime = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prime != z);
  return z / 3;
}

// Redis hllCount from a histogram (Ertl's estimator, same operation order).
uint64_t Estimate(const int* histo) {
  const double m = kRegisters;
  double z = m * Tau((m - histo[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * Sigma(histo[0] / m);
  return static_cast<uint64_t>(std::llroundl(kAlphaInf * m * m / z));
}

// Redis hllMerge: max[i] = MAX(max[i], register i); false for a corrupt sparse value.
bool Merge(std::string_view v, uint8_t* max) {
  const auto* regs = reinterpret_cast<const uint8_t*>(v.data()) + kHeaderSize;
  const size_t size = v.size() - kHeaderSize;
  if (static_cast<uint8_t>(v[4]) == kDense) {
    for (long i = 0; i < kRegisters; i++) {
      const uint8_t val = Hll::DenseGet(regs, size, i);
      if (val > max[i]) max[i] = val;
    }
    return true;
  }
  return ForEachRun(regs, regs + size, [&](long first, int run, int value) {
    for (int k = 0; k < run; k++) {
      if (value > max[first + k]) max[first + k] = static_cast<uint8_t>(value);
    }
  });
}

// Replies and returns false unless the lookup is missing or a valid HLL string.
bool HllOrMissing(const Lookup& l, ReplyWriter& w) {
  if (!StringOrMissing(l, w)) return false;
  if (l.value.exists() && !Hll::Valid(l.value.payload)) {
    w.Error(kErr_NOT_HLL);
    return false;
  }
  return true;
}

}  // namespace

// PFADD key element...: `b` is hll-sparse-max-bytes.
void PfAddCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  const std::string_view key = req.arg(c, 0);
  Lookup l;
  g.Read(c.db, key, &l);
  if (!HllOrMissing(l, w)) return;
  const size_t sparse_max = static_cast<size_t>(c.b);
  int updated = 0;
  Hll hll = l.value.exists() ? Hll(std::string(l.value.payload)) : Hll::Empty();
  if (!l.value.exists()) updated++;
  for (uint32_t j = 1; j < c.argc; j++) {
    const int r = hll.Add(req.arg(c, j), sparse_max);
    if (r == 1) updated++;
    if (r == -1) {
      // Redis has changed its value in place up to here; so does kiwi.
      if (hll.bytes() != l.value.payload) g.Put(c.db, key, kTypeString, l.value.expire_ms, hll.bytes());
      return w.Error(kErr_INVALID_HLL);
    }
  }
  if (updated) {
    hll.InvalidateCache();
    g.Put(c.db, key, kTypeString, l.value.expire_ms, hll.bytes());
  }
  w.Int(updated ? 1 : 0);
}

// PFCOUNT key...: one key answers (and caches) its cardinality; several, the cardinality
// of their union, without writing.
void PfCountCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  if (c.argc > 1) {
    std::vector<uint8_t> max(kRegisters, 0);
    for (uint32_t j = 0; j < c.argc; j++) {
      Lookup l;
      g.Read(c.db, req.arg(c, j), &l);
      if (!HllOrMissing(l, w)) return;
      if (!l.value.exists()) continue;
      if (!Merge(l.value.payload, max.data())) return w.Error(kErr_INVALID_HLL);
    }
    int histo[64] = {0};
    for (uint8_t r : max) histo[r]++;
    return w.Int(static_cast<int64_t>(Estimate(histo)));
  }
  const std::string_view key = req.arg(c, 0);
  Lookup l;
  g.Read(c.db, key, &l);
  if (!HllOrMissing(l, w)) return;
  if (!l.value.exists()) return w.Int(0);
  Hll hll{std::string(l.value.payload)};
  if (hll.CacheValid()) return w.Int(static_cast<int64_t>(hll.Cached()));
  int histo[64] = {0};
  bool invalid = false;
  Histogram(hll.bytes(), histo, &invalid);
  if (invalid) return w.Error(kErr_INVALID_HLL);
  const uint64_t card = Estimate(histo);
  // PFCOUNT stores what it computed, as Redis does: the value's bytes stay Redis' bytes.
  hll.SetCached(card);
  g.Put(c.db, key, kTypeString, l.value.expire_ms, hll.bytes());
  w.Int(static_cast<int64_t>(card));
}

// PFMERGE destination source...: args [destination, source...] (the destination takes
// part in the union); `b` is hll-sparse-max-bytes.
void PfMergeCmd(const Request& req, const Command& c, WriteGroup& g, ReplyWriter& w) {
  if (c.argc < 1) return w.Error(kErr_BAD_REQUEST, kMissingArgs);
  std::vector<uint8_t> max(kRegisters, 0);
  bool use_dense = false;
  const std::string_view dest = req.arg(c, 0);
  Lookup target;
  for (uint32_t j = 0; j < c.argc; j++) {
    Lookup l;
    Lookup& cur = j == 0 ? target : l;
    g.Read(c.db, req.arg(c, j), &cur);
    if (!HllOrMissing(cur, w)) return;
    if (!cur.value.exists()) continue;
    if (static_cast<uint8_t>(cur.value.payload[4]) == kDense) use_dense = true;
    if (!Merge(cur.value.payload, max.data())) return w.Error(kErr_INVALID_HLL);
  }
  const size_t sparse_max = static_cast<size_t>(c.b);
  Hll hll = target.value.exists() ? Hll(std::string(target.value.payload)) : Hll::Empty();
  if (use_dense && !hll.ToDense()) return w.Error(kErr_INVALID_HLL);
  for (long j = 0; j < kRegisters; j++) {
    if (max[j] != 0) hll.Set(j, max[j], sparse_max);
  }
  hll.InvalidateCache();
  g.Put(c.db, dest, kTypeString, target.value.expire_ms, hll.bytes());
  w.Ok();
}

}  // namespace kiwi
