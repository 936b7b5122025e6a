// The circuit breaker's state machine, on a fake clock.
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerOptions } from '../../src/storage/circuit-breaker.js';

const options: BreakerOptions = { enabled: true, failureThreshold: 3, failureRate: 0.5, minimumRequests: 10, windowMs: 1000, cooldownMs: 100, halfOpenProbes: 1 };

function breaker(o: Partial<BreakerOptions> = {}) {
  let now = 1_000_000;
  const b = new CircuitBreaker({ ...options, ...o }, () => now);
  const transitions: string[] = [];
  b.onTransition = (from, to) => transitions.push(`${from}->${to}`);
  return { b, transitions, advance: (ms: number) => (now += ms) };
}

describe('circuit breaker', () => {
  it('opens after a run of consecutive failures and rejects at once', () => {
    const { b } = breaker();
    b.record(false, false);
    b.record(false, false);
    expect(b.acquire()).toBe('allow');
    b.record(false, false);
    expect(b.state).toBe('open');
    expect(b.acquire()).toBe('reject');
    expect(b.stats().rejected).toBe(1);
  });

  it('a success resets the run of failures', () => {
    const { b } = breaker();
    b.record(false, false);
    b.record(false, false);
    b.record(true, false);
    b.record(false, false);
    b.record(false, false);
    expect(b.state).toBe('closed');
  });

  it('opens on the failure ratio over the window once it has enough outcomes', () => {
    const { b } = breaker({ failureThreshold: 100 });
    for (let i = 0; i < 9; i++) b.record(i % 2 === 0, false);
    expect(b.state).toBe('closed');
    b.record(false, false);
    expect(b.state).toBe('open');
  });

  it('outcomes older than the window do not count', () => {
    const { b, advance } = breaker({ failureThreshold: 100 });
    for (let i = 0; i < 9; i++) b.record(false, false);
    advance(2000);
    b.record(false, false);
    expect(b.state).toBe('closed');
  });

  it('half-opens after the cooldown, lets one probe through, and closes when it succeeds', () => {
    const { b, advance, transitions } = breaker();
    for (let i = 0; i < 3; i++) b.record(false, false);
    advance(99);
    expect(b.acquire()).toBe('reject');
    advance(1);
    expect(b.acquire()).toBe('probe');
    expect(b.acquire()).toBe('wait');
    b.record(true, true);
    expect(b.state).toBe('closed');
    expect(transitions).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
  });

  it('a failed probe opens it again for another cooldown', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.record(false, false);
    advance(100);
    expect(b.acquire()).toBe('probe');
    b.record(false, true);
    expect(b.state).toBe('open');
    expect(b.acquire()).toBe('reject');
    expect(b.stats().opened).toBe(2);
  });

  it('when disabled it always allows', () => {
    const { b } = breaker({ enabled: false });
    for (let i = 0; i < 10; i++) b.record(false, false);
    expect(b.acquire()).toBe('allow');
    expect(b.state).toBe('closed');
  });
});

describe('which replies are storage failures', () => {
  it('only the StatusCode() range (IO_ERROR..UNKNOWN); command errors of any family are not', async () => {
    const { failureCode } = await import('../../src/storage/batch-outcome.js');
    const { OpError } = await import('../../src/storage/codec.js');
    const { ErrorCode } = await import('../../src/storage/ops.js');
    expect(failureCode(new OpError(ErrorCode.IO_ERROR, ''))).toBe(ErrorCode.IO_ERROR);
    expect(failureCode(new OpError(ErrorCode.UNKNOWN, ''))).toBe(ErrorCode.UNKNOWN);
    for (const code of [ErrorCode.WRONGTYPE, ErrorCode.NOT_HLL, ErrorCode.LCS_NOT_STRING, ErrorCode.GEO_NO_MEMBER, ErrorCode.GEO_DEFERRED]) {
      expect(failureCode(new OpError(code, '')), `code ${code}`).toBe(0);
    }
    expect(failureCode([null, new OpError(ErrorCode.GEO_NO_MEMBER, ''), new OpError(ErrorCode.CORRUPTION, '')])).toBe(ErrorCode.CORRUPTION);
  });
});
