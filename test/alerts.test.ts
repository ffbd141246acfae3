import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWebhook, checkWebhookUrl, isPrivateAddress, postJson } from '../src/alerts/index.js';
import { CERTIFICATE_EVENT, WITHDRAWN_EVENT, changeRevision, correctionRevision, type ReferenceIssuer } from '../reference-issuer/index.js';
import type { TestDatabase } from './helpers/db.js';
import { apiCall, serviceWithIssuer, type ServiceFixture } from './helpers/fixture.js';
import { certificate, digestFor } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';
import { AUDIENCE, startTestService } from './helpers/service.js';
import { changeFiledCertificateLater, setUpDemo } from '../src/demo/index.js';
import { WebClient } from './helpers/web-client.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

const ENV = { SHOSHO_WEBHOOK_ALLOW_PRIVATE: 'true', SHOSHO_WEBHOOK_RETRY_MS: '50' };
let fx: ServiceFixture;
let db: TestDatabase;
let issuer: ReferenceIssuer;
let base: string;
let hiroshima: { password: string; token: string };
let okayama: { password: string; token: string };
const receiver = new WebhookReceiver();
let secret: string;

const api = (token: string, method: string, path: string, body?: unknown) => apiCall(base, token, method, path, body);

async function push(payload: object, type: string = CERTIFICATE_EVENT, to = base) {
  const s = await issuer.sign(type as typeof CERTIFICATE_EVENT, payload as never);
  const res = await issuer.push(`${to}/sets`, s.token);
  expect(res.status).toBe(202);
  return s.token;
}

/** Unlocks with the key and files the revision through the API, as an obligee system would. */
async function file(token: string, number: string, key: string) {
  const r = await api(token, 'POST', '/api/v1/lookup', { number, authKey: key });
  expect(r.status).toBe(200);
  const filed = await api(token, 'POST', `/api/v1/certificates/${r.json.id}/archive`, {});
  expect(filed.status).toBe(201);
  return filed.json;
}

async function openAlerts(token: string): Promise<Array<Record<string, any>>> {
  const r = await api(token, 'GET', '/api/v1/alerts?open=true');
  expect(r.status, r.text).toBe(200);
  return r.json.items;
}
const alertsOf = async (number: string) =>
  (await db.sql`select type, revision, org_id from alerts where number = ${number} order by created_at`) as unknown as Array<{
    type: string;
    revision: number;
    org_id: string;
  }>;

beforeAll(async () => {
  fx = await serviceWithIssuer(ENV);
  ({ db, issuer, base } = fx);
  hiroshima = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }, [
    { username: 'tanaka', role: 'clerk' },
    { username: 'admin1', role: 'admin' },
  ]);
  okayama = await seedOrganisation(db.sql, { id: 'okayama', name: '岡山県', code: '330001' }, [{ username: 'yamada', role: 'clerk' }]);
  const url = await receiver.listen();
  ({ secret } = await addWebhook(db.sql, { orgId: 'hiroshima', url, actor: 'test', allowPrivate: true }));
}, 60_000);
afterAll(async () => {
  await fx?.close();
  await receiver.close();
});

