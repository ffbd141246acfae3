import fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/**
 * postgres.js's pool queues, as scripts/patch-postgres.mjs leaves them (third stage). Unpatched, a
 * queue that never empties — the busy connections while more queries arrive than there are
 * connections — kept a hole for every connection it handed out, and remove() scanned them all.
 */
interface Queue<T> {
  readonly length: number;
  /** the length of the array behind the queue, holes included */
  readonly slots: number;
  push(x: T): T;
  shift(): T | undefined;
  remove(x: T): T | null;
}
// The installed file, with one getter added: its array is private to the closure
const source = fs.readFileSync(new URL('../node_modules/postgres/src/queue.js', import.meta.url), 'utf8');
if (!source.includes('shosho patch: queue holes')) throw new Error('node_modules/postgres is not patched: npm install runs scripts/patch-postgres.mjs');
const Queue = new Function(
  `${source.replace('export default Queue', '').replace('return {', 'return { get slots() { return xs.length },')}; return Queue`,
)() as <T>() => Queue<T>;

describe('the pool queue of postgres.js', () => {
  it('behaves as a first-in first-out list with removal, whatever the order of operations', () => {
    const op = fc.oneof(fc.record({ push: fc.integer() }), fc.constant('shift' as const), fc.record({ remove: fc.nat(200) }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
        const queue = Queue<{ n: number }>();
        const model: Array<{ n: number }> = [];
        const made: Array<{ n: number }> = [];
        for (const o of ops) {
          if (o === 'shift') {
            expect(queue.shift()).toBe(model.shift());
          } else if ('push' in o) {
            const x = { n: o.push };
            made.push(x);
            queue.push(x);
            model.push(x);
          } else {
            const x = made[o.remove % Math.max(1, made.length)];
            const at = x ? model.indexOf(x) : -1;
            expect(x ? queue.remove(x) : null).toBe(at === -1 ? null : model.splice(at, 1)[0]);
          }
          expect(queue.length).toBe(model.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps no trace of what it handed out while it never empties (the busy connections under load)', () => {
    const connections = Array.from({ length: 10 }, (_, n) => ({ n }));
    const busy = Queue<{ n: number }>();
    for (const c of connections) busy.push(c);
    const cycle = () => {
      // what the pool does with a busy connection when every connection is busy: take the first,
      // move it (remove, then push) to the end after giving it the query
      const c = busy.shift()!;
      busy.remove(c);
      busy.push(c);
    };
    let most = 0;
    for (let i = 0; i < 20_000; i++) {
      cycle();
      most = Math.max(most, busy.slots);
    }
    // unpatched: a slot for each of the 20,000 connections handed out
    expect(most).toBeLessThanOrEqual(2 * 64 + 10);
    expect(busy.length).toBe(10);
  });
});
