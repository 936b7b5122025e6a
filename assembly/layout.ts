// The memory layout and the numbers shared with the TS wrapper (src/protocol/wasm.ts).
//
// Everything lives in fixed static regions: the instance's memory never grows, however
// many connections share it and however large their values are. Per-connection state is
// not kept here between calls: the wrapper copies a connection's STATE slots in before
// each parse() call and out after it.
//
// The wrapper reads pointers and capacities through the exports; the slot and status
// numbers below are duplicated in src/protocol/wasm.ts and a test checks they agree.

/** Longest inline request Redis accepts without a newline (PROTO_INLINE_MAX_SIZE). */
export const INLINE_MAX: i32 = 64 * 1024;

/**
 * Input bytes: room for the carried bytes of an unfinished inline line (at most
 * INLINE_MAX), then a window of at least 64 KB of the chunk being parsed.
 */
export const INPUT_CAPACITY: i32 = 2 * INLINE_MAX + 512;

/**
 * Output i32 slots: command records [id, argc, first, n] and n (chunk offset, length)
 * pairs, or (-1 - input index, length) for an unescaped inline word. The densest input is a run of one-byte inline commands ("a\n"):
 * 4 header slots + 2 per argument for 2 bytes, so 3 slots per input byte always fit.
 */
export const OUTPUT_CAPACITY: i32 = 3 * INPUT_CAPACITY + 16;

export const STATE_SLOTS: i32 = 16;
export const RESULT_SLOTS: i32 = 16;
/** Longest command name the table can hold; longer names resolve to 0 at once. */
export const NAME_MAX: i32 = 32;

export const INPUT: usize = memory.data(INPUT_CAPACITY, 16);
export const OUTPUT: usize = memory.data(OUTPUT_CAPACITY * 4, 16);
export const STATE: usize = memory.data(STATE_SLOTS * 4, 16);
export const RESULT: usize = memory.data(RESULT_SLOTS * 4, 16);
export const NAME_SCRATCH: usize = memory.data(NAME_MAX, 16);

// A complete record's id may carry one of these: the name was sent all lowercase (the
// table's spelling) or all uppercase, so the wrapper can hand out a shared Buffer.
export const SPELLED_LOWER: i32 = 65536;
export const SPELLED_UPPER: i32 = 131072;

// STATE slots (i32 index; the i64 values take two slots, 8-byte aligned).
export const S_MODE: i32 = 0;
export const S_ARGC: i32 = 1; // arguments announced by the multibulk count
export const S_ARGI: i32 = 2; // arguments complete so far
export const S_HELD: i32 = 3; // arguments already handed to the wrapper
export const S_ID: i32 = 4; // command id once argument 0 is known, -1 before
export const S_LINE: i32 = 5; // bytes of the current line seen so far
export const S_FLAGS: i32 = 6; // number-parsing flags of the current header line
export const S_FIRST: i32 = 7; // first byte of the current header line
export const S_AUTH: i32 = 8; // 1 when the connection is authenticated (config)
export const S_NUM: i32 = 10; // u64 digits of the current header line
export const S_REMAIN: i32 = 12; // i64 payload bytes + 2 still to come
export const S_MAXBULK: i32 = 14; // i64 proto-max-bulk-len (config)

// RESULT slots, written by every parse() call.
export const R_STATUS: i32 = 0;
export const R_COMMANDS: i32 = 1; // complete command records in OUTPUT
export const R_PARTIAL: i32 = 2; // 1 when an unfinished command's record follows them
export const R_STOP: i32 = 3; // chunk offset where parsing stopped (YIELD)
export const R_ERROR_LINE: i32 = 4; // chunk offset of the refused line's first byte
export const R_ERROR_BYTE: i32 = 5; // the byte that was not '$'
export const R_PAYLOAD_AT: i32 = 6; // chunk offset of a payload handed over, or -1
export const R_CARRY: i32 = 7; // bytes of an unfinished inline line to carry over
export const R_PAYLOAD_LEN: i32 = 8; // i64 length of the payload handed over

// Parser modes.
export const M_IDLE: i32 = 0;
export const M_COUNT: i32 = 1; // in "*<count>\r\n"
export const M_BULK: i32 = 2; // in "$<len>\r\n"
export const M_PAYLOAD: i32 = 3; // in a bulk payload owned by the wrapper
export const M_INLINE: i32 = 4; // in an inline line
export const M_STUCK_COUNT: i32 = 5; // a NUL hides the line end, as strchr() does in Redis
export const M_STUCK_BULK: i32 = 6;
export const M_STUCK_INLINE: i32 = 7;

// parse() statuses. Errors are >= ERR_FIRST; their texts live in src/errors.ts.
export const OK: i32 = 0;
export const YIELD: i32 = 1; // one command done while unauthenticated: dispatch it first
/** A carried inline line ends in this window: put its bytes in front and call again. */
export const NEED_CARRY: i32 = 2;
export const ERR_FIRST: i32 = 3;
export const ERR_TOO_BIG_INLINE: i32 = 3;
export const ERR_UNBALANCED_QUOTES: i32 = 4;
export const ERR_TOO_BIG_MBULK_COUNT: i32 = 5;
export const ERR_INVALID_MBULK_LENGTH: i32 = 6;
export const ERR_UNAUTH_MBULK_LENGTH: i32 = 7;
export const ERR_TOO_BIG_BULK_COUNT: i32 = 8;
export const ERR_EXPECTED_DOLLAR: i32 = 9;
export const ERR_INVALID_BULK_LENGTH: i32 = 10;
export const ERR_UNAUTH_BULK_LENGTH: i32 = 11;
/** A bug, not client input: the output bound above was wrong. */
export const ERR_INTERNAL_OVERFLOW: i32 = 12;

// Redis' limits before AUTH when a password is set (networking.c).
export const UNAUTH_MAX_ARGS: i64 = 10;
export const UNAUTH_MAX_BULK: i64 = 16384;
