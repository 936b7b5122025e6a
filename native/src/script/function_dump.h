// FUNCTION DUMP and FUNCTION RESTORE payloads, byte-compatible with Redis 7.0: for each
// library RDB_OPCODE_FUNCTION2 (245) and its code as an RDB string (LZF-compressed as
// rdbSaveRawString does), then the RDB version (10, 2 bytes little-endian) and the
// CRC-64/Jones of all that (8 bytes little-endian), as createDumpPayload writes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace kiwi {

// Redis' crc64 (Jones polynomial, reflected, initial value `crc`).
uint64_t Crc64(uint64_t crc, std::string_view data);

// LZF as Redis' lzf_compress (HLOG 16, VERY_FAST) with a zeroed hash table: the output
// length, or 0 when it would not fit in out_len bytes. `out` must hold out_len + 8 bytes.
size_t LzfCompress(std::string_view in, uint8_t* out, size_t out_len);
// lzf_decompress with input checks: the output length, or 0 on a corrupt or oversized input.
size_t LzfDecompress(std::string_view in, uint8_t* out, size_t out_len);

// An RDB string as rdbSaveRawString writes it with rdbcompression on.
void AppendRdbString(std::string* out, std::string_view s);

// The FUNCTION DUMP payload of these library codes (in the given order).
std::string FunctionDumpPayload(const std::vector<std::string>& codes);
// Checks a FUNCTION RESTORE payload (verifyDumpPayload) and hands each library's code to
// `load` as it is read, as Redis does; `load` returns an error text or "" to go on. On a
// failure returns false with the error text (Redis' words, "ERR " included).
bool ParseFunctionPayload(std::string_view payload, const std::function<std::string(std::string_view)>& load,
                          std::string* error);

}  // namespace kiwi