describe('new_revision and withdrawn alerts are raised once, for the organisations that filed the certificate', () => {
  const number = '2090000001';
  let rev0: Awaited<ReturnType<typeof certificate>>;

  it('a change revision of a filed certificate raises one new_revision alert saying what to do; redelivery raises nothing more', async () => {
    rev0 = await certificate(number, 'NR00KEY1');
    await push(rev0);
    await file(hiroshima.token, number, 'NR00KEY1');
    expect(await alertsOf(number)).toEqual([]);
    const rev1 = changeRevision(rev0, 1, await digestFor('NR01KEY1'), '2024-09-02');
    const token = await push(rev1);
    expect((await issuer.push(`${base}/sets`, token)).status).toBe(202);
    await push(rev1); // the same revision under another jti is a duplicate, not a new event
    const open = await openAlerts(hiroshima.token);
    const mine = open.filter((a) => a.number === number);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      type: 'new_revision',
      number,
      kind: 'advance_payment',
      revision: 1,
      contract: null,
      resolvedAt: null,
      resolvedBy: null,
      note: null,
    });
    expect(mine[0]!.message).toContain('受注者に第1回変更の認証キーの提出を依頼してください');
    expect(Object.keys(mine[0]!).sort()).toEqual([
      'contract',
      'createdAt',
      'id',
      'kind',
      'message',
      'note',
      'number',
      'resolvedAt',
      'resolvedBy',
      'revision',
      'type',
    ]);
    expect(await openAlerts(okayama.token)).toEqual([]);
  });

  it('two instances ingesting the same SET at once raise it once', async () => {
    const second = await startTestService(db, ENV);
    try {
      const rev2 = correctionRevision(changeRevision(rev0, 1, await digestFor('NR01KEY1'), '2024-09-02'), 2, await digestFor('NR02KEY1'), '2024-10-01');
      const s = await issuer.sign(CERTIFICATE_EVENT, rev2 as never);
      const results = await Promise.all([
        issuer.push(`${base}/sets`, s.token),
        issuer.push(`${second.url}/sets`, s.token),
        issuer.push(`${second.url}/sets`, s.token),
      ]);
      expect(results.map((r) => r.status)).toEqual([202, 202, 202]);
    } finally {
      await second.stop();
    }
    expect(await alertsOf(number)).toEqual([
      { type: 'new_revision', revision: 1, org_id: 'hiroshima' },
      { type: 'new_revision', revision: 2, org_id: 'hiroshima' },
    ]);
    const [rev2Alert] = (await openAlerts(hiroshima.token)).filter((a) => a.revision === 2);
    expect(rev2Alert!.message).toContain('第2回訂正の認証キー');
  });

  it('a cancellation raises one withdrawn alert, however often it arrives', async () => {
    const withdrawal = { number, kind: 'advance_payment', revision: 2, reason: 'cancelled', withdrawnOn: '2024-11-01' };
    const token = await push(withdrawal, WITHDRAWN_EVENT);
    expect((await issuer.push(`${base}/sets`, token)).status).toBe(202);
    const withdrawn = (await alertsOf(number)).filter((a) => a.type === 'withdrawn');
    expect(withdrawn).toEqual([{ type: 'withdrawn', revision: 2, org_id: 'hiroshima' }]);
    const [alert] = (await openAlerts(hiroshima.token)).filter((a) => a.type === 'withdrawn');
    expect(alert!.message).toContain('解約されました');
  });

  it('a withdrawal issued in error of a revision the organisation did not file raises nothing', async () => {
    const other = '2090000002';
    const r0 = await certificate(other, 'NR00KEY2');
    await push(r0);
    await file(hiroshima.token, other, 'NR00KEY2');
    await push(changeRevision(r0, 1, await digestFor('NR01KEY2'), '2024-09-02'));
    await push({ number: other, kind: 'advance_payment', revision: 1, reason: 'issued_in_error', withdrawnOn: '2024-09-03' }, WITHDRAWN_EVENT);
    expect((await alertsOf(other)).map((a) => a.type)).toEqual(['new_revision']);
  });
});

describe('filing a revision that is already out of date', () => {
  it('raises new_revision for the highest revision at once, and filing that revision resolves it', async () => {
    const number = '2090000003';
    const r0 = await certificate(number, 'FL00KEY1');
    await push(r0);
    await push(changeRevision(r0, 1, await digestFor('FL01KEY1'), '2024-09-02'));
    await file(hiroshima.token, number, 'FL00KEY1');
    const [raised] = (await openAlerts(hiroshima.token)).filter((a) => a.number === number);
    expect(raised).toMatchObject({ type: 'new_revision', revision: 1 });
    await file(hiroshima.token, number, 'FL01KEY1');
    expect((await openAlerts(hiroshima.token)).filter((a) => a.number === number)).toEqual([]);
    const [row] = await db.sql`select resolved_by from alerts where id = ${raised!.id}`;
    expect(row!.resolved_by).toMatch(/^token:/);
  });
});

