// Constants of the JS <-> C++ batch wire format: op codes, per-op flags, reply kinds,
// error codes and batch statuses. They are exported to JS as `constants` and
// src/storage/ops.ts mirrors them; test/storage/ops.test.ts fails if the two disagree.
//
// These only travel inside one process, so they may change between versions. Persisted
// bytes live in format.h, not here.
#pragma once

#include <cstdint>

namespace kiwi {

// The op list: the one place a storage command is declared. Everything else is generated
// from it: the dispatch table (exec.cc), the handler declarations (exec.h), the constants
// the addon exports, and src/storage/ops.generated.ts (scripts/gen-ops.mjs; a test fails
// when that file is stale).
//
// X(NAME, code, class, keys, handler)
//   class decides how a run of commands executes:
//     R = point read: consecutive reads share one MultiGet of their keys' records,
//     V = read that needs one consistent view (several members, ranges): a run holding
//         one reads its records and members from one snapshot,
//     W = write of top-level records only (strings, expiry, deletes),
//     M = write that also touches members (composite types): its write group indexes
//         its batch, so each command sees the group's earlier writes, members included,
//     S = scans, admin and whole-keyspace operations (run alone).
//   keys tells which arguments are keys (for locks and the MultiGet):
//     K0 none, K1 the first, K2 the first two, KA all, KP every other from the first
//     (MSET pairs), KB the first `b`, KMV the first in `db` and again in database `b`
//     (MOVE), KCP the first in `db` and the second in database `b` (COPY).
//   handler is the function in native/src/types/<family>.cc; its signature follows the
//   class (exec.h).
// RAW_SET stores bytes as they are, header included: tests use it to plant values of
// types and formats this version cannot create yet; RAW_MEMBER does the same for a member
// record (argument 0 the whole member key, family in `a`). FAIL_WRITE makes its write group's
// commit fail with the status `a` selects (1 busy, 2 try again, 3 I/O error, 4 no space)
// without writing: tests use it to exercise retries and the circuit breaker.
#define KIWI_OPS(X)                                           \
  X(GET, 1, R, K1, GetCmd)                                    \
  X(SET, 2, W, K1, SetCmd)                                    \
  X(DEL, 3, W, KA, DelCmd)                                    \
  X(EXISTS, 4, R, KA, ExistsCmd)                              \
  X(EXPIRE, 5, W, K1, ExpireCmd)                              \
  X(PERSIST, 6, W, K1, PersistCmd)                            \
  X(TTL, 7, R, K1, TtlCmd)                                    \
  X(INCRBY, 8, W, K1, IncrByCmd)                              \
  X(INCRBYFLOAT, 9, W, K1, IncrByFloatCmd)                    \
  X(MSET, 10, W, KP, MSetCmd)                                 \
  X(MSETNX, 11, W, KP, MSetNxCmd)                             \
  X(MGET, 12, R, KA, MGetCmd)                                 \
  X(APPEND, 13, W, K1, AppendCmd)                             \
  X(STRLEN, 14, R, K1, StrlenCmd)                             \
  X(GETRANGE, 15, R, K1, GetRangeCmd)                         \
  X(SETRANGE, 16, W, K1, SetRangeCmd)                         \
  X(GETDEL, 17, W, K1, GetDelCmd)                             \
  X(GETEX, 18, W, K1, GetExCmd)                               \
  X(BATCH, 19, S, K0, BatchCmd)                               \
  X(TYPE, 20, R, K1, TypeCmd)                                 \
  X(KEYS, 21, S, K0, KeysCmd)                                 \
  X(SCAN, 22, S, K0, ScanCmd)                                 \
  X(DBSIZE, 23, S, K0, DbSizeCmd)                             \
  X(FLUSHDB, 24, S, K0, FlushDbCmd)                           \
  X(FLUSHALL, 25, S, K0, FlushAllCmd)                         \
  X(RANDOMKEY, 26, S, K0, RandomKeyCmd)                       \
  X(RENAME, 27, M, K2, RenameCmd)                             \
  X(PING, 28, S, K0, PingCmd)                                 \
  X(COMPACT, 29, S, K0, CompactCmd)                           \
  X(FLUSH_MEMTABLE, 30, S, K0, FlushMemtableCmd)              \
  X(RAW_SET, 31, W, K1, RawSetCmd)                            \
  X(FAIL_WRITE, 32, W, K0, FailWriteCmd)                      \
  X(COPY, 33, M, KCP, CopyCmd)                                \
  X(MOVE, 34, M, KMV, MoveCmd)                                \
  X(OBJECT, 35, R, K1, ObjectCmd)                             \
  X(RAW_MEMBER, 36, M, K0, RawMemberCmd)                      \
  X(HSET, 40, M, K1, HSetCmd)                                 \
  X(HGET, 41, R, K1, HGetCmd)                                 \
  X(HMGET, 42, V, K1, HMGetCmd)                               \
  X(HDEL, 43, M, K1, HDelCmd)                                 \
  X(HLEN, 44, R, K1, HLenCmd)                                 \
  X(HSTRLEN, 45, R, K1, HStrlenCmd)                           \
  X(HEXISTS, 46, R, K1, HExistsCmd)                           \
  X(HGETALL, 47, V, K1, HGetAllCmd)                           \
  X(HINCRBY, 48, M, K1, HIncrByCmd)                           \
  X(HINCRBYFLOAT, 49, M, K1, HIncrByFloatCmd)                 \
  X(HRANDFIELD, 50, V, K1, HRandFieldCmd)                     \
  X(HSCAN, 51, V, K1, HScanCmd)                               \
  X(SADD, 60, M, K1, SAddCmd)                                 \
  X(SREM, 61, M, K1, SRemCmd)                                 \
  X(SCARD, 62, R, K1, SCardCmd)                               \
  X(SISMEMBER, 63, R, K1, SIsMemberCmd)                       \
  X(SMISMEMBER, 64, V, K1, SMIsMemberCmd)                     \
  X(SMEMBERS, 65, V, K1, SMembersCmd)                         \
  X(SPOP, 66, M, K1, SPopCmd)                                 \
  X(SRANDMEMBER, 67, V, K1, SRandMemberCmd)                   \
  X(SMOVE, 68, M, K2, SMoveCmd)                               \
  X(SINTER, 69, V, KA, SetAlgebraCmd)                         \
  X(SUNION, 70, V, KA, SetAlgebraCmd)                         \
  X(SDIFF, 71, V, KA, SetAlgebraCmd)                          \
  X(SINTERCARD, 72, V, KA, SetAlgebraCmd)                     \
  X(SINTERSTORE, 73, M, KA, SetStoreCmd)                      \
  X(SUNIONSTORE, 74, M, KA, SetStoreCmd)                      \
  X(SDIFFSTORE, 75, M, KA, SetStoreCmd)                       \
  X(SSCAN, 76, V, K1, SScanCmd)                               \
  X(LPUSH, 80, M, K1, LPushCmd)                               \
  X(LPOP, 81, M, K1, LPopCmd)                                 \
  X(LLEN, 82, R, K1, LLenCmd)                                 \
  X(LINDEX, 83, R, K1, LIndexCmd)                             \
  X(LSET, 84, M, K1, LSetCmd)                                 \
  X(LRANGE, 85, V, K1, LRangeCmd)                             \
  X(LINSERT, 86, M, K1, LInsertCmd)                           \
  X(LREM, 87, M, K1, LRemCmd)                                 \
  X(LTRIM, 88, M, K1, LTrimCmd)                               \
  X(LPOS, 89, V, K1, LPosCmd)                                 \
  X(LMOVE, 90, M, K2, LMoveCmd)                               \
  X(LMPOP, 91, M, KA, LMPopCmd)                               \
  X(SORT, 140, V, K1, SortCmd)                                \
  X(SORT_STORE, 141, M, K2, SortStoreCmd)                     \
  X(ZADD, 100, M, K1, ZAddCmd)                                \
  X(ZSCORE, 101, R, K1, ZScoreCmd)                            \
  X(ZMSCORE, 102, V, K1, ZMScoreCmd)                          \
  X(ZCARD, 103, R, K1, ZCardCmd)                              \
  X(ZCOUNT, 104, V, K1, ZCountCmd)                            \
  X(ZRANK, 105, V, K1, ZRankCmd)                              \
  X(ZRANGE, 106, V, K1, ZRangeCmd)                            \
  X(ZRANGESTORE, 107, M, K2, ZRangeStoreCmd)                  \
  X(ZREM, 108, M, K1, ZRemCmd)                                \
  X(ZREMRANGE, 109, M, K1, ZRemRangeCmd)                      \
  X(ZPOP, 110, M, KA, ZPopCmd)                                \
  X(ZRANDMEMBER, 111, V, K1, ZRandMemberCmd)                  \
  X(ZSCAN, 112, V, K1, ZScanCmd)                              \
  X(ZUNION, 113, V, KB, ZAlgebraCmd)                          \
  X(ZINTER, 114, V, KB, ZAlgebraCmd)                          \
  X(ZDIFF, 115, V, KB, ZAlgebraCmd)                           \
  X(ZINTERCARD, 116, V, KB, ZAlgebraCmd)                      \
  X(ZUNIONSTORE, 117, M, KB, ZAlgebraStoreCmd)                \
  X(ZINTERSTORE, 118, M, KB, ZAlgebraStoreCmd)                \
  X(ZDIFFSTORE, 119, M, KB, ZAlgebraStoreCmd)                 \
  X(GEOADD, 120, M, K1, GeoAddCmd)                            \
  X(GEOPOS, 121, V, K1, GeoPosCmd)                            \
  X(GEODIST, 122, V, K1, GeoDistCmd)                          \
  X(GEOHASH, 123, V, K1, GeoHashCmd)                          \
  X(GEOSEARCH, 124, V, K1, GeoSearchCmd)                      \
  X(GEOSEARCHSTORE, 125, M, K2, GeoSearchStoreCmd)            \
  X(SETBIT, 150, W, K1, SetBitCmd)                            \
  X(GETBIT, 151, R, K1, GetBitCmd)                            \
  X(BITCOUNT, 152, R, K1, BitCountCmd)                        \
  X(BITPOS, 153, R, K1, BitPosCmd)                            \
  X(BITOP, 154, W, KA, BitOpCmd)                              \
  X(BITFIELD, 155, W, K1, BitFieldCmd)                        \
  X(BITFIELD_RO, 156, R, K1, BitFieldRoCmd)                   \
  X(LCS, 157, R, K2, LcsCmd)                                  \
  X(PFADD, 158, W, K1, PfAddCmd)                              \
  X(PFCOUNT, 159, W, KA, PfCountCmd)                          \
  X(PFMERGE, 160, W, KA, PfMergeCmd)                          \
  X(SWAPDB, 161, S, K0, SwapDbCmd)                            \
  X(SAVE, 162, S, K0, SaveCmd)                                \
  X(SAVE_INFO, 163, S, K0, SaveInfoCmd)                       \
  X(ACTIVE_EXPIRE, 164, S, K0, ActiveExpireCmd)               \
  X(XADD, 165, M, K1, XAddCmd)                                \
  X(XTRIM, 166, M, K1, XTrimCmd)                              \
  X(XLEN, 167, R, K1, XLenCmd)                                \
  X(XRANGE, 168, V, K1, XRangeCmd)                            \
  X(XDEL, 169, M, K1, XDelCmd)                                \
  X(XSETID, 170, M, K1, XSetIdCmd)                            \
  X(XREAD, 171, M, KB, XReadCmd)                              \
  X(XGROUP, 172, M, K1, XGroupCmd)                            \
  X(XREADGROUP, 173, M, KB, XReadGroupCmd)                    \
  X(XACK, 174, M, K1, XAckCmd)                                \
  X(XPENDING, 175, V, K1, XPendingCmd)                        \
  X(XCLAIM, 176, M, K1, XClaimCmd)                            \
  X(XAUTOCLAIM, 177, M, K1, XAutoClaimCmd)                    \
  X(XINFO, 178, V, K1, XInfoCmd)                              \
  X(EXEC, 200, S, K0, ExecCmd)                                \
  X(WATCH, 201, S, K0, WatchCmd)                              \
  X(UNWATCH, 202, S, K0, UnwatchCmd)                          \
  X(BLOCK, 203, S, K0, BlockCmd)                              \
  X(BLOCK_CANCEL, 204, S, K0, BlockCancelCmd)

enum Op : uint8_t {
#define KIWI_X(name, code, cls, keys, handler) kOp_##name = code,
  KIWI_OPS(KIWI_X)
#undef KIWI_X
};

// Per-op flag bits (the u16 `flags` field of a command). RESP_REPLY, for the ops that
// support it (LRANGE), asks for an array of bulk strings as one RESP reply (the command
// layer sets it; tests read the structured form).
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
  X(DBSIZE_EXPIRES, 1)             \
  X(HSET_NX, 1)                    \
  X(COUNT_GIVEN, 1)                \
  X(WITHVALUES, 2)                 \
  X(COPY_REPLACE, 1)               \
  X(RESP_REPLY, 32768)             \
  X(LIST_RIGHT, 4)                 \
  X(LIST_TO_RIGHT, 8)              \
  X(LIST_PUSHX, 16)                \
  X(LIST_BAD_INDEX, 32)            \
  X(SORT_DESC, 1)                  \
  X(SORT_ALPHA, 2)                 \
  X(SORT_BY, 4)                    \
  X(SORT_DONTSORT, 8)              \
  X(ZADD_NX, 1)                    \
  X(ZADD_XX, 2)                    \
  X(ZADD_GT, 4)                    \
  X(ZADD_LT, 8)                    \
  X(ZADD_CH, 16)                   \
  X(ZADD_INCR, 32)                 \
  X(ZRANGE_BYSCORE, 1)             \
  X(ZRANGE_BYLEX, 2)               \
  X(ZRANGE_REV, 4)                 \
  X(ZRANGE_WITHSCORES, 8)          \
  X(ZSET_CHECK_ONLY, 16)           \
  X(ZPOP_MAX, 2)                   \
  X(ZPOP_EMIT_KEY, 4)              \
  X(GEO_FROMMEMBER, 1)             \
  X(GEO_BYBOX, 2)                  \
  X(GEO_WITHDIST, 4)               \
  X(GEO_WITHHASH, 8)               \
  X(GEO_WITHCOORD, 16)             \
  X(GEO_ASC, 32)                   \
  X(GEO_DESC, 64)                  \
  X(GEO_ANY, 128)                  \
  X(GEO_STOREDIST, 256)            \
  X(GEO_DEFERRED_ERROR, 512)       \
  X(GEO_ERROR_IF_EXISTS, 1024)     \
  X(BIT_RANGE, 1)                  \
  X(BIT_UNIT, 2)                   \
  X(BIT_SET, 4)                    \
  X(BIT_END, 8)                    \
  X(LCS_LEN, 1)                    \
  X(LCS_IDX, 2)                    \
  X(LCS_MATCHLEN, 4)               \
  X(SAVE_BACKGROUND, 1)            \
  X(OBJECT_DEBUG, 1)               \
  X(CHECK_ONLY, 0x8000)            \
  X(REPORT_KEYS, 0x4000)           \
  X(EXEC_WATCHED, 1)               \
  X(BLOCK_RETRY, 1)                \
  X(XREAD_LAST_IDS, 1)             \
  X(XGROUP_MKSTREAM, 1)            \
  X(XREADGROUP_NOACK, 1)           \
  X(XPENDING_CONSUMER, 1)          \
  X(XCLAIM_ERROR, 1)               \
  X(XAUTOCLAIM_JUSTID, 1)

enum Flag : uint16_t {
#define KIWI_X(name, bit) kFlag_##name = bit,
  KIWI_FLAGS(KIWI_X)
#undef KIWI_X
};

// Reply kinds of the result wire format. KEYS_REPORT prefixes the reply of a write sent
// with REPORT_KEYS (keyspace notifications on): u8 count, then per key u8 bits
// (KeyReportBit), u32 length and the key, then the command's own reply. RESP: u32 length, then bytes already encoded as
// RESP, the same in RESP2 and RESP3 (an array of bulk strings), written to the client as
// they are: a long LRANGE then costs the JS side one view instead of one Buffer per element.
#define KIWI_REPLY_KINDS(X) \
  X(NIL, 0)                 \
  X(OK, 1)                  \
  X(INT, 2)                 \
  X(BULK, 3)                \
  X(ERROR, 4)               \
  X(ARRAY, 5)               \
  X(STATUS, 6)              \
  X(RESP, 7)                \
  X(KEYS_REPORT, 8)

// What a REPORT_KEYS write did to each of its keys (exec.cc), for the events that
// depend on it: "del" when a removal empties a key, "new", "persist", "expired".
enum KeyReportBit : uint8_t {
  kKey_EXISTED = 1,      // the key existed (unexpired) before the command
  kKey_EXISTS = 2,       // it exists after the command
  kKey_HAD_TTL = 4,      // it had an expiry before
  kKey_HAS_TTL = 8,      // it has one after
  kKey_EXPIRED = 16,     // it had expired: deleted on access before the command ran
  kKey_MEMBERS = 32,     // the command wrote members (a ZADD that only changed scores)
};

enum ReplyKind : uint8_t {
#define KIWI_X(name, code) kReply_##name = code,
  KIWI_REPLY_KINDS(KIWI_X)
#undef KIWI_X
};

// Error codes carried by ERROR replies. 1-19: the command's own (Redis) errors, mapped to
// Redis' texts in TS. 20-32: storage failures, from StatusCode() in status.cc. 33 and up:
// command errors again, in ranges per family (the breaker counts only 20-32).
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
  X(HASH_NOT_INTEGER, 10)       \
  X(HASH_NOT_FLOAT, 11)         \
  X(VALUE_NAN_OR_INFINITY, 12)  \
  X(INDEX_OUT_OF_RANGE, 14)     \
  X(SORT_NOT_DOUBLE, 15)        \
  X(ZSET_NAN, 13)               \
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
  X(UNKNOWN, 32)                \
  X(NOT_HLL, 33)                \
  X(INVALID_HLL, 34)            \
  X(LCS_NOT_STRING, 35)         \
  X(LCS_TOO_LONG, 36)           \
  X(LCS_MEMORY, 37)             \
  X(GEO_NO_MEMBER, 60)          \
  X(GEO_DEFERRED, 61)           \
  X(STREAM, 40)

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
