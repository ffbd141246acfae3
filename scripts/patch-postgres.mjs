#!/usr/bin/env node
// Run by `npm install` / `npm ci` (postinstall). postgres.js 3.4.9, the newest release, crashes the
// whole process when a connection drops under load: a small write is flushed from a setImmediate
// after closed() has set the socket to null, and `socket.write` throws where no caller can catch
// it (porsager/postgres#1154, #1208; fixes proposed in #1168, #1176, #1209, none released); and a
// backend terminated while a new connection fetches its array types is an unhandled rejection; and
// a transaction outlives its lost connection, running its later statements on the reconnected
// session outside any transaction; and the error that ended a session fails queries of the next
// one (second stage, below). This applies the fixes to both builds, idempotently, and refuses any
// other version so an upgrade is checked instead of silently left unpatched.
// test/faults-connection.test.ts reproduces the crash without it, test/faults-injected.test.ts the
// second stage's faults.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = '3.4.9';
const MARKER = 'shosho patch: closed socket';
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'postgres');

const connectionEdits = [
  {
    // a write flushed after the socket closed settles the queries it carried instead of throwing
    from: `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)`,
    to: `  function nextWrite(fn) {
    if (socket === null) { // ${MARKER}
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options))
      return false
    }
    const x = socket.write(chunk, fn)`,
  },
  {
    // bytes meant for the dead socket must not go out ahead of the next StartupMessage, and a
    // cleared timer left non-null would stop every later small write from being flushed
    from: `  async function closed(hadError) {
    incoming = Buffer.alloc(0)
    remaining = 0
    incomings = null
    clearImmediate(nextWriteTimer)`,
    to: `  async function closed(hadError) {
    incoming = Buffer.alloc(0)
    remaining = 0
    incomings = null
    clearImmediate(nextWriteTimer)
    chunk = nextWriteTimer = null // ${MARKER}`,
  },
  {
    // 'error' and 'close' come in different turns of the event loop: a query queued in between (a
    // transaction's ROLLBACK after its statement failed) was never settled when the close had an error
    from: `    !hadError && (query || sent.length) && error(Errors.connection('CONNECTION_CLOSED', options, socket))`,
    to: `    if (query || sent.length) error(Errors.connection('CONNECTION_CLOSED', options, socket)) // ${MARKER}`,
  },
  {
    // the array types are fetched from the 'data' handler with nobody awaiting: a backend terminated
    // during that query was an unhandled rejection, which ends the process; it now fails the query
    // that opened the connection, as any other connection failure does
    from: `        return fetchArrayTypes()`,
    to: `        return fetchArrayTypes().catch(errored) // ${MARKER}`,
  },
];

const indexEdits = [
  {
    // a transaction whose connection closed must not go on: the pool reconnects that same
    // connection for the next queued query, and the transaction's later statements (and its
    // ROLLBACK) would run there outside any transaction, committing one by one — half a write
    from: `    let savepoints = 0
`,
    to: `    let closedError = null // ${MARKER}
    let savepoints = 0
`,
  },
  {
    from: `        new Promise((_, reject) => connection.onclose = reject)`,
    to: `        new Promise((_, reject) => connection.onclose = (e) => { // ${MARKER}
          closedError = e || Errors.connection('CONNECTION_CLOSED', options)
          while (queries.length) queries.shift().reject(closedError)
          reject(closedError)
        })`,
  },
  {
    from: `      function handler(q) {
        q.catch(e => uncaughtError || (uncaughtError = e))
        c.queue === full`,
    to: `      function handler(q) {
        q.catch(e => uncaughtError || (uncaughtError = e))
        if (closedError) return q.reject(closedError) // ${MARKER}
        c.queue === full`,
  },
];

// Second stage, over the first (an install patched by the first alone gets it too): the state of a
// lost session never reaches the next one. A server error that ended a connection (a FATAL such as
// 57P01 or 08P01 "invalid frontend message type") stayed in `errorResponse` and failed the first
// query of the *next* connection, and the array-types query of a session lost while starting stayed
// in `query`; its rejection handler of the first stage then failed whichever query ran next on the
// reconnected session (porsager/postgres#1223). test/faults-injected.test.ts reproduces both.
const SESSION_MARKER = 'shosho patch: session state';