describe('resolving', () => {
  it('is idempotent, keeps the first note, and another organisation gets 404', async () => {
    const [alert] = await openAlerts(hiroshima.token);
    const first = await api(hiroshima.token, 'POST', `/api/v1/alerts/${alert!.id}/resolve`, { note: '受注者に依頼済み（12/2 電話）' });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ id: alert!.id, note: '受注者に依頼済み（12/2 電話）', resolvedBy: expect.stringMatching(/^token:/) });
    expect(first.json.resolvedAt).not.toBeNull();
    const again = await api(hiroshima.token, 'POST', `/api/v1/alerts/${alert!.id}/resolve`, { note: 'another' });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    const [{ n }] = (await db.sql`select count(*)::int as n from audit_log where action = 'alert.resolve' and subject = ${alert!.id}`) as unknown as [
      { n: number },
    ];
    expect(n).toBe(1);
    expect((await api(okayama.token, 'POST', `/api/v1/alerts/${alert!.id}/resolve`, {})).status).toBe(404);
    expect((await api(hiroshima.token, 'POST', '/api/v1/alerts/not-an-id/resolve', {})).status).toBe(404);
    const resolved = (await api(hiroshima.token, 'GET', '/api/v1/alerts?open=false')).json.items;
    expect(resolved.map((a: { id: string }) => a.id)).toContain(alert!.id);
    expect((await api(okayama.token, 'GET', '/api/v1/alerts?open=false')).json.items).toEqual([]);
  });

  it('bad input is refused naming what is wrong, and changes nothing', async () => {
    const [alert] = await openAlerts(hiroshima.token);
    const badJson = await fetch(`${base}/api/v1/alerts/${alert!.id}/resolve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hiroshima.token}`, 'content-type': 'application/json' },
      body: '{"note":',
    });
    expect(badJson.status).toBe(400);
    const badNote = await api(hiroshima.token, 'POST', `/api/v1/alerts/${alert!.id}/resolve`, { note: 42 });
    expect(badNote.status).toBe(422);
    expect(badNote.json.error.message).toContain('note');
    const tooLong = await api(hiroshima.token, 'POST', `/api/v1/alerts/${alert!.id}/resolve`, { note: 'あ'.repeat(2001) });
    expect(tooLong.status).toBe(422);
    const control = await api(hiroshima.token, 'POST', `/api/v1/alerts/${alert!.id}/resolve`, { note: '確認\u202e済み' });
    expect(control.status).toBe(422);
    expect(control.json.error.message).toContain('control characters');
    for (const q of ['open=maybe', 'limit=0', 'limit=abc', 'cursor=bm9wZQ', 'type=other']) {
      const r = await api(hiroshima.token, 'GET', `/api/v1/alerts?${q}`);
      expect(r.status, q).toBe(422);
      expect(r.json.error.code, q).toBe('invalid_field');
    }
    expect((await openAlerts(hiroshima.token)).map((a) => a.id)).toContain(alert!.id);
  });

  it('pages newest first with a cursor', async () => {
    const all = (await api(hiroshima.token, 'GET', '/api/v1/alerts')).json.items as Array<{ id: string; createdAt: string }>;
    expect(all.length).toBeGreaterThanOrEqual(3);
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const page: { items: Array<{ id: string }>; next: string | null } = (
        await api(hiroshima.token, 'GET', `/api/v1/alerts?limit=1${next ? `&cursor=${next}` : ''}`)
      ).json;
      seen.push(...page.items.map((a) => a.id));
      next = page.next;
    } while (next);
    expect(seen).toEqual(all.map((a) => a.id));
    expect([...all].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((a) => a.id)).toEqual(all.map((a) => a.id));
  });
});

