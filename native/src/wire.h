// Reading the request wire format and writing the result wire format (see ops.h and
// src/storage/codec.ts). Both are little-endian and unaligned; memcpy keeps that legal.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "ops.h"

namespace kiwi {

struct Command {
  uint8_t op;
  uint8_t db;
  uint16_t flags;
  int64_t a;
  int64_t b;
  uint32_t first_arg;  // index into Request::args
  uint32_t argc;
};

// A decoded batch: commands and argument views into the caller's buffers, which stay
// alive and unchanged until the batch completes (the JS side holds them).
struct Request {
  std::vector<Command> commands;
  std::vector<std::string_view> args;

  std::string_view arg(const Command& c, uint32_t i) const { return args[c.first_arg + i]; }

  // Returns false (and leaves a partial decode) if the bytes are malformed; the caller
  // then fails the whole batch with BAD_REQUEST. C++ only guards: TS validates.
  bool Decode(const uint8_t* data, size_t size, const std::vector<std::string_view>& blobs);
};

class ReplyWriter {
 public:
  explicit ReplyWriter(std::string* out) : out_(out) {}

  void Nil() { out_->push_back(static_cast<char>(kReply_NIL)); }
  void Ok() { out_->push_back(static_cast<char>(kReply_OK)); }
  void Int(int64_t v) {
    out_->push_back(static_cast<char>(kReply_INT));
    Put(&v, 8);
  }
  void Bulk(std::string_view s) {
    out_->push_back(static_cast<char>(kReply_BULK));
    PutU32(static_cast<uint32_t>(s.size()));
    out_->append(s.data(), s.size());
  }
  void Status(std::string_view s) {
    out_->push_back(static_cast<char>(kReply_STATUS));
    PutU32(static_cast<uint32_t>(s.size()));
    out_->append(s.data(), s.size());
  }
  void Error(ErrorCode code, std::string_view message = {}) {
    out_->push_back(static_cast<char>(kReply_ERROR));
    out_->push_back(static_cast<char>(code));
    PutU32(static_cast<uint32_t>(message.size()));
    out_->append(message.data(), message.size());
  }
  void Array(uint32_t n) {
    out_->push_back(static_cast<char>(kReply_ARRAY));
    PutU32(n);
  }
  // Reserves an array header whose count is patched later (scans do not know it upfront).
  size_t ArrayPlaceholder() {
    out_->push_back(static_cast<char>(kReply_ARRAY));
    const size_t at = out_->size();
    PutU32(0);
    return at;
  }
  void PatchArray(size_t at, uint32_t n) { std::memcpy(&(*out_)[at], &n, 4); }

  // A RESP reply built in place: RespBegin, then RespArray/RespBulk, then RespEnd with
  // what RespBegin returned.
  size_t RespBegin() {
    out_->push_back(static_cast<char>(kReply_RESP));
    const size_t at = out_->size();
    PutU32(0);
    return at;
  }
  void RespArray(uint64_t n) { RespLine('*', n); }
  void RespBulk(std::string_view s) {
    RespLine('$', s.size());
    out_->append(s.data(), s.size());
    out_->append("\r\n", 2);
  }
  void RespEnd(size_t at) {
    const uint32_t n = static_cast<uint32_t>(out_->size() - at - 4);
    std::memcpy(&(*out_)[at], &n, 4);
  }

  // A KEYS_REPORT prefix (ops.h): the count, then one KeyReport per key.
  void KeysReportBegin(uint8_t n) {
    out_->push_back(static_cast<char>(kReply_KEYS_REPORT));
    out_->push_back(static_cast<char>(n));
  }
  // Returns where the bits are, for OrByte once the command has run.
  size_t KeyReport(uint8_t bits, std::string_view key) {
    const size_t at = out_->size();
    out_->push_back(static_cast<char>(bits));
    PutU32(static_cast<uint32_t>(key.size()));
    out_->append(key.data(), key.size());
    return at;
  }
  void OrByte(size_t at, uint8_t bits) { (*out_)[at] = static_cast<char>(static_cast<uint8_t>((*out_)[at]) | bits); }

  size_t size() const { return out_->size(); }
  void Truncate(size_t n) { out_->resize(n); }
  // The kind of the reply written at `at` (a size() taken before writing it).
  uint8_t KindAt(size_t at) const { return static_cast<uint8_t>((*out_)[at]); }
  void Reserve(size_t n) { out_->reserve(out_->size() + n); }

 private:
  void PutU32(uint32_t v) { Put(&v, 4); }
  void RespLine(char type, uint64_t n) {
    char buf[24];
    char* end = buf + sizeof(buf);
    char* p = end;
    do {
      *--p = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n != 0);
    out_->push_back(type);
    out_->append(p, static_cast<size_t>(end - p));
    out_->append("\r\n", 2);
  }
  void Put(const void* p, size_t n) { out_->append(static_cast<const char*>(p), n); }
  std::string* out_;
};

}  // namespace kiwi
