// Formats follow Redis 7.0.15: rdb.c (rdbSaveRawString, rdbSaveLzfStringObject,
// rdbSaveLen, rdbGenericLoadStringObject, rdbSaveFunctions), lzf_c.c/lzf_d.c (liblzf 3.6
// as Redis configures it), crc64.c, cluster.c (createDumpPayload, verifyDumpPayload) and
// functions.c (functionDumpCommand, functionRestoreCommand). test/compat/function-dump
// compares the bytes with redis-server's.
#include "function_dump.h"

#include <array>
#include <cstring>
#include <memory>

namespace kiwi {

namespace {

constexpr uint8_t kOpcodeFunctionPreGa = 246;  // RDB_OPCODE_FUNCTION (7.0 release candidates)
constexpr uint8_t kOpcodeFunction2 = 245;      // RDB_OPCODE_FUNCTION2
constexpr uint16_t kRdbVersion = 10;           // RDB_VERSION of Redis 7.0
constexpr size_t kFooter = 10;                 // version (2) + CRC64 (8)

const std::array<uint64_t, 256>& CrcTable() {
  static const std::array<uint64_t, 256> table = [] {
    std::array<uint64_t, 256> t{};
    constexpr uint64_t kPoly = 0x95ac9329ac4bc9b5ULL;  // 0xad93d23594c935a9 reflected
    for (uint64_t i = 0; i < 256; i++) {
      uint64_t c = i;
      for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

void AppendLen(std::string* out, uint64_t len) {
  if (len < (1 << 6)) {
    out->push_back(static_cast<char>(len));
  } else if (len < (1 << 14)) {
    out->push_back(static_cast<char>(((len >> 8) & 0x3f) | 0x40));
    out->push_back(static_cast<char>(len & 0xff));
  } else if (len <= 0xffffffffULL) {
    out->push_back(static_cast<char>(0x80));
    for (int s = 24; s >= 0; s -= 8) out->push_back(static_cast<char>((len >> s) & 0xff));
  } else {
    out->push_back(static_cast<char>(0x81));
    for (int s = 56; s >= 0; s -= 8) out->push_back(static_cast<char>((len >> s) & 0xff));
  }
}

void AppendLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A reader over the whole payload (footer included), as Redis' buffer rio.
struct Reader {
  std::string_view data;
  size_t pos = 0;
  bool Read(size_t n, const char** p) {
    if (n > data.size() - pos) return false;
    *p = data.data() + pos;
    pos += n;
    return true;
  }
  bool Byte(uint8_t* b) {
    const char* p;
    if (!Read(1, &p)) return false;
    *b = static_cast<uint8_t>(*p);
    return true;
  }
  // rdbLoadLen: false on a short read or an unknown length type.
  bool Len(uint64_t* len, bool* encoded, uint8_t* enc) {
    uint8_t b;
    if (!Byte(&b)) return false;
    *encoded = false;
    const int type = (b & 0xc0) >> 6;
    if (type == 3) {  // callers that pass no isencoded take the low bits as a length
      *encoded = true;
      *enc = b & 0x3f;
      *len = b & 0x3f;
      return true;
    }
    if (type == 0) {
      *len = b & 0x3f;
      return true;
    }
    if (type == 1) {
      uint8_t b2;
      if (!Byte(&b2)) return false;
      *len = (uint64_t(b & 0x3f) << 8) | b2;
      return true;
    }
    int bytes = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
    if (bytes == 0) return false;
    const char* p;
    if (!Read(bytes, &p)) return false;
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v = (v << 8) | static_cast<uint8_t>(p[i]);
    *len = v;
    return true;
  }
  // rdbLoadLen(rdb, NULL): an encoded-string byte reads as its low 6 bits.
  bool PlainLen(uint64_t* len) {
    bool encoded;
    uint8_t enc;
    return Len(len, &encoded, &enc);
  }
  // rdbGenericLoadStringObject: plain, integer-encoded or LZF strings.
  bool String(std::string* out) {
    uint64_t len = 0;
    bool encoded;
    uint8_t enc = 0;
    if (!Len(&len, &encoded, &enc)) return false;
    const char* p;
    if (!encoded) {
      if (!Read(len, &p)) return false;
      out->assign(p, len);
      return true;
    }
    if (enc <= 2) {  // RDB_ENC_INT8/16/32, little-endian signed
      const int bytes = 1 << enc;
      if (!Read(bytes, &p)) return false;
      uint64_t v = 0;
      for (int i = bytes - 1; i >= 0; i--) v = (v << 8) | static_cast<uint8_t>(p[i]);
      int64_t s = bytes == 1 ? int8_t(v) : bytes == 2 ? int16_t(v) : int32_t(v);
      *out = std::to_string(s);
      return true;
    }
    if (enc != 3) return false;  // RDB_ENC_LZF
    uint64_t clen, ulen;
    if (!PlainLen(&clen) || !PlainLen(&ulen)) return false;
    if (!Read(clen, &p)) return false;
    // One LZF byte never expands to more than ~88: a larger claim is corrupt, and refusing
    // it keeps the allocation bounded by the payload's size.
    if (ulen > clen * 90 + 64) return false;
    out->assign(ulen, '\0');
    return LzfDecompress(std::string_view(p, clen), reinterpret_cast<uint8_t*>(out->data()), ulen) == ulen;
  }
};

}  // namespace

uint64_t Crc64(uint64_t crc, std::string_view data) {
  const auto& t = CrcTable();
  for (unsigned char c : data) crc = t[(crc ^ c) & 0xff] ^ (crc >> 8);
  return crc;
}

// Redis' lzf_compress step for step (same hash, same match search, same bounds checks), so
// the bytes are Redis'. Redis leaves its hash table uninitialised (INIT_HTAB 0): a fresh
// stack gives zeros, which is what this starts from every time.
size_t LzfCompress(std::string_view input, uint8_t* out, size_t out_len) {
  const auto* in = reinterpret_cast<const uint8_t*>(input.data());
  const size_t in_len = input.size();
  if (in_len == 0 || out_len == 0) return 0;
  constexpr unsigned kHlog = 16;
  constexpr uint32_t kHsize = 1u << kHlog;
  constexpr size_t kMaxLit = 1 << 5, kMaxOff = 1 << 13, kMaxRef = (1 << 8) + (1 << 3);
  auto htab = std::make_unique<uint32_t[]>(kHsize);  // positions; 0 is empty
  auto idx = [](uint32_t h) { return ((h >> (3 * 8 - kHlog)) - h * 5) & (kHsize - 1); };
  auto next = [&](uint32_t v, size_t p) { return (v << 8) | in[p + 2]; };
  auto first = [&](size_t p) { return (uint32_t(in[p]) << 8) | in[p + 1]; };

  size_t ip = 0, op = 1;  // op 0 holds the first literal run's length
  size_t lit = 0;
  uint32_t hval = first(0);
  while (ip + 2 < in_len) {
    hval = next(hval, ip);
    uint32_t& slot = htab[idx(hval)];
    const uint32_t ref = slot;
    slot = static_cast<uint32_t>(ip);
    size_t off = 0;
    if (ref != 0 && ref < ip && (off = ip - ref - 1) < kMaxOff && in[ref + 2] == in[ip + 2] && in[ref] == in[ip] &&
        in[ref + 1] == in[ip + 1]) {
      size_t len = 2;
      size_t maxlen = in_len - ip - len;
      if (maxlen > kMaxRef) maxlen = kMaxRef;
      if (op + 3 + 1 >= out_len && op - (lit == 0 ? 1 : 0) + 3 + 1 >= out_len) return 0;
      out[op - lit - 1] = static_cast<uint8_t>(lit - 1);  // stop the run
      if (lit == 0) op--;                                 // or undo an empty one
      bool mismatch = false;
      if (maxlen > 16) {  // Redis' unrolled first 16 comparisons (no bound check)
        for (int k = 0; k < 16 && !mismatch; k++) {
          len++;
          mismatch = in[ref + len] != in[ip + len];
        }
      }
      if (!mismatch) {
        do len++;
        while (len < maxlen && in[ref + len] == in[ip + len]);
      }
      len -= 2;  // octets - 1
      ip++;
      if (len < 7) {
        out[op++] = static_cast<uint8_t>((off >> 8) + (len << 5));
      } else {
        out[op++] = static_cast<uint8_t>((off >> 8) + (7 << 5));
        out[op++] = static_cast<uint8_t>(len - 7);
      }
      out[op++] = static_cast<uint8_t>(off);
      lit = 0;
      op++;  // start a run
      ip += len + 1;
      if (ip + 2 >= in_len) break;
      ip -= 2;  // VERY_FAST: hash the match's last two positions
      hval = first(ip);
      hval = next(hval, ip);
      htab[idx(hval)] = static_cast<uint32_t>(ip);
      ip++;
      hval = next(hval, ip);
      htab[idx(hval)] = static_cast<uint32_t>(ip);
      ip++;
    } else {
      if (op >= out_len) return 0;
      lit++;
      out[op++] = in[ip++];
      if (lit == kMaxLit) {
        out[op - lit - 1] = static_cast<uint8_t>(lit - 1);
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > out_len) return 0;  // at most 3 bytes can be missing here
  while (ip < in_len) {
    lit++;
    out[op++] = in[ip++];
    if (lit == kMaxLit) {
      out[op - lit - 1] = static_cast<uint8_t>(lit - 1);
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = static_cast<uint8_t>(lit - 1);
  if (lit == 0) op--;
  return op;
}

size_t LzfDecompress(std::string_view input, uint8_t* out, size_t out_len) {
  const auto* in = reinterpret_cast<const uint8_t*>(input.data());
  const size_t in_len = input.size();
  size_t ip = 0, op = 0;
  while (ip < in_len) {
    size_t ctrl = in[ip++];
    if (ctrl < (1 << 5)) {  // a literal run of ctrl + 1 bytes
      ctrl++;
      if (op + ctrl > out_len || ip + ctrl > in_len) return 0;
      std::memcpy(out + op, in + ip, ctrl);
      op += ctrl;
      ip += ctrl;
    } else {  // a back reference
      size_t len = ctrl >> 5;
      size_t back = (ctrl & 0x1f) << 8;
      if (ip >= in_len) return 0;
      if (len == 7) {
        len += in[ip++];
        if (ip >= in_len) return 0;
      }
      back += in[ip++] + 1;
      if (op + len + 2 > out_len || back > op) return 0;
      for (size_t i = 0; i < len + 2; i++, op++) out[op] = out[op - back];
    }
  }
  return op;
}

void AppendRdbString(std::string* out, std::string_view s) {
  // No integer encoding: a library's code starts with "#!", never a number.
  // Under 20 bytes LZF cannot win (Redis' comment); it must save at least 4 bytes.
  if (s.size() > 20) {
    const size_t outlen = s.size() - 4;
    std::string buf(outlen + 8, '\0');
    const size_t n = LzfCompress(s, reinterpret_cast<uint8_t*>(buf.data()), outlen);
    if (n > 0) {
      out->push_back(static_cast<char>(0xc3));  // RDB_ENCVAL << 6 | RDB_ENC_LZF
      AppendLen(out, n);
      AppendLen(out, s.size());
      out->append(buf.data(), n);
      return;
    }
  }
  AppendLen(out, s.size());
  out->append(s);
}

std::string FunctionDumpPayload(const std::vector<std::string>& codes) {
  std::string out;
  for (const std::string& code : codes) {
    out.push_back(static_cast<char>(kOpcodeFunction2));
    AppendRdbString(&out, code);
  }
  AppendLe(&out, kRdbVersion, 2);
  AppendLe(&out, Crc64(0, out), 8);
  return out;
}

bool ParseFunctionPayload(std::string_view payload, const std::function<std::string(std::string_view)>& load,
                          std::string* error) {
  const size_t n = payload.size();
  if (n < kFooter) {
    *error = "ERR DUMP payload version or checksum are wrong";
    return false;
  }
  const auto* footer = reinterpret_cast<const uint8_t*>(payload.data() + n - kFooter);
  const uint16_t version = static_cast<uint16_t>(footer[0] | (footer[1] << 8));
  uint64_t crc = 0;
  for (int i = 7; i >= 0; i--) crc = (crc << 8) | footer[2 + i];
  if (version > kRdbVersion || Crc64(0, payload.substr(0, n - 8)) != crc) {
    *error = "ERR DUMP payload version or checksum are wrong";
    return false;
  }
  Reader r{payload};
  // Redis loops while `len - pos > 10` in unsigned arithmetic: it stops exactly at the
  // footer or at the end, and a string that ran into the footer keeps it reading.
  while (r.pos != n && r.pos != n - kFooter) {
    uint8_t type;
    if (!r.Byte(&type)) {
      *error = "ERR can not read data type";
      return false;
    }
    if (type != kOpcodeFunction2 && type != kOpcodeFunctionPreGa) {
      *error = "ERR given type is not a function";
      return false;
    }
    std::string code;
    if (type == kOpcodeFunctionPreGa) {
      // 7.0 rc1/rc2 records: name, engine, description flag (and text), code without
      // its header line; Redis rebuilds the header and ignores the description.
      std::string name, engine, desc, blob;
      uint64_t has_desc = 0;
      const char* fail = nullptr;
      if (!r.String(&name)) fail = "ERR Failed loading library name";
      else if (!r.String(&engine)) fail = "ERR Failed loading engine name";
      else if (!r.PlainLen(&has_desc)) fail = "ERR Failed loading library description indicator";
      else if (has_desc != 0 && !r.String(&desc)) fail = "ERR Failed loading library description";
      else if (!r.String(&blob)) fail = "ERR Failed loading library blob";
      if (fail != nullptr) {
        *error = fail;
        return false;
      }
      code = "#!" + engine + " name=" + name + "\n" + blob;
    } else if (!r.String(&code)) {
      *error = "ERR Failed loading library payload";
      return false;
    }
    *error = load(code);
    if (!error->empty()) return false;
  }
  return true;
}

}  // namespace kiwi