describe('the alerts page', () => {
  it('shows open alerts first with the count in the header, filters, and resolves with a note behind CSRF', async () => {
    const web = new WebClient(base);
    await web.login('tanaka', hiroshima.password);
    const open = (await openAlerts(hiroshima.token)).length;
    expect(open).toBeGreaterThan(0);
    const home = await web.get('/');
    expect(home.text).toContain(`要対応（未対応${open}件）`);
    const page = await web.get('/alerts');
    expect(page.status).toBe(200);
    expect(page.text).toContain('受注者に第');
    expect(page.text).toContain('JST');
    const firstResolved = page.text.indexOf('対応済み（');
    const lastOpen = page.text.lastIndexOf('alert-item alert-open');
    expect(firstResolved === -1 || lastOpen < firstResolved).toBe(true);
    const filtered = await web.get('/alerts?type=withdrawn');
    expect(filtered.text).toContain('解約されました');
    expect(filtered.text).not.toContain('受注者に第1回変更');
    expect((await web.get('/alerts?type=bogus')).status).toBe(422);
    expect((await web.get('/alerts?open=&type=&contract=')).status).toBe(200); // the filter form's 「すべて」
    const [alert] = await openAlerts(hiroshima.token);
    await web.get('/alerts?open=true');
    expect((await web.post(`/alerts/${alert!.id}/resolve`, { note: '確認済み' }, { csrf: null })).status).toBe(403);
    const done = await web.post(`/alerts/${alert!.id}/resolve`, { note: '確認済み' });
    expect(done.status).toBe(303);
    const after = await web.get(done.headers.get('location')!);
    expect(after.text).toContain('対応済みにしました');
    expect(after.text).toContain(open - 1 > 0 ? `要対応（未対応${open - 1}件）` : '>要対応<');
    const [row] = await db.sql`select note, resolved_by from alerts where id = ${alert!.id}`;
    expect(row).toEqual({ note: '確認済み', resolved_by: 'tanaka' });
    const other = new WebClient(base);
    await other.login('yamada', okayama.password);
    await other.get('/alerts');
    expect((await other.post(`/alerts/${alert!.id}/resolve`, { note: 'x' })).status).toBe(404);
    expect((await other.get('/alerts')).text).toContain('該当する要対応事項はありません');
  });
});

