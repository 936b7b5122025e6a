// Redis-style log lines: "pid:M 26 Nov 2026 20:51:35.123 * message". Imports nothing.
export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';

const RANK: Record<string, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const MARK: Record<LogLevel, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class Logger {
  level: string;
  readonly #write: (line: string) => void;

  constructor(level = 'notice', write: (line: string) => void = (l) => process.stdout.write(l)) {
    this.level = level;
    this.#write = write;
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= (RANK[this.level] ?? 2);
  }

  log(level: LogLevel, message: string): void {
    if (!this.enabled(level)) return;
    const d = new Date();
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    const stamp = `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
    this.#write(`${process.pid}:M ${stamp} ${MARK[level]} ${message}\n`);
  }

  /** A line another thread formatted and filtered (network runtimes log through the main thread). */
  write(line: string): void {
    if (this.level !== 'nothing') this.#write(line);
  }
}

/** For embedding and tests: logs nothing. */
export const silentLogger = new Logger('nothing');
