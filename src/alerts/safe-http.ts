import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

/**
 * Addresses a webhook may not reach unless SHOSHO_WEBHOOK_ALLOW_PRIVATE=true: loopback,
 * link-local, private and shared ranges, multicast and reserved ones — so that a typo or a hostile
 * URL cannot make shosho probe its own network.
 */
const PRIVATE = new net.BlockList();
for (const [net4, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net4, prefix, 'ipv4');
for (const [net6, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const)
  PRIVATE.addSubnet(net6, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isPrivateAddress(mapped);
  const family = net.isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class UnsafeUrlError extends Error {
  override name = 'UnsafeUrlError';
}

/** A webhook URL: http(s) only, no user or password in it, and no private address literal unless allowed. */
export function checkWebhookUrl(text: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UnsafeUrlError(`${JSON.stringify(text)} is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UnsafeUrlError(`only http and https URLs are allowed, not ${url.protocol}`);
  if (url.username || url.password) throw new UnsafeUrlError('the URL must not carry a user name or password');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (net.isIP(host) ? isPrivateAddress(host) : host === 'localhost' || host.endsWith('.localhost'))) {
    throw new UnsafeUrlError(`${host} is a loopback, link-local or private address (set SHOSHO_WEBHOOK_ALLOW_PRIVATE=true to allow it)`);
  }
  return url;
}

export interface PostOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  /** At most this much of the answer is read. */
  maxResponseBytes: number;
}

/**
 * POSTs `body` and resolves with the status. Redirects are not followed (a 3xx is an answer, not a
 * delivery); every address the host name resolves to is checked at connect time, so DNS cannot
 * point an allowed name at a private address; the whole exchange has one deadline.
 */
export function postJson(target: string, headers: Record<string, string>, body: string, opts: PostOptions): Promise<number> {
  const url = checkWebhookUrl(target, opts.allowPrivate);
  const lookup: net.LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      const refused = opts.allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (refused) return callback(new UnsafeUrlError(`${hostname} resolves to ${refused.address}, a private address`), '', 0);
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'shosho-webhooks' },
      lookup,
      agent: false,
    });
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('response', (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > opts.maxResponseBytes) res.destroy();
      });
      const done = () => {
        clearTimeout(deadline);
        resolve(res.statusCode ?? 0);
      };
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    req.on('error', (e) => {
      clearTimeout(deadline);
      reject(e);
    });
    req.end(body);
  });
}