describe('webhooks', () => {
  it('every alert reaches the endpoint signed as Standard Webhooks, verified by the library', async () => {
    const ids = (await db.sql`select id from alerts where org_id = 'hiroshima'`).map((r) => r.id as string);
    await receiver.waitFor((rs) => ids.every((id) => rs.some((r) => r.answered === 'ok' && JSON.parse(r.body).data.id === id)), 'every alert');
    const wh = new Webhook(secret);
    for (const r of receiver.received) {
      const body = wh.verify(r.body, r.headers) as { type: string; timestamp: string; data: Record<string, unknown> };
      expect(body.type).toBe('alert.created');
      expect(Date.parse(body.timestamp)).not.toBeNaN();
      expect(r.headers['webhook-id']).toMatch(/^msg_/);
      expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(r.body, r.headers)).toThrow();
    }
    expect(receiver.received.some((r) => JSON.parse(r.body).data.number === '2090000001')).toBe(true);
  });

  it('a receiver that answers 500, or is down, gets the same webhook-id again until it answers 2xx', async () => {
    receiver.answer = (_r, nth) => (nth < 2 ? 'fail' : 'ok');
    const number = '2090000004';
    const r0 = await certificate(number, 'WH00KEY1');
    await push(r0);
    await file(hiroshima.token, number, 'WH00KEY1');
    await push(changeRevision(r0, 1, await digestFor('WH01KEY1'), '2024-09-02'));
    const mine = (r: { body: string }) => JSON.parse(r.body).data.number === number;
    const got = await receiver.waitFor((rs) => rs.some((r) => mine(r) && r.answered === 'ok'), 'a delivery after two failures');
    const attempts = got.filter(mine);
    expect(attempts.map((r) => r.answered)).toEqual(['fail', 'fail', 'ok']);
    expect(new Set(attempts.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
    receiver.answer = () => 'ok';

    // down: nothing listens on the port; then it comes back on the same port
    const port = receiver.port;
    await receiver.close();
    await push({ number, kind: 'advance_payment', revision: 1, reason: 'cancelled', withdrawnOn: '2024-11-01' }, WITHDRAWN_EVENT);
    await expect
      .poll(
        async () =>
          (
            await db.sql`
      select count(*)::int as n from outbox o join alerts a on a.id = o.alert_id
      where a.number = ${number} and a.type = 'withdrawn' and o.attempts >= 2 and o.last_error is not null`
          )[0]!.n,
        { timeout: 30_000, interval: 50 },
      )
      .toBe(1);
    await receiver.listen(port);
    await receiver.waitFor((rs) => rs.some((r) => mine(r) && JSON.parse(r.body).data.type === 'withdrawn'), 'the withdrawn alert after the receiver came back');
    const listed =
      await db.sql`select delivered_at, attempts from outbox o join alerts a on a.id = o.alert_id where a.number = ${number} and a.type = 'withdrawn'`;
    await expect
      .poll(
        async () =>
          (
            await db.sql`select delivered_at from outbox where id in (select o.id from outbox o join alerts a on a.id = o.alert_id where a.number = ${number} and a.type = 'withdrawn')`
          )[0]!.delivered_at,
        { timeout: 10_000, interval: 50 },
      )
      .not.toBeNull();
    expect(listed).toHaveLength(1);
  });

  it('a receiver that does not answer within 10 s gets the same delivery again, and holds up no other delivery meanwhile', async () => {
    const number = '2090000005';
    const other = '2090000007';
    const mine = (r: { body: string }) => JSON.parse(r.body).data.number === number;
    const theOther = (r: { body: string }) => JSON.parse(r.body).data.number === other;
    receiver.answer = (r, nth) => (mine(r) && nth === 0 ? 'hang' : 'ok');
    const r0 = await certificate(number, 'TO00KEY1');
    const o0 = await certificate(other, 'TO00KEY2', 'advance_payment', 2);
    await push(r0);
    await push(o0);
    await file(hiroshima.token, number, 'TO00KEY1');
    await file(hiroshima.token, other, 'TO00KEY2');
    await push(changeRevision(r0, 1, await digestFor('TO01KEY1'), '2024-09-02'));
    await receiver.waitFor((rs) => rs.some((r) => mine(r) && r.answered === 'hang'), 'the request left unanswered');
    await push(changeRevision(o0, 1, await digestFor('TO01KEY2'), '2024-09-02'));
    const meanwhile = await receiver.waitFor((rs) => rs.some((r) => theOther(r) && r.answered === 'ok'), 'another alert while one hangs');
    expect(meanwhile.filter(mine).map((r) => r.answered)).toEqual(['hang']);
    expect(meanwhile.find((r) => theOther(r) && r.answered === 'ok')!.heldOpen).toBe(1); // it came while the other request still hung
    const got = await receiver.waitFor((rs) => rs.some((r) => mine(r) && r.answered === 'ok'), 'a delivery after a timeout', 40_000);
    const attempts = got.filter(mine);
    expect(attempts.map((r) => r.answered)).toEqual(['hang', 'ok']);
    expect(attempts[0]!.headers['webhook-id']).toBe(attempts[1]!.headers['webhook-id']);
    const [row] = await db.sql`select last_error from outbox where id = ${attempts[0]!.headers['webhook-id']!.slice(4)}`;
    expect(row!.last_error).toMatch(/no answer within 10000 ms/);
    receiver.answer = () => 'ok';
  }, 60_000);

  it('shosho webhook add prints the secret alone on the last line; list shows failures; remove stops it', async () => {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'webhook', ...args], {
        env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'error', SHOSHO_WEBHOOK_ALLOW_PRIVATE: 'true' },
        encoding: 'utf8',
      });
    const added = cli('add', '--org', 'okayama', '--url', 'http://127.0.0.1:9/okayama-hooks');
    expect(added.status, added.stderr).toBe(0);
    const lines = added.stdout.trimEnd().split('\n');
    const printed = lines[lines.length - 1]!;
    expect(printed).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const [row] = await db.sql`select id, secret from webhook_endpoints where org_id = 'okayama' and removed_at is null`;
    expect(row!.secret).toBe(printed);
    const listed = cli('list', '--org', 'hiroshima');
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(`127.0.0.1:${receiver.port}/hooks`);
    expect(listed.stdout).toMatch(/last failure .* JST: (answered HTTP 500|no answer within 10000 ms|connect ECONNREFUSED)/);
    expect(listed.stdout).not.toContain('okayama-hooks');
    expect(cli('remove', row!.id as string).status).toBe(0);
    expect(cli('remove', row!.id as string).status).toBe(2);
    expect(cli('list').stdout).toMatch(/okayama-hooks {2}removed/);
    const audit = await db.sql`select action from audit_log where subject = ${row!.id} order by seq`;
    expect(audit.map((a) => a.action)).toEqual(['admin.webhook.add', 'admin.webhook.remove']);
  }, 60_000);

  it('the admin page shows each endpoint and its deliveries; clerks cannot open it', async () => {
    const admin = new WebClient(base);
    await admin.login('admin1', hiroshima.password);
    const page = await admin.get('/webhooks');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`127.0.0.1:${receiver.port}/hooks`);
    expect(page.text).toContain('送信済み');
    const clerk = new WebClient(base);
    await clerk.login('tanaka', hiroshima.password);
    expect((await clerk.get('/webhooks')).status).toBe(403);
  });
});

