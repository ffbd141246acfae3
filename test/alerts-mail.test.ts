import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestJob, previousJstDay } from '../src/alerts/index.js';
import { CERTIFICATE_EVENT, changeRevision, type ReferenceIssuer } from '../reference-issuer/index.js';
import { apiCall } from './helpers/fixture.js';
import { certificate, digestFor, registeredIssuer } from './helpers/issuer.js';
import { seedOrganisation } from './helpers/seed.js';
import { startTestService } from './helpers/service.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

interface Delivered {
  to: string[];
  mail: ParsedMail;
}

let db: TestDatabase;
let issuer: ReferenceIssuer;
let service: Awaited<ReturnType<typeof startTestService>>;
let token: string;
const inbox: Delivered[] = [];
const arrivals = new EventEmitter();
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  onData(stream, session, callback) {
    simpleParser(stream).then((mail) => {
      inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), mail });
      arrivals.emit('mail');
      callback();
    }, callback);
  },
});

function mailsFor(to: string, count: number): Promise<Delivered[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const mine = inbox.filter((m) => m.to.includes(to));
      if (mine.length < count) return;
      arrivals.off('mail', check);
      clearTimeout(timer);
      resolve(mine);
    };
    const timer = setTimeout(() => reject(new Error(`waiting for ${count} mail(s) to ${to}; inbox has ${inbox.length}`)), 60_000);
    arrivals.on('mail', check);
    check();
  });
}

/** `shosho user add` as a person types it, password on standard input. */
function addUser(username: string, ...flags: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'user', 'add', username, '--org', 'hiroshima', '--role', 'clerk', ...flags], {
    env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'error' },
    input: 'correct-horse-battery\n',
    encoding: 'utf8',
  });
  return r;
}

let base: string;

beforeAll(async () => {
  db = await createTestDatabase();
  issuer = await registeredIssuer(db.sql);
  ({ token } = await seedOrganisation(db.sql, { id: 'hiroshima', name: '広島県', code: '340006' }));
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  service = await startTestService(db, {
    SHOSHO_SMTP_URL: `smtp://127.0.0.1:${port}`,
    SHOSHO_MAIL_FROM: 'shosho@pref.example.lg.jp',
    SHOSHO_WEBHOOK_RETRY_MS: '50',
    SHOSHO_PUBLIC_URL: 'https://shosho.pref.example.lg.jp',
  });
  base = service.url;
}, 60_000);
afterAll(async () => {
  await service?.stop();
  await issuer?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await db?.drop();
});

describe('alert mail', () => {
  it('user add takes an address and how often to mail; bad values are refused naming the option', () => {
    expect(addUser('tanaka', '--email', 'tanaka@pref.example.lg.jp').status).toBe(0);
    expect(addUser('suzuki', '--email', 'suzuki@pref.example.lg.jp', '--notify', 'digest').status).toBe(0);
    expect(addUser('sato', '--email', 'sato@pref.example.lg.jp', '--notify', 'none').status).toBe(0);
    const bad = addUser('kato', '--email', 'not-an-address');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--email');
    const badNotify = addUser('kato', '--email', 'kato@pref.example.lg.jp', '--notify', 'hourly');
    expect(badNotify.status).toBe(2);
    expect(badNotify.stderr).toContain('--notify');
  });

  it('a user who wants each alert gets one Japanese mail naming the number, kind and what to do, with a link and no auth key', async () => {
    const number = '2090000101';
    const key = 'ML00KEY1';
    const newKey = 'ML01KEY1';
    const r0 = await certificate(number, key);
    const s0 = await issuer.sign(CERTIFICATE_EVENT, r0);
    expect((await issuer.push(`${base}/sets`, s0.token)).status).toBe(202);
    const unlocked = await apiCall(base, token, 'POST', '/api/v1/lookup', { number, authKey: key });
    expect((await apiCall(base, token, 'POST', `/api/v1/certificates/${unlocked.json.id}/archive`, {})).status).toBe(201);
    const s1 = await issuer.sign(CERTIFICATE_EVENT, changeRevision(r0, 1, await digestFor(newKey), '2024-09-02'));
    expect((await issuer.push(`${base}/sets`, s1.token)).status).toBe(202);

    const [mail] = await mailsFor('tanaka@pref.example.lg.jp', 1);
    const [alert] = await db.sql`select id from alerts where number = ${number}`;
    expect(mail!.mail.subject).toBe(`【shosho 要対応】新しい回の発行：${number} 前払金保証証書`);
    const text = mail!.mail.text!;
    for (const s of [
      number,
      '前払金保証証書',
      '第1回',
      '受注者に第1回変更の認証キーの提出を依頼してください',
      'JST',
      `https://shosho.pref.example.lg.jp/alerts#alert-${alert!.id}`,
      'Ask the contractor for the auth key of revision 1',
    ]) {
      expect(text).toContain(s);
    }
    expect(text).not.toContain(key);
    expect(text).not.toContain(newKey);
    expect(mail!.mail.from?.text).toContain('shosho@pref.example.lg.jp');
    expect(inbox.filter((m) => m.to.includes('sato@pref.example.lg.jp') || m.to.includes('suzuki@pref.example.lg.jp'))).toEqual([]);
  });

  it('a user who asked for a digest gets one mail for the day, however often the job runs', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000);
    const day = previousJstDay(tomorrow);
    await digestJob(service.db.sql)(tomorrow);
    await digestJob(service.db.sql)(tomorrow);
    const [digest] = await mailsFor('suzuki@pref.example.lg.jp', 1);
    expect(digest!.mail.subject).toBe(`【shosho 要対応】${day}の要対応事項（1件）`);
    expect(digest!.mail.text).toContain('2090000101');
    const [{ n }] = (await db.sql`select count(*)::int as n from outbox where channel = 'mail' and dedupe_key is not null`) as unknown as [{ n: number }];
    expect(n).toBe(1);
    expect(inbox.filter((m) => m.to.includes('sato@pref.example.lg.jp'))).toEqual([]);
  });
});
