// Regenerates the golden vectors in this folder: `npx tsx test/vectors/make.ts` (needs the test
// PostgreSQL of test/helpers/db.ts and Chromium, as the tests do).
//
// - keys/*.private.jwk.json: the test issuer's signing keys, made once and then reused (test keys,
//   never an issuer's: they are committed so the vectors can be re-signed identically in spirit);
// - issuer-jwks.json: their public halves, the JWKS an auditor would trust;
// - sets.json: titled SETs with fixed iat and jti and the RFC 8935 `err` each must get (or
//   "accepted"), checked by verifySet at the fixed `now`;
// - certificate.pdf: a certificate PDF made by this version's service (push, lookup, archive),
//   with expected-verify.json (`shosho verify --jwks issuer-jwks.json --json`) and
//   expected-recheck.json (`POST /api/v1/archive/:id/recheck`).
// Re-running changes every file but the keys (ES256 signatures are randomised, the PDF records
// when it was made): only do it on purpose, and say why in the commit.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompactSign, type JWK } from 'jose';
import { insertIssuer, parseJwks, storeKeys } from '../../src/feed/index.js';
import { silentLogger } from '../../src/log/index.js';
import { authKeyDigest, CERTIFICATE_EVENT, generateSigningKey, WITHDRAWN_EVENT, type Alg } from '../../reference-issuer/index.js';
import { createTestDatabase } from '../helpers/db.js';
import { apiCall } from '../helpers/fixture.js';
import { seedOrganisation } from '../helpers/seed.js';
import { startTestService } from '../helpers/service.js';
import { GOLDEN, VECTORS_DIR, type SetVector, type SetVectorFile } from './golden.js';

const dir = VECTORS_DIR;
const write = (name: string, data: string | Uint8Array) => fs.writeFileSync(path.join(dir, name), data);

interface FixedKey {
  alg: Alg;
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

function fixedKey(alg: Alg, kid: string): FixedKey {
  const file = path.join(dir, 'keys', `${kid}.private.jwk.json`);
  if (!fs.existsSync(file)) {
    const made = generateSigningKey(alg, kid);
    fs.writeFileSync(file, `${JSON.stringify({ ...made.privateKey.export({ format: 'jwk' }), kid, alg }, null, 2)}\n`);
  }
  const jwk = JSON.parse(fs.readFileSync(file, 'utf8')) as JWK;
  const privateKey = createPrivateKey({ key: jwk as never, format: 'jwk' });
  const publicJwk = { ...(createPublicKey(privateKey).export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk };
}

const b64 = (o: unknown) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
async function sign(claims: Record<string, unknown>, key: FixedKey, header: Record<string, unknown> = {}): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: key.alg, typ: 'secevent+jwt', kid: key.kid, ...header } as never)
    .sign(key.privateKey);
}