describe('private addresses', () => {
  it('are refused unless allowed: literals when the URL is checked, resolved names when connecting', async () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '203.0.113.250'.replace('203.0.113', '133.242.0'), '2400:8500::1']) expect(isPrivateAddress(a), a).toBe(false);
    for (const u of [
      'http://127.0.0.1:9/x',
      'http://[::1]/x',
      'http://169.254.169.254/latest',
      'http://localhost/x',
      'ftp://example.com/',
      'file:///etc/passwd',
      'https://user:pw@example.com/',
    ]) {
      expect(() => checkWebhookUrl(u, false), u).toThrow();
    }
    expect(checkWebhookUrl('https://keiyaku.example.lg.jp/hooks', false).hostname).toBe('keiyaku.example.lg.jp');
    // a redirect is an answer, not a delivery: never followed
    const redirecting = http.createServer((_req, res) => res.writeHead(307, { location: `http://127.0.0.1:${receiver.port}/hooks` }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const seen = receiver.received.length;
    expect(
      await postJson(`http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/`, {}, '{}', {
        allowPrivate: true,
        timeoutMs: 5000,
        maxResponseBytes: 1024,
      }),
    ).toBe(307);
    redirecting.close();
    expect(receiver.received.length).toBe(seen);
    // a name that resolves to loopback (this machine's own name) is refused when connecting, before any byte is sent
    const before = receiver.received.length;
    const byName = `http://${os.hostname()}:${receiver.port}/hooks`;
    await expect(postJson(byName, {}, '{}', { allowPrivate: false, timeoutMs: 5000, maxResponseBytes: 1024 })).rejects.toThrow(/private address/);
    expect(receiver.received.length).toBe(before);
    expect(await postJson(byName, {}, '{}', { allowPrivate: true, timeoutMs: 5000, maxResponseBytes: 1024 })).toBe(204);
    const cli = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'webhook', 'add', '--org', 'okayama', '--url', 'http://169.254.169.254/latest'],
      {
        env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'error', SHOSHO_WEBHOOK_ALLOW_PRIVATE: 'false' },
        encoding: 'utf8',
      },
    );
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain('SHOSHO_WEBHOOK_ALLOW_PRIVATE');
    expect((await db.sql`select count(*)::int as n from webhook_endpoints where url like '%169.254.169.254%'`)[0]!.n).toBe(0);
  }, 60_000);
});

describe('the demo', () => {
  it("files a sample certificate and its issuer's later 変更 revision raises an alert", async () => {
    const demo = await setUpDemo(db.sql, base, AUDIENCE);
    try {
      const sent = await changeFiledCertificateLater(demo, base, 0);
      const number = demo.toChange.payload.number;
      expect(sent).toContain(number);
      const [alert] = (await openAlerts(hiroshima.token)).filter((a) => a.number === number);
      expect(alert).toMatchObject({ type: 'new_revision', revision: 1, kind: 'contract' });
    } finally {
      await demo.issuer.close();
    }
  }, 60_000);
});
