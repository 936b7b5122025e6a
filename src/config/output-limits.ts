// client-output-buffer-limit, in Redis' own format: "<class> <hard> <soft> <soft seconds>"
// for some of the classes normal, replica (slave) and pubsub. A setting names only the
// classes it changes; the others keep their value, as in Redis' CONFIG SET.

export interface OutputLimit {
  /** Bytes a client may owe before it is closed at once (0: no limit). */
  hard: number;
  /** Bytes it may owe for at most `seconds` (0: no limit). */
  soft: number;
  seconds: number;
}
export type OutputClass = 'normal' | 'replica' | 'pubsub';
export type OutputLimits = Record<OutputClass, OutputLimit>;

/** Redis' default: normal clients unlimited, replicas 256mb/64mb/60, pub/sub 32mb/8mb/60. */
export const DEFAULT_OUTPUT_LIMITS = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';

const CLASSES: Record<string, OutputClass> = { normal: 'normal', slave: 'replica', replica: 'replica', pubsub: 'pubsub' };
const UNITS: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3 };

function memory(text: string): number | undefined {
  const m = /^(\d+)([a-z]*)$/i.exec(text);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  return m && unit !== undefined ? Number(m[1]) * unit : undefined;
}

export function parseOutputLimits(text: string): OutputLimits {
  const limits = {} as OutputLimits;
  const words = text.trim().split(/\s+/);
  for (let i = 0; i + 3 < words.length; i += 4) {
    limits[CLASSES[words[i].toLowerCase()]] = { hard: Number(words[i + 1]), soft: Number(words[i + 2]), seconds: Number(words[i + 3]) };
  }
  return limits;
}

/**
 * Validates a new setting and merges it into `previous` (a normalised value); returns the
 * normalised whole ("normal h s n slave h s n pubsub h s n", byte counts). Throws the
 * reason, in Redis' words, when the setting is invalid.
 */
export function mergeOutputLimits(raw: string, previous: string = DEFAULT_OUTPUT_LIMITS): string {
  const words = raw.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0 || words.length % 4 !== 0) throw new Error('Wrong number of arguments in buffer limit configuration.');
  const merged = parseOutputLimits(previous);
  for (let i = 0; i < words.length; i += 4) {
    const cls = CLASSES[words[i].toLowerCase()];
    if (cls === undefined) throw new Error('Invalid client class specified in buffer limit configuration.');
    const hard = memory(words[i + 1]);
    const soft = memory(words[i + 2]);
    const seconds = /^\d+$/.test(words[i + 3]) ? Number(words[i + 3]) : undefined;
    if (hard === undefined || soft === undefined || seconds === undefined) throw new Error('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    merged[cls] = { hard, soft, seconds };
  }
  const part = (name: string, l: OutputLimit) => `${name} ${l.hard} ${l.soft} ${l.seconds}`;
  return [part('normal', merged.normal), part('slave', merged.replica), part('pubsub', merged.pubsub)].join(' ');
}
