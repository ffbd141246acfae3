#!/usr/bin/env node
// libuv sizes its thread pool once, at the first thread-pool job, and loading an ES module is one:
// so this entry is CommonJS and sets UV_THREADPOOL_SIZE before anything is imported. scrypt may
// then run on every core but one while fs, dns and jose keep three threads of their own.
const os = require('node:os');

if (!process.env.UV_THREADPOOL_SIZE) {
  const asked = Number.parseInt(process.env.SHOSHO_SCRYPT_CONCURRENCY ?? '', 10);
  const scrypt = asked > 0 ? asked : os.availableParallelism() - 1;
  process.env.UV_THREADPOOL_SIZE = String(Math.min(1024, Math.max(4, scrypt + 3)));
}
// an import that fails still ends the process, as an unhandled rejection
void import('./shosho.js');
