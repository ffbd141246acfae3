import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log/index.js';

const capture = () => {
  const lines: string[] = [];
  const log = createLogger('info', { service: 'test' }, (line) => lines.push(line));
  return { log, entries: () => lines.map((l) => JSON.parse(l)) };
};

describe('JSON logs', () => {
  it('an error is written with its whole cause chain', () => {
    const { log, entries } = capture();
    const root = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const err = new Error('CSV export failed', { cause: new Error('page 2 could not be read', { cause: root }) });
    log.error('unhandled error', { err });
    const [entry] = entries();
    expect(entry.err.message).toBe('CSV export failed');
    expect(entry.err.cause.message).toBe('page 2 could not be read');
    expect(entry.err.cause.cause).toMatchObject({ message: 'connect ECONNREFUSED 127.0.0.1:5432', code: 'ECONNREFUSED' });
  });

  it('a cause that is not an Error is written as it is, and a cause loop ends', () => {
    const { log, entries } = capture();
    const looped = new Error('a');
    (looped as { cause?: unknown }).cause = looped;
    log.warn('x', { err: new Error('b', { cause: { status: 503 } }), looped });
    const [entry] = entries();
    expect(entry.err.cause).toEqual({ status: 503 });
    let depth = 0;
    for (let e = entry.looped; e; e = e.cause) depth++;
    expect(depth).toBeGreaterThan(1);
    expect(depth).toBeLessThan(20);
  });
});