const connectionSessionEdits = [
  {
    from: `    socket.removeAllListeners()
    socket = null

    if (initial)
      return reconnect()

    if (query || sent.length) error(Errors.connection('CONNECTION_CLOSED', options, socket)) // ${MARKER}
    closedTime = performance.now()`,
    to: `    socket.removeAllListeners()
    socket = null

    const endedBy = errorResponse // ${SESSION_MARKER}
    errorResponse = results = null
    result = new Result()
    rows = 0

    if (initial) {
      // the array-types query of the session that was starting: the query that opened the connection
      // is tried again on the next one, as before
      query && queryError(query, Errors.connection('CONNECTION_CLOSED', options))
      query = null
      return reconnect()
    }

    if (query || sent.length) error(endedBy || Errors.connection('CONNECTION_CLOSED', options, socket))
    query = null
    closedTime = performance.now()`,
  },
  {
    // every way the array-types query fails already settles the query that opened the connection (an
    // ErrorResponse in ReadyForQuery, a socket error in error(), a close by trying it again); errored()
    // here ran a turn later and failed whatever query the connection had started meanwhile
    from: `        return fetchArrayTypes().catch(errored) // ${MARKER}`,
    to: `        return fetchArrayTypes().catch(noop) // ${SESSION_MARKER}`,
  },
];

// Third stage: the pool's queues stay as long as what they hold. A queue keeps a hole for every
// connection it handed out and only drops them once emptied, and remove() scanned the holes too; the
// queue of busy connections never empties while more queries arrive than there are connections, so
// under sustained load every query paid a scan over every query before it (CPU per `select 1` at
// 30 callers on 10 connections: 65 µs over the first 50,000, 263 µs by the 400,000th; unbounded,
// and the array with it). test/postgres-queue.test.ts checks the queue against a model and the
// size of its array; bench/pool.ts measures the CPU per query at the start and the end of a long run.
const QUEUE_MARKER = 'shosho patch: queue holes';

const queueEdits = [
  {
    // the holes lie before \`index\`: the search starts there
    from: `    remove: (x) => {
      const index = xs.indexOf(x)
      return index === -1
        ? null
        : (xs.splice(index, 1), x)
    },`,
    to: `    remove: (x) => {
      const at = xs.indexOf(x, index) // ${QUEUE_MARKER}
      return at === -1
        ? null
        : (xs.splice(at, 1), x)
    },`,
  },
  {
    from: `      if (index === xs.length) {
        index = 0
        xs = []
      } else {
        xs[index - 1] = undefined
      }`,
    to: `      if (index === xs.length) {
        index = 0
        xs = []
      } else if (index >= 64 && index * 2 >= xs.length) { // ${QUEUE_MARKER}
        xs = xs.slice(index)
        index = 0
      } else {
        xs[index - 1] = undefined
      }`,
  },
];

const stages = [
  [
    MARKER,
    [
      ['src/connection.js', connectionEdits],
      ['cjs/src/connection.js', connectionEdits],
      ['src/index.js', indexEdits],
      ['cjs/src/index.js', indexEdits],
    ],
  ],
  [
    SESSION_MARKER,
    [
      ['src/connection.js', connectionSessionEdits],
      ['cjs/src/connection.js', connectionSessionEdits],
    ],
  ],
  [
    QUEUE_MARKER,
    [
      ['src/queue.js', queueEdits],
      ['cjs/src/queue.js', queueEdits],
    ],
  ],
];

if (!fs.existsSync(root)) process.exit(0); // not installed (yet): nothing to patch
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
if (version !== VERSION) {
  console.error(
    `scripts/patch-postgres.mjs: postgres ${version} is installed, the patch is for ${VERSION}; check whether ${version} fixes porsager/postgres#1208 and #1223 and update or drop the patch`,
  );
  process.exit(1);
}
for (const [marker, files] of stages) {
  for (const [file, edits] of files) {
    const target = path.join(root, file);
    let text = fs.readFileSync(target, 'utf8');
    if (text.includes(marker)) continue;
    for (const { from, to } of edits) {
      if (!text.includes(from)) {
        console.error(`scripts/patch-postgres.mjs: ${file} does not contain the expected code; not patched`);
        process.exit(1);
      }
      text = text.replace(from, to);
    }
    fs.writeFileSync(target, text);
  }
}
