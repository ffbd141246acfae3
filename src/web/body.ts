import type { IncomingMessage } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { AppEnv } from './env.js';
import { AppError } from './errors.js';

/**
 * A refused body is still read to its end and thrown away before the refusal is sent: a keep-alive
 * client that is still sending when the answer arrives may give up the connection (node's client
 * does, by chance), and one that is reset while sending sees an error instead of the answer. Beyond
 * this much the answer goes out at once and closes the connection.
 */
const DRAIN_AT_MOST_BYTES = 64 * 1024 * 1024;

/**
 * Reads the request body before any route sees it: up to `maxBytes`, larger is `body_too_large`
 * (413), declared or found while reading; a form body must parse as a form (`invalid_form`, 400),
 * so no route's parseBody() fails on it. Works on node's request directly: hono's own body limit
 * cancels the body stream, which destroys the socket under a keep-alive client.
 */
export async function readBody(c: Context<AppEnv>, maxBytes: number): Promise<void> {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (c.req.method === 'GET' || c.req.method === 'HEAD' || !incoming) return;
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (!c.req.header('transfer-encoding') && declared > Math.max(maxBytes, DRAIN_AT_MOST_BYTES)) throw tooLarge(maxBytes, true);
  const body = await readAtMost(incoming, maxBytes);
  if (body === 'drained' || body === 'not_drained') throw tooLarge(maxBytes, body === 'not_drained');
  const request = new Request(c.req.url, { method: c.req.method, headers: c.req.raw.headers, body, duplex: 'half' } as RequestInit);
  if (FORM_TYPES.test(c.req.header('content-type') ?? '')) {
    await request
      .clone()
      .formData()
      .catch(() => {
        throw new AppError('invalid_form');
      });
  }
  c.req.raw = request;
}

const FORM_TYPES = /^\s*(multipart\/form-data|application\/x-www-form-urlencoded)\s*(;|$)/i;

function tooLarge(maxBytes: number, closeConnection: boolean): AppError {
  return new AppError('body_too_large', { params: { max: maxBytes }, headers: closeConnection ? { connection: 'close' } : {} });
}

/**
 * The whole body; or, when it is larger than `maxBytes`, `drained` once the rest has been read and
 * thrown away, or `not_drained` as soon as that would take more than DRAIN_AT_MOST_BYTES.
 */
function readAtMost(incoming: IncomingMessage, maxBytes: number): Promise<Buffer | 'drained' | 'not_drained'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      chunks.length = 0;
      if (size <= DRAIN_AT_MOST_BYTES) return;
      stop();
      resolve('not_drained');
    };
    const onEnd = () => {
      stop();
      resolve(size <= maxBytes ? Buffer.concat(chunks) : 'drained');
    };
    const onClose = () => {
      stop();
      reject(new AppError('body_incomplete'));
    };
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('close', onClose);
  });
}

/**
 * The body as JSON: absent (no bytes at all) is undefined; anything else must parse, else
 * `invalid_json` (400). Never read as an empty object: a truncated body would lose what it held.
 */
export async function readJson(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('invalid_json');
  }
}
