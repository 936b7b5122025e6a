// One status line on stderr while long runs go: the step, time elapsed, and an ETA when
// the step knows how much is left. On a terminal the line is redrawn in place every
// second; otherwise (a log file, CI) it is printed as a new line every 15 s, so logs
// stay readable. Other output goes through `log()`, which clears the line first.
const tty = process.stderr.isTTY;

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

class Progress {
  #started = performance.now();
  #stepStarted = performance.now();
  #step = '';
  #detail = () => '';
  #eta = () => NaN;
  #timer = null;
  #shown = false;
  #lastPrinted = -Infinity;

  /** Starts a step. `eta()` returns seconds left (NaN if unknown); `detail()` extra text. */
  step(name, { eta = () => NaN, detail = () => '' } = {}) {
    this.#step = name;
    this.#stepStarted = performance.now();
    this.#eta = eta;
    this.#detail = detail;
    this.#lastPrinted = -Infinity;
    this.#timer ??= setInterval(() => this.#draw(), 1000).unref();
    this.#draw();
  }

  /** Seconds since this step started. */
  stepElapsed() {
    return (performance.now() - this.#stepStarted) / 1000;
  }

  line() {
    const elapsed = (performance.now() - this.#started) / 1000;
    const eta = this.#eta();
    const detail = this.#detail();
    return `[bench] ${this.#step}${detail ? ` ${detail}` : ''} | elapsed ${formatDuration(elapsed)}${Number.isFinite(eta) ? ` | ETA ${formatDuration(eta)}` : ''}`;
  }

  #draw() {
    if (!this.#step) return;
    if (tty) {
      process.stderr.write(`\r\x1b[K${this.line().slice(0, (process.stderr.columns || 200) - 1)}`);
      this.#shown = true;
    } else if (performance.now() - this.#lastPrinted >= 15_000) {
      process.stderr.write(`${this.line()}\n`);
      this.#lastPrinted = performance.now();
    }
  }

  log(text) {
    if (this.#shown) process.stderr.write('\r\x1b[K');
    this.#shown = false;
    process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    if (tty) this.#draw();
  }

  done() {
    clearInterval(this.#timer);
    this.#timer = null;
    if (this.#shown) process.stderr.write('\r\x1b[K');
    this.#shown = false;
    this.#step = '';
  }
}

export const progress = new Progress();

/** A text bar for a loader: `[#####.....] 1234/5120 MB 85.2 MB/s`. */
export function bar(fraction, width = 24) {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}
