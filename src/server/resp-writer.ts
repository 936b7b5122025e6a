// Encodes replies as RESP2 or RESP3 into a per-connection buffer. Small replies are
// copied into the buffer; bulk values of BIG_VALUE bytes or more are queued as they are,
// so a large GET is never copied on its way out.
import { ReplyError } from '../errors.js';
import { DoubleReply, EncodedReply, MapReply, NULL_ARRAY, SetReply, StatusReply, VerbatimReply, type Reply } from '../commands/reply.js';

export const BIG_VALUE = 64 * 1024;
const INITIAL = 16 * 1024;
// Below this a flush copies into Node's shared buffer pool (cheap); above, the buffer
// itself is handed to the socket and replaced.
const POOL_COPY = 4096;

const CRLF = Buffer.from('\r\n');
const NIL2 = Buffer.from('$-1\r\n');
const NIL3 = Buffer.from('_\r\n');
const NULL_ARRAY2 = Buffer.from('*-1\r\n');
const SMALL_INTS = Array.from({ length: 64 }, (_, i) => Buffer.from(`:${i}\r\n`));

// Error and status texts quote client bytes decoded as latin1 (one char per byte), so
// they go back out the same way; only text made of wider characters is UTF-8.
function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

export class RespWriter {
  #buf = Buffer.allocUnsafe(INITIAL);
  #off = 0;
  #out: Buffer[] = [];
  #queued = 0;
  /** Error replies written, for INFO stats. */
  errors = 0;

  /** Bytes encoded and not yet taken. */
  get pending(): number {
    return this.#queued + this.#off;
  }

  write(r: Reply, resp: 2 | 3): void {
    if (r === null) return this.#raw(resp === 3 ? NIL3 : NIL2);
    if (Buffer.isBuffer(r)) return this.#bulk(r);
    switch (typeof r) {
      case 'number':
        if (r >= 0 && r < 64 && Number.isInteger(r)) return this.#raw(SMALL_INTS[r]);
        return this.#line(':', String(r));
      case 'bigint':
        return this.#line(':', String(r));
      case 'string':
        return this.#bulkString(r);
      case 'symbol':
        return this.#raw(resp === 3 ? NIL3 : NULL_ARRAY2);
    }
    if (r instanceof EncodedReply) return this.#encoded(r.bytes);
    if (r instanceof StatusReply) return this.#line('+', r.text);
    if (r instanceof ReplyError) {
      this.errors++;
      return this.#line('-', r.text);
    }
    if (Array.isArray(r)) {
      this.#line('*', String(r.length));
      for (const item of r) this.write(item, resp);
      return;
    }
    if (r instanceof MapReply) {
      this.#line(resp === 3 ? '%' : '*', String(resp === 3 ? r.entries.length : r.entries.length * 2));
      for (const [k, v] of r.entries) {
        this.write(k, resp);
        this.write(v, resp);
      }
      return;
    }
    if (r instanceof SetReply) {
      this.#line(resp === 3 ? '~' : '*', String(r.items.length));
      for (const item of r.items) this.write(item, resp);
      return;
    }
    if (r instanceof DoubleReply) return resp === 3 ? this.#line(',', r.text) : this.#bulkString(r.text);
    if (r instanceof VerbatimReply) {
      if (resp === 2) return this.#bulkString(r.text);
      const body = `txt:${r.text}`;
      this.#line('=', String(Buffer.byteLength(body)));
      this.#text(body);
      return this.#raw(CRLF);
    }
    throw new TypeError(`cannot encode reply ${String(r)}`);
  }

  /** Everything encoded so far, ready for the socket; the writer starts empty again. */
  take(): Buffer[] {
    this.#seal();
    const out = this.#out;
    this.#out = [];
    this.#queued = 0;
    return out;
  }

  #seal(): void {
    if (this.#off === 0) return;
    if (this.#off <= POOL_COPY) {
      this.#push(Buffer.from(this.#buf.subarray(0, this.#off)));
    } else {
      this.#push(this.#buf.subarray(0, this.#off));
      this.#buf = Buffer.allocUnsafe(INITIAL);
    }
    this.#off = 0;
  }

  #push(b: Buffer): void {
    this.#out.push(b);
    this.#queued += b.length;
  }

  #reserve(n: number): void {
    if (this.#off + n <= this.#buf.length) return;
    this.#seal();
    if (n > this.#buf.length) this.#buf = Buffer.allocUnsafe(Math.max(n, INITIAL));
  }

  #raw(b: Buffer): void {
    this.#reserve(b.length);
    b.copy(this.#buf, this.#off);
    this.#off += b.length;
  }

  #text(s: string): void {
    const max = s.length * 3;
    this.#reserve(max);
    this.#off += this.#buf.write(s, this.#off, 'utf8');
  }

  #line(prefix: string, text: string): void {
    this.#reserve(text.length * 3 + 3);
    const buf = this.#buf;
    let off = this.#off;
    buf[off++] = prefix.charCodeAt(0);
    // Lengths, integers and statuses are short ASCII: a byte loop beats Buffer.write's
    // call overhead there; anything else takes the UTF-8 path.
    const n = text.length;
    let i = 0;
    if (n <= 32) {
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c > 0x7f) break;
        buf[off + i] = c;
      }
    }
    if (i === n) off += n;
    else off += buf.write(text, off, isLatin1(text) ? 'latin1' : 'utf8');
    buf[off++] = 13;
    buf[off++] = 10;
    this.#off = off;
  }

  #bulk(v: Buffer): void {
    this.#line('$', String(v.length));
    if (v.length >= BIG_VALUE) {
      this.#seal();
      this.#push(v);
    } else {
      this.#reserve(v.length);
      v.copy(this.#buf, this.#off);
      this.#off += v.length;
    }
    this.#raw(CRLF);
  }

  /** RESP bytes from the storage runtime, as they are (queued without a copy when large). */
  #encoded(v: Buffer): void {
    if (v.length >= BIG_VALUE) {
      this.#seal();
      this.#push(v);
    } else {
      this.#raw(v);
    }
  }

  #bulkString(s: string): void {
    this.#line('$', String(Buffer.byteLength(s)));
    this.#text(s);
    this.#raw(CRLF);
  }
}