async function main() {
  const es256 = fixedKey('ES256', GOLDEN.kids.es256);
  const eddsa = fixedKey('EdDSA', GOLDEN.kids.eddsa);
  const jwksDoc = { keys: [es256.publicJwk, eddsa.publicJwk] };
  write('issuer-jwks.json', `${JSON.stringify(jwksDoc, null, 2)}\n`);

  const payload = { ...GOLDEN.certificate, authKeyDigest: await authKeyDigest(GOLDEN.authKey, 14) };
  const claims = (jti: string, over: Record<string, unknown> = {}, event: Record<string, unknown> = { [CERTIFICATE_EVENT]: payload }) => ({
    iss: GOLDEN.iss,
    aud: GOLDEN.audience,
    iat: GOLDEN.iat,
    jti,
    events: event,
    ...over,
  });
  const withPayload = (edit: Record<string, unknown>) => ({ [CERTIFICATE_EVENT]: { ...payload, ...edit } });
  const golden = await sign(claims(GOLDEN.jti), es256);
  const flipped = (() => {
    const [h, p, s] = golden.split('.');
    const sig = Buffer.from(s!, 'base64url');
    sig[5]! ^= 0x01;
    return `${h}.${p}.${sig.toString('base64url')}`;
  })();
  const alteredClaims = (() => {
    const [h, , s] = golden.split('.');
    return `${h}.${b64(claims(GOLDEN.jti, {}, withPayload({ guarantee: { ...payload.guarantee, amount: payload.guarantee.amount + 1_000_000 } })))}.${s}`;
  })();
  const spareBits = (() => {
    // the last character of a base64url part carries spare bits: set them and the bytes decode the same
    const [h, p, s] = golden.split('.');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = s!.at(-1)!;
    return `${h}.${p}.${s!.slice(0, -1)}${alphabet[alphabet.indexOf(last) + 1]}`;
  })();
  const hmacKey = new TextEncoder().encode(JSON.stringify(es256.publicJwk));
  const hs256 = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims('gv-hs256'))))
    .setProtectedHeader({ alg: 'HS256', typ: 'secevent+jwt', kid: es256.kid })
    .sign(hmacKey);

  const vectors: SetVector[] = [
    { title: 'a new 前払金保証 certificate, ES256 (the one in certificate.pdf)', token: golden, expect: 'accepted' },
    { title: 'the same certificate, EdDSA', token: await sign(claims('gv-eddsa'), eddsa), expect: 'accepted' },
    {
      title: 'a withdrawal issued in error',
      token: await sign(
        claims(
          'gv-withdrawn',
          {},
          {
            [WITHDRAWN_EVENT]: { number: payload.number, kind: payload.kind, revision: 0, reason: 'issued_in_error', withdrawnOn: '2024-06-10' },
          },
        ),
        es256,
      ),
      expect: 'accepted',
    },
    {
      title: 'aud as an array holding this service',
      token: await sign(claims('gv-aud-array', { aud: ['https://other.example', GOLDEN.audience] }), es256),
      expect: 'accepted',
    },
    {
      title: 'tab and line feed in the notes',
      token: await sign(claims('gv-notes-tab-lf', {}, withPayload({ notes: '特約事項\n\t一、前払金は当該工事以外に使用しないこと。' })), eddsa),
      expect: 'accepted',
    },
    { title: 'one bit of the signature flipped', token: flipped, expect: 'invalid_key' },
    { title: 'the guarantee amount raised after signing', token: alteredClaims, expect: 'invalid_key' },
    {
      title: 'alg none, no signature',
      token: `${b64({ alg: 'none', typ: 'secevent+jwt', kid: es256.kid })}.${b64(claims('gv-none'))}.`,
      expect: 'invalid_request',
    },
    { title: 'HS256 keyed with the public JWK (algorithm confusion)', token: hs256, expect: 'invalid_request' },
    { title: 'a kid the issuer never published', token: await sign(claims('gv-unknown-kid'), es256, { kid: 'gv-never-published' }), expect: 'invalid_key' },
    { title: 'header alg ES256 naming the EdDSA key', token: await sign(claims('gv-alg-mismatch'), es256, { kid: eddsa.kid }), expect: 'invalid_key' },
    { title: 'typ JWT instead of secevent+jwt', token: await sign(claims('gv-typ'), es256, { typ: 'JWT' }), expect: 'invalid_request' },
    { title: 'iss of no registered issuer', token: await sign(claims('gv-iss', { iss: 'https://stranger.example' }), es256), expect: 'invalid_issuer' },
    {
      title: 'U+0000 in iss (read before the signature, to find the issuer)',
      token: await sign(claims('gv-iss-nul', { iss: `${GOLDEN.iss}\u0000` }), es256),
      expect: 'invalid_request',
    },
    { title: 'aud naming another service', token: await sign(claims('gv-aud', { aud: 'https://other.example' }), es256), expect: 'invalid_audience' },
    { title: 'iat 10 minutes after now', token: await sign(claims('gv-iat-future', { iat: GOLDEN.now + 600 }), es256), expect: 'invalid_request' },
    { title: 'exp in the past', token: await sign(claims('gv-exp', { exp: GOLDEN.now - 1 }), es256), expect: 'invalid_request' },
    { title: 'no jti', token: await sign(claims('', { jti: undefined }), es256), expect: 'invalid_request' },
    {
      title: 'two events in one SET',
      token: await sign(
        claims(
          'gv-two-events',
          {},
          {
            ...withPayload({}),
            [WITHDRAWN_EVENT]: { number: payload.number, kind: payload.kind, revision: 0, reason: 'cancelled', withdrawnOn: '2024-06-10' },
          },
        ),
        es256,
      ),
      expect: 'invalid_request',
    },
    { title: 'an unknown event type', token: await sign(claims('gv-event-type', {}, { 'urn:example:other': {} }), es256), expect: 'invalid_request' },
    { title: 'a 9-digit number', token: await sign(claims('gv-number', {}, withPayload({ number: '207000442' })), es256), expect: 'invalid_request' },
    { title: 'revision 1 marked new', token: await sign(claims('gv-revision', {}, withPayload({ revision: 1 })), es256), expect: 'invalid_request' },
    {
      title: 'U+0000 (NUL) in the contractor name',
      token: await sign(claims('gv-nul', {}, withPayload({ contractor: { ...payload.contractor, name: '株式会社\u0000山陽建設' } })), es256),
      expect: 'invalid_request',
    },
    {
      title: 'U+202E (right-to-left override) in the project name',
      token: await sign(claims('gv-rlo', {}, withPayload({ project: { ...payload.project, name: '県道\u202E事工良改' } })), es256),
      expect: 'invalid_request',
    },
    {
      title: 'U+0085 (a C1 control) in the notes',
      token: await sign(claims('gv-c1', {}, withPayload({ notes: '特約\u0085事項' })), es256),
      expect: 'invalid_request',
    },
    {
      title: 'a line feed in the obligee name',
      token: await sign(claims('gv-lf-name', {}, withPayload({ obligee: { ...payload.obligee, name: '広島県\n知事' } })), es256),
      expect: 'invalid_request',
    },
    { title: 'a base64url part with its spare bits set', token: spareBits, expect: 'invalid_request' },
    { title: 'larger than 64 KiB', token: await sign(claims('gv-large', { padding: 'x'.repeat(70_000) }), es256), expect: 'invalid_request' },
    { title: 'not a JWS at all', token: 'not.a-jws', expect: 'invalid_request' },
  ];
  const file: SetVectorFile = { iss: GOLDEN.iss, audience: GOLDEN.audience, now: GOLDEN.now, vectors };
  write('sets.json', `${JSON.stringify(file, null, 2)}\n`);

  // the PDF, as the service makes it today
  const db = await createTestDatabase();
  const service = await startTestService(db, { SHOSHO_AUDIENCE: GOLDEN.audience });
  try {
    await insertIssuer(db.sql, { id: GOLDEN.issuerId, iss: GOLDEN.iss, name: GOLDEN.certificate.guarantor.name, jwksInline: jwksDoc as never });
    await storeKeys(db.sql, GOLDEN.issuerId, (await parseJwks(jwksDoc)).keys, silentLogger);
    const { token } = await seedOrganisation(db.sql, GOLDEN.organisation);
    const pushed = await fetch(`${service.url}/sets`, { method: 'POST', headers: { 'content-type': 'application/secevent+jwt' }, body: golden });
    if (pushed.status !== 202) throw new Error(`push answered ${pushed.status}: ${await pushed.text()}`);
    const api = (method: string, p: string, body?: unknown) => apiCall(service.url, token, method, p, body);
    const lookup = await api('POST', '/api/v1/lookup', { number: payload.number, authKey: GOLDEN.authKey });
    if (lookup.status !== 200) throw new Error(`lookup answered ${lookup.status}: ${lookup.text}`);
    const archived = await api('POST', `/api/v1/certificates/${lookup.json.id}/archive`, { reference: '広島県土木第12号' });
    if (archived.status !== 201) throw new Error(`archive answered ${archived.status}: ${archived.text}`);
    const pdf = await api('GET', `/api/v1/archive/${archived.json.id}/pdf`);
    write('certificate.pdf', pdf.buf);
    const recheck = await api('POST', `/api/v1/archive/${archived.json.id}/recheck`);
    write('expected-recheck.json', `${JSON.stringify(recheck.json, null, 2)}\n`);
  } finally {
    await service.stop();
    await db.drop();
  }
  const verify = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'verify', path.join(dir, 'certificate.pdf'), '--jwks', path.join(dir, 'issuer-jwks.json'), '--json'],
    { encoding: 'utf8' },
  );
  write('expected-verify.json', verify);
  process.stdout.write(`golden vectors written to ${path.relative(process.cwd(), dir)}: ${vectors.length} SETs, certificate.pdf and its reports\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
