// Constants of the JS <-> C++ batch wire format: op codes, per-op flags, reply kinds,
// error codes and batch statuses. They are exported to JS as `constants` and
// src/storage/ops.ts mirrors them; test/storage/ops.test.ts fails if the two disagree.
//
// These only travel inside one process, so they may change between versions. Persisted
// bytes live in format.h, not here.
#pragma once

#include <cstdint>

namespace kiwi {

// X(name, code, class). Class decides how a run of commands executes:
//   R = point read (consecutive ones share one MultiGet),
//   W = write or read-modify-write (consecutive ones share one WriteBatch under key locks),
//   S = scans, admin and whole-keyspace operations (run alone).
// RAW_SET stores bytes as they are, header included: tests use it to plant values of
// types and formats this version cannot create yet. FAIL_WRITE makes its write group's
// commit fail with the status `a` selects (1 busy, 2 try again, 3 I/O error, 4 no space)
// without writing: tests use it to exercise retries and the circuit breaker.
#define KIWI_OPS(X)      \
  X(GET, 1, R)           \
  X(SET, 2, W)           \
  X(DEL, 3, W)           \
  X(EXISTS, 4, R)        \
  X(EXPIRE, 5, W)        \
  X(PERSIST, 6, W)       \
  X(TTL, 7, R)           \
  X(INCRBY, 8, W)        \
  X(INCRBYFLOAT, 9, W)   \
  X(MSET, 10, W)         \
  X(MSETNX, 11, W)       \
  X(MGET, 12, R)         \
  X(APPEND, 13, W)       \
  X(STRLEN, 14, R)       \
  X(GETRANGE, 15, R)     \
  X(SETRANGE, 16, W)     \
  X(GETDEL, 17, W)       \
  X(GETEX, 18, W)        \
  X(BATCH, 19, S)        \
  X(TYPE, 20, R)         \
  X(KEYS, 21, S)         \
  X(SCAN, 22, S)         \
  X(DBSIZE, 23, S)       \
  X(FLUSHDB, 24, S)      \
  X(FLUSHALL, 25, S)     \
  X(RANDOMKEY, 26, S)    \
  X(RENAME, 27, W)       \
  X(PING, 28, S)         \
  X(COMPACT, 29, S)      \
  X(FLUSH_MEMTABLE, 30, S)  \
  X(RAW_SET, 31, W)         \
  X(FAIL_WRITE, 32, W)

enum Op : uint8_t {
#define KIWI_X(name, code, cls) kOp_##name = code,
  KIWI_OPS(KIWI_X)
#undef KIWI_X
};

// Per-op flag bits (the u16 `flags` field of a command).
#define KIWI_FLAGS(X)              \
  X(SET_NX, 1)                     \
  X(SET_XX, 2)                     \
  X(SET_GET, 4)                    \
  X(SET_KEEPTTL, 8)                \
  X(EXPIRE_RELATIVE, 16)           \
  X(EXPIRE_ABSOLUTE, 32)           \
  X(GETEX_PERSIST, 64)             \
  X(EXPIRE_SECONDS, 1)             \
  X(EXPIRE_AT, 2)                  \
  X(EXPIRE_NX, 4)                  \
  X(EXPIRE_XX, 8)                  \
  X(EXPIRE_GT, 16)                 \
  X(EXPIRE_LT, 32)                 \
  X(TTL_MS, 1)                     \
  X(TTL_ABSOLUTE, 2)               \
  X(RENAME_NX, 1)                  \
  X(SCAN_MATCH, 1)                 \
  X(DBSIZE_EXPIRES, 1)

enum Flag : uint16_t {
#define KIWI_X(name, bit) kFlag_##name = bit,
  KIWI_FLAGS(KIWI_X)
#undef KIWI_X
};

// Reply kinds of the result wire format.
#define KIWI_REPLY_KINDS(X) \
  X(NIL, 0)                 \
  X(OK, 1)                  \
  X(INT, 2)                 \
  X(BULK, 3)                \
  X(ERROR, 4)               \
  X(ARRAY, 5)               \
  X(STATUS, 6)

enum ReplyKind : uint8_t {
#define KIWI_X(name, code) kReply_##name = code,
  KIWI_REPLY_KINDS(KIWI_X)
#undef KIWI_X
};

// Error codes carried by ERROR replies. 1-19: the command's own (Redis) errors, mapped to
// Redis' texts in TS. 20 and up: storage failures, from StatusCode() in status.cc.
#define KIWI_ERRORS(X)          \
  X(WRONGTYPE, 1)               \
  X(NOT_INTEGER, 2)             \
  X(NOT_FLOAT, 3)               \
  X(OVERFLOW, 4)                \
  X(NAN_OR_INFINITY, 5)         \
  X(NO_SUCH_KEY, 6)             \
  X(STRING_TOO_LONG, 7)         \
  X(INVALID_EXPIRE, 8)          \
  X(BAD_REQUEST, 9)             \
  X(IO_ERROR, 20)               \
  X(CORRUPTION, 21)             \
  X(NOT_SUPPORTED, 22)          \
  X(INVALID_ARGUMENT, 23)       \
  X(BUSY, 24)                   \
  X(TRY_AGAIN, 25)              \
  X(TIMED_OUT, 26)              \
  X(INCOMPLETE, 27)             \
  X(SHUTDOWN_IN_PROGRESS, 28)   \
  X(NO_SPACE, 29)               \
  X(ABORTED, 30)                \
  X(MERGE_IN_PROGRESS, 31)      \
  X(UNKNOWN, 32)

enum ErrorCode : uint8_t {
#define KIWI_X(name, code) kErr_##name = code,
  KIWI_ERRORS(KIWI_X)
#undef KIWI_X
};

// Status of a whole batch, passed to the completion callback.
#define KIWI_BATCH_STATUS(X) \
  X(OK, 0)                   \
  X(DEADLINE_EXCEEDED, 1)    \
  X(CLOSED, 2)               \
  X(BAD_REQUEST, 3)          \
  X(CANCELLED, 4)

enum BatchStatus : uint8_t {
#define KIWI_X(name, code) kBatch_##name = code,
  KIWI_BATCH_STATUS(KIWI_X)
#undef KIWI_X
};

// Result of submit().
#define KIWI_SUBMIT_RESULTS(X) \
  X(ACCEPTED, 0)               \
  X(BACKPRESSURE, 1)           \
  X(CLOSED, 2)

// Priority classes of the request queue.
#define KIWI_PRIORITIES(X) \
  X(HIGH, 0)               \
  X(NORMAL, 1)             \
  X(LOW, 2)

constexpr int kPriorityCount = 3;

// A blob reference in place of an inline argument: the length field holds this marker
// and the next u32 indexes the blobs array passed with the batch (zero-copy values).
constexpr uint32_t kBlobMarker = 0xFFFFFFFFu;

// Size of a command header in the request: op u8, db u8, flags u16, argc u32, a i64, b i64.
constexpr size_t kCommandHeaderSize = 24;

}  // namespace kiwi
