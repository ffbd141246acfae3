import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { certificateView, type CertificatePayload, type CertificateViewInput } from '../src/domain/certificate-view.js';
import {
  createRenderer,
  ERROR_CODES,
  ERROR_PAGE_STATUSES,
  errorMessage,
  errorPageStatus,
  isMessageKey,
  messages,
  pickLanguage,
  translate,
  VIEW_NAMES,
  type Lang,
  type RenderContext,
  type ViewData,
  type ViewName,
} from '../src/render/index.js';
import { ledgerViewSamples } from './helpers/ledger-views.js';

const payload: CertificatePayload = {
  number: '2070004426',
  kind: 'advance_payment',
  revision: 1,
  revisionType: 'change',
  issuedOn: '2024-06-03',
  guarantor: { name: '西日本建設業保証株式会社', office: '広島支店' },
  obligee: { name: '広島県知事', code: '340006' },
  contractor: { name: '瀬戸内建設株式会社', address: '広島県広島市中区基町10-52', representative: '代表取締役 山田太郎' },
  project: {
    name: '〇〇道路改良工事',
    location: '広島県廿日市市宮島町',
    contractDate: '2024-06-01',
    period: { from: '2024-06-03', to: '2025-03-14' },
    contractPrice: 123200000,
  },
  guarantee: { amount: 49280000, period: { from: '2024-06-03', to: '2025-04-13' }, advancePayment: 49280000 },
  changes: ['guarantee.amount', 'project.period.to'],
  notes: '前払金の使途は当該工事に限る。\n以上',
};

type ViewInputOverrides = Omit<Partial<CertificateViewInput>, 'payload'> & { payload?: Partial<CertificatePayload> };

function viewInput(overrides: ViewInputOverrides = {}): CertificateViewInput {
  const { payload: payloadOverrides, ...rest } = overrides;
  return {
    id: 'cert-1',
    payload: { ...payload, ...payloadOverrides },
    issuer: { id: 'wjcs', name: '西日本建設業保証株式会社' },
    status: { status: 'current' },
    verification: {
      alg: 'ES256',
      kid: 'wjcs-2024',
      verifiedAt: new Date('2024-06-03T00:00:05Z'),
      receivedAt: new Date('2024-06-03T00:00:04Z'),
      jwsSha256: 'a'.repeat(64),
      via: 'push',
    },
    revisions: [
      { id: 'cert-1', revision: 1, revisionType: 'change', issuedOn: '2024-06-03', status: 'current', unlocked: true },
      { id: 'cert-0', revision: 0, revisionType: 'new', issuedOn: '2024-04-01', status: 'superseded', unlocked: true },
      { id: 'cert-2', revision: 2, revisionType: 'correction', issuedOn: '2024-07-01', status: 'withdrawn', unlocked: false },
    ],
    ...rest,
  };
}

const certificate = certificateView(viewInput());
const archiveRecord: ViewData['archive-record']['record'] = {
  id: 'arc-1',
  certificateId: 'cert-1',
  number: '2070004426',
  kind: 'advance_payment',
  revision: 1,
  revisionType: 'change',
  projectName: '〇〇道路改良工事',
  contractor: '瀬戸内建設株式会社',
  obligee: '広島県知事',
  issuer: 'wjcs',
  status: 'superseded',
  statusWhenArchived: 'current',
  archivedAt: new Date('2024-06-04T01:02:03Z'),
  archivedBy: 'tanaka',
  reference: 'R6-道-001',
  memo: '第1回変更分',
  pdfSha256: 'b'.repeat(64),
  jwsSha256: 'a'.repeat(64),
  guarantee: { amount: 12_300_000, period: { from: '2024-06-03', to: '2025-03-31' } },
};

/** One sample of every view, each with enough data to show its main parts. */
const samples: { [V in ViewName]: ViewData[V] } = {
  login: { username: 'tanaka', errors: [{ code: 'login_failed' }] },
  lookup: { number: '２０７０-０００４４２６', errors: [{ code: 'malformed_auth_key', field: 'authKey' }] },
  certificate: { certificate },
  error: { status: 404, code: 'page_not_found' },
  'archive-list': {
    search: { q: '道路 改良&', kind: 'advance_payment', sort: 'number', order: 'asc' },
    items: [archiveRecord],
    paging: {
      page: 2,
      pages: 9,
      total: 430,
      first: 51,
      last: 100,
      previous: 1,
      next: 3,
      numbers: [
        { page: 1, current: false },
        { page: 2, current: true },
        { page: 3, current: false },
        { page: 4, current: false },
        null,
        { page: 9, current: false },
      ],
    },
  },
  'archive-record': {
    record: archiveRecord,
    certificate,
    report: {
      subject: { number: '2070004426', kind: 'advance_payment', revision: 1, issuer: 'wjcs', jwsSha256: 'a'.repeat(64), archiveId: 'arc-1' },
      checkedAt: '2031-04-01T00:00:00Z',
      result: 'indeterminate',
      checks: [
        { name: 'jws-digest', result: 'passed', detail: 'matches' },
        { name: 'signature', result: 'indeterminate', detail: 'key wjcs-2024 is not known' },
        { name: 'status', result: 'passed', detail: 'superseded' },
      ],
    },
  },
  audit: {
    filter: { actor: 'tanaka' },
    entries: [
      {
        seq: 7,
        at: '2024-06-04T01:02:03Z',
        actor: 'tanaka',
        action: '証書の照会',
        outcome: '成功',
        number: '2070004426',
        details: ['理由：unknown number or wrong key'],
      },
    ],
    paging: { previous: 'c1', next: 'c3' },
  },
  'audit-verify': { checkedAt: '2024-06-04T01:02:03Z', checked: 120, firstBroken: null },
  alerts: {
    filter: { open: true },
    items: [
      {
        id: '6f1c1e9a-2b7d-4c1e-9a55-0d1f0c2b3a41',
        type: 'new_revision',
        createdAt: new Date('2024-06-04T01:02:03Z'),
        resolvedAt: null,
        resolvedBy: null,
        note: null,
        contract: null,
        number: '2070004426',
        kind: 'advance_payment',
        kindName: '前払金保証証書',
        revision: 1,
        message: '保証契約番号2070004426（前払金保証証書）に第1回変更が発行されました。受注者に第1回変更の認証キーの提出を依頼してください。',
      },
    ],
    paging: { next: 'cursor-2' },
  },
  webhooks: {
    endpoints: [
      {
        url: 'keiyaku.example.lg.jp/hooks',
        createdAt: new Date('2024-06-04T01:02:03Z'),
        removedAt: null,
        delivered: 3,
        pending: 1,
        failed: 0,
        lastError: 'answered HTTP 500',
        lastErrorAt: new Date('2024-06-04T02:02:03Z'),
      },
    ],
    deliveries: [
      {
        url: 'keiyaku.example.lg.jp/hooks',
        createdAt: new Date('2024-06-04T01:02:03Z'),
        attempts: 2,
        deliveredAt: null,
        givenUpAt: null,
        nextAttemptAt: new Date('2024-06-04T03:02:03Z'),
        lastError: 'answered HTTP 500',
      },
    ],
  },
  ...ledgerViewSamples,
  notices: {
    rows: [
      {
        row: 1,
        source: 'お知らせ.pdf p.1',
        number: '2070004426',
        authKey: '7KQ4M2XD9PRA',
        kind: 'advance_payment',
        revisionType: 'new',
        projectName: '〇〇道路改良工事',
        doubts: [],
      },
      {
        row: 2,
        source: 'text',
        number: '207000442',
        authKey: 'AB12CD',
        kind: null,
        revisionType: null,
        projectName: null,
        doubts: [{ code: 'kind' }, { code: 'number' }, { code: 'key', length: 6 }],
      },
      { row: 3, source: null, number: '', authKey: '', kind: null, revisionType: null, projectName: null, doubts: [] },
    ],
    problems: [{ source: 'scan.pdf', code: 'no_text' }],
    found: 2,
  },
  'notices-results': {
    rows: [
      { number: '2070004426', id: 'cert-1', kind: 'advance_payment', revision: 1, projectName: '〇〇道路改良工事', status: 'current' },
      { number: '2070004427', error: { code: 'not_found' } },
    ],
    found: ['cert-1'],
  },
};

const renderer = createRenderer();
const clerk = { username: 'tanaka', role: 'clerk', orgName: '広島県' } as const;

function render<V extends ViewName>(view: V, data: ViewData[V], ctx: Partial<RenderContext> = {}): string {
  return renderer.render(view, data, { lang: 'ja', csrfToken: 'csrf-token-1', user: clerk, requestId: 'req-1', ...ctx });
}

function everyPage(ctx: Partial<RenderContext> = {}): Array<[string, string]> {
  return (['ja', 'en'] as const).flatMap((lang) =>
    VIEW_NAMES.map((view): [string, string] => [`${view} ${lang}`, render(view, samples[view] as never, { lang, ...ctx })]),
  );
}

/** The table row whose header cell says `label`. */
function rowOf(html: string, label: string): string {
  const row = html.split('<tr').find((part) => part.includes(`<th scope="row">${label}`));
  if (!row) throw new Error(`no row ${label}`);
  return row;
}

describe('message catalogs', () => {
  const viewsDir = join(import.meta.dirname, '..', 'views');
  const templates = readdirSync(viewsDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.hbs'))
    .map((file) => readFileSync(join(viewsDir, file), 'utf8'));

  it('have the same keys in Japanese and English', () => {
    expect(Object.keys(messages('en')).sort()).toEqual(Object.keys(messages('ja')).sort());
  });

  it('have every key a template names', () => {
    const used = templates.flatMap((source) => [...source.matchAll(/[{(]t "([^"]+)"/g)].map((match) => match[1] as string));
    expect(used.length).toBeGreaterThan(50);
    expect(used.filter((key) => !isMessageKey(key))).toEqual([]);
  });

  it('have every key a template builds from a code', () => {
    const kinds = ['advance_payment', 'interim_advance_payment', 'contract'] as const;
    const fields = kinds.flatMap((kind) => certificateView(viewInput({ payload: { kind } })).rows.map((row) => row.field));
    const keys = [
      ...kinds.map((kind) => `kind.${kind}`),
      ...['new', 'change', 'correction'].map((type) => `revisionType.${type}`),
      ...['change', 'correction'].flatMap((type) => [`cert.changedMark.${type}`, `cert.changes.${type}`]),
      ...['current', 'superseded', 'withdrawn'].map((status) => `status.${status}`),
      ...['cancelled', 'issued_in_error'].flatMap((reason) => [`status.withdrawn.${reason}`, `status.detail.${reason}`]),
      ...[...fields, 'obligee', 'guarantor'].map((field) => `cert.field.${field}`),
      ...['passed', 'failed', 'indeterminate'].map((result) => `result.${result}`),
      ...['jws-digest', 'signature', 'claims', 'payload', 'pdf-digest', 'pdf-embedded-jws', 'status'].map((name) => `check.${name}`),
      ...['clerk', 'auditor', 'admin'].map((role) => `role.${role}`),
      ...['push', 'poll'].map((via) => `verification.via.${via}`),
      ...ERROR_PAGE_STATUSES.map((status) => `errorPage.title.${status}`),
      ...ERROR_CODES.map((code) => `error.${code}`),
    ];
    expect(keys.filter((key) => !isMessageKey(key))).toEqual([]);
  });

  it('fill placeholders and refuse a missing one', () => {
    expect(errorMessage('ja', 'locked_out', { minutes: 15 })).toContain('15分後');
    expect(translate('en', 'error.locked_out', { minutes: 15 })).toContain('15 minutes');
    expect(() => errorMessage('ja', 'locked_out')).toThrow(/minutes/);
  });

  it('say the same for an unknown number and a wrong key', () => {
    expect(errorMessage('ja', 'not_found')).toBe('保証契約番号（証券番号）または認証キー（閲覧用パスワード）が正しくありません。入力内容を確認してください。');
  });
});

describe('pickLanguage', () => {
  it.each<[string | undefined, string | undefined, Lang]>([
    [undefined, undefined, 'ja'],
    ['en-US,en;q=0.9', undefined, 'en'],
    ['en-US,en;q=0.9', 'ja', 'ja'],
    ['ja', 'en', 'en'],
    ['fr-FR, en;q=0.5, ja;q=0.8', undefined, 'ja'],
    ['fr-FR, en;q=0.8, ja;q=0.5', undefined, 'en'],
    ['en;q=0, fr', undefined, 'ja'],
    ['*', undefined, 'ja'],
    ['en', 'de', 'en'],
    ['garbage;;q=x', undefined, 'ja'],
  ])('Accept-Language %j, cookie %j → %s', (acceptLanguage, cookie, lang) => {
    expect(pickLanguage(acceptLanguage, cookie)).toBe(lang);
  });
});

describe('certificateView', () => {
  it('marks the fields a change touched, down to the end of a period', () => {
    const amount = certificate.rows.find((row) => row.field === 'guaranteeAmount');
    const period = certificate.rows.find((row) => row.field === 'projectPeriod');
    expect(amount?.changed).toBe(true);
    expect(period).toMatchObject({ changed: true, value: { from: { changed: false }, to: { changed: true } } });
    expect(certificate.changedFields).toEqual(['projectPeriod', 'guaranteeAmount']);
    expect(certificate.rows.filter((row) => row.changed)).toHaveLength(2);
  });

  it('lists changed paths the form does not show, and ignores changes on a new revision', () => {
    const changed = certificateView(viewInput({ payload: { changes: ['obligee', 'contractor.fax'] } }));
    expect(changed.obligee.changed).toBe(true);
    expect(changed.otherChanges).toEqual(['contractor.fax']);
    const fresh = certificateView(viewInput({ payload: { revision: 0, revisionType: 'new' } }));
    expect(fresh.changedFields).toEqual([]);
    expect(fresh.rows.some((row) => row.changed)).toBe(false);
  });

  it('shows the advance payment under the name of its kind, and none for a contract guarantee', () => {
    const fieldsOf = (kind: CertificatePayload['kind']) => certificateView(viewInput({ payload: { kind } })).rows.map((row) => row.field);
    expect(fieldsOf('advance_payment')).toContain('advancePayment');
    expect(fieldsOf('interim_advance_payment')).toContain('interimAdvancePayment');
    const contract = fieldsOf('contract');
    expect(contract).not.toContain('advancePayment');
    expect(contract).not.toContain('interimAdvancePayment');
  });

  it('orders the revisions and marks the one shown', () => {
    expect(certificate.revisions.map((revision) => [revision.revision, revision.shown])).toEqual([
      [0, false],
      [1, true],
      [2, false],
    ]);
  });
});

describe('certificate page', () => {
  const ja = render('certificate', { certificate });
  const en = render('certificate', { certificate }, { lang: 'en' });

  it('shows the certificate the way the paper form does, in 和暦 and 円', () => {
    expect(ja).toContain('<html lang="ja">');
    expect(ja).toContain('前払金保証証書');
    expect(ja).toContain('金49,280,000円');
    expect(ja).toContain('金123,200,000円');
    expect(ja).toContain('<time datetime="2024-06-03">令和6年6月3日</time>');
    expect(ja).toContain('（2024年6月3日）');
    expect(ja).toContain('広島県知事 殿');
    expect(ja).toContain('西日本建設業保証株式会社');
    expect(rowOf(ja, '前払金額')).toContain('金49,280,000円');
    expect(rowOf(ja, '特約事項')).toContain('前払金の使途は当該工事に限る。\n以上');
  });

  it('marks changed fields in words, not only by colour', () => {
    expect(rowOf(ja, '保証金額')).toContain('<strong class="changed-mark">変更</strong>');
    expect(rowOf(ja, '工期')).toContain('is-changed-part');
    expect(rowOf(ja, '請負代金額')).not.toContain('changed-mark');
    expect(ja).toContain('この回で変更された項目');
    const corrected = render('certificate', {
      certificate: certificateView(viewInput({ payload: { revisionType: 'correction', changes: ['project.name'] } })),
    });
    expect(rowOf(corrected, '工事名')).toContain('<strong class="changed-mark">訂正</strong>');
  });

  it('shows the signature check with times in JST', () => {
    expect(ja).toContain('2024年6月3日 09:00:05 JST');
    expect(ja).toContain('wjcs-2024');
    expect(ja).toContain('ES256');
    expect(ja).toContain('a'.repeat(64));
  });

  it('links only the revisions the organisation unlocked', () => {
    expect(ja).toContain('href="/certificates/cert-0"');
    expect(ja).not.toContain('href="/certificates/cert-2"');
    expect(rowOf(ja, '2')).toContain('未表示（この回の認証キーが必要）');
  });

  it('offers print, PDF and archive, with the CSRF token', () => {
    expect(ja).toContain('data-action="print"');
    expect(ja).toContain('<script src="/static/print.js" defer></script>');
    expect(ja).toContain('href="/certificates/cert-1/pdf"');
    expect(ja).toContain('action="/certificates/cert-1/archive"');
    expect(ja).toContain('name="_csrf" value="csrf-token-1"');
    expect(ja).toMatch(/<label for="reference">案件番号/);
    expect(ja).toMatch(/<textarea id="memo" name="memo"/);
  });

  it('keeps the certificate in 和暦 and 円 in English, with English labels', () => {
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('Advance Payment Guarantee Certificate');
    expect(en).toContain('金49,280,000円');
    expect(en).toContain('令和6年6月3日');
    expect(en).toContain(' (2024-06-03)');
    expect(en).toContain('2024-06-03 09:00:05 JST');
    expect(en).toContain('<strong class="changed-mark">Changed</strong>');
  });

  it.each([
    ['interim_advance_payment', '中間前払金保証証書', '中間前払金額'],
    ['contract', '契約保証証書', null],
  ] as const)('shows a %s certificate under its own title', (kind, title, advanceLabel) => {
    const html = render('certificate', { certificate: certificateView(viewInput({ payload: { kind } })) });
    expect(html).toContain(title);
    if (advanceLabel) expect(rowOf(html, advanceLabel)).toContain('金49,280,000円');
    else expect(html).not.toContain('前払金額');
  });

  it.each([
    [{ status: 'current' }, '有効', 'この証書は現在有効な最新の回です。'],
    [{ status: 'superseded', supersededBy: { revision: 2, issuedOn: '2024-07-01' } }, '最新ではありません', '最新は第2回（令和6年7月1日発行）です。'],
    [{ status: 'withdrawn', withdrawal: { reason: 'cancelled', withdrawnOn: '2024-08-01' } }, '解約', '令和6年8月1日に解約されました'],
    [{ status: 'withdrawn', withdrawal: { reason: 'issued_in_error', withdrawnOn: '2024-08-01' } }, '取消', '令和6年8月1日に取り消されました'],
  ] as const)('states the status %j', (status, label, detail) => {
    const html = render('certificate', { certificate: certificateView(viewInput({ status })) });
    expect(html).toContain(`<p class="status-label">${label}</p>`);
    expect(html).toContain(detail);
  });
});

describe('archive record page', () => {
  const ja = render('archive-record', samples['archive-record']);
  const en = render('archive-record', samples['archive-record'], { lang: 'en' });

  it('shows who filed it and when, its downloads and a recheck button', () => {
    expect(ja).toContain('tanaka');
    expect(ja).toContain('R6-道-001');
    expect(ja).toContain('2024年6月4日 10:02:03 JST');
    expect(ja).toContain('href="/archive/arc-1/pdf"');
    expect(ja).toContain('href="/archive/arc-1/jws"');
    expect(ja).toContain('action="/archive/arc-1/recheck"');
    expect(ja).toContain('保管した後に状態が「最新ではありません」に変わりました。');
  });

  it('shows an undecided check as its own result, neither valid nor invalid', () => {
    const signature = rowOf(ja, '電子署名');
    expect(signature).toContain('<span class="check-result result-indeterminate">確認できず</span>');
    expect(signature).not.toMatch(/result-(passed|failed)/);
    expect(rowOf(ja, '署名データのハッシュ値')).toContain('result-passed');
    expect(rowOf(en, 'Electronic signature')).toContain('Could not check');
  });
});

describe('forms', () => {
  const lookup = render('lookup', samples.lookup);

  it('tie each error to its field and sum them up in an alert', () => {
    expect(lookup).toContain('role="alert"');
    expect(lookup).toContain('<a href="#authKey">認証キーは英数字6〜32文字で入力してください。</a>');
    expect(lookup).toMatch(
      /<input id="authKey" name="authKey" autocomplete="off" aria-required="true" aria-describedby="authKey-hint authKey-error" aria-invalid="true"/,
    );
    expect(lookup).toContain('id="authKey-error"');
    expect(lookup).toMatch(/<input id="number"[^>]*aria-describedby="number-hint"[^>]*>/);
    expect(lookup).not.toMatch(/<input id="number"[^>]*aria-invalid/);
  });

  it('echo the number but never the auth key', () => {
    expect(lookup).toContain('value="２０７０-０００４４２６"');
    expect(lookup).toMatch(/<input id="authKey"[^>]*value=""/);
  });

  it('give an error without a field to the summary alone', () => {
    const html = render('lookup', { errors: [{ code: 'locked_out', params: { minutes: 12 } }] });
    expect(html).toContain('12分後にもう一度お試しください。');
    expect(html).not.toContain('aria-invalid');
  });

  it('label every control', () => {
    for (const [name, html] of everyPage()) {
      const controls = [...html.matchAll(/<(?:input|select|textarea) id="([^"]+)"/g)].map((match) => match[1]);
      for (const id of controls) expect(html, `${name} #${id}`).toContain(`<label for="${id}">`);
      expect(html, name).not.toMatch(/<input (?![^>]*type="hidden")(?![^>]*\bid=)/);
    }
  });
});

describe('lists', () => {
  const archive = render('archive-list', samples['archive-list']);

  it('sort by column headings and page through results, keeping the search', () => {
    expect(archive).toContain('aria-sort="ascending"');
    expect(archive).toContain('href="/archive?q=%E9%81%93%E8%B7%AF+%E6%94%B9%E8%89%AF%26&amp;kind=advance_payment&amp;sort=number&amp;order=desc"');
    expect(archive).toContain('href="/archive.csv?q=');
    expect(archive).toContain('page=3" aria-label="3ページ目"');
    expect(archive).toContain('rel="prev"');
    expect(archive).toContain('aria-current="page" aria-label="2ページ目（表示中）"');
    expect(archive).toContain('430件中 51〜100件目');
    expect(archive).toContain('<option value="advance_payment" selected>前払金保証証書</option>');
  });

  it('show the audit log with its filter, CSV and verify links', () => {
    const audit = render('audit', samples.audit, { user: { ...clerk, role: 'auditor' } });
    expect(audit).toContain('<td class="cell-action">証書の照会</td>');
    expect(audit).toContain('<li>理由：unknown number or wrong key</li>');
    expect(audit).toContain('href="/audit.csv?actor=tanaka"');
    expect(audit).toContain('href="/audit/verify"');
    expect(audit).toContain('rel="prev"');
  });

  it('say whether the audit chain is intact or where it breaks', () => {
    expect(render('audit-verify', samples['audit-verify'])).toContain('監査ログに改ざんは見つかりませんでした（120件を確認）。');
    const broken = render('audit-verify', {
      ...samples['audit-verify'],
      firstBroken: { seq: 42, at: '2024-06-04T01:02:03Z', reason: 'its content does not match its hash (changed)' },
    });
    expect(broken).toContain('連番42（2024年6月4日 10:02:03 JST）の記録に改ざんの可能性があります。');
    expect(broken).toContain('its content does not match its hash');
    expect(broken).toContain('result-failed');
  });
});

describe('layout', () => {
  it('names the service, skips to the content and has one h1 per page', () => {
    for (const [name, html] of everyPage()) {
      expect(html.match(/<h1[ >]/g), name).toHaveLength(1);
      expect(html, name).toContain('<a class="skip-link" href="#main">');
      expect(html, name).toContain('<main id="main"');
    }
    expect(render('lookup', {})).toContain('電子証書確認サービス');
  });

  it('shows the audit log only to auditors and admins', () => {
    expect(render('lookup', {})).not.toContain('href="/audit"');
    expect(render('lookup', {}, { user: { ...clerk, role: 'auditor' } })).toContain('href="/audit"');
    expect(render('lookup', {}, { user: { ...clerk, role: 'admin' } })).toContain('href="/audit"');
  });

  it('logs out with a POST form carrying the CSRF token, and offers the other language', () => {
    const html = render('lookup', {});
    expect(html).toMatch(/<form class="inline-form" method="post" action="\/logout">\s*<input type="hidden" name="_csrf" value="csrf-token-1">/);
    expect(html).toContain('<a href="/" aria-current="page">証書照会</a>');
    expect(html).toContain('href="/?lang&#x3D;en" hreflang="en" lang="en">English</a>');
    expect(render('archive-list', { search: {}, items: [] }, { lang: 'en', pagePath: '/archive?q=2070&lang=en' })).toContain(
      'href="/archive?q&#x3D;2070&amp;lang&#x3D;ja" hreflang="ja" lang="ja">日本語</a>',
    );
  });

  it('has no navigation before login', () => {
    const html = render('login', samples.login, { user: null });
    expect(html).not.toContain('<nav');
    expect(html).not.toContain('/logout');
  });

  it('gives every error status a page with the request id', () => {
    for (const status of ERROR_PAGE_STATUSES) {
      const html = render('error', { status, code: 'internal_error' });
      expect(html).toContain('問い合わせ番号：req-1');
    }
    expect(render('error', { status: 404, code: 'page_not_found' }, { lang: 'en' })).toContain('<h1>Page not found</h1>');
    expect(errorPageStatus(418)).toBe(400);
    expect(errorPageStatus(502)).toBe(500);
    expect(errorPageStatus(429)).toBe(429);
  });
});

describe('what a page may contain', () => {
  it('loads nothing from outside and has no inline script or style', () => {
    for (const [name, html] of everyPage()) {
      expect(html, name).not.toMatch(/https?:\/\//);
      expect(html, name).not.toMatch(/<script(?![^>]*\ssrc=)/);
      expect(html, name).not.toMatch(/\sstyle=/);
      expect(html, name).not.toContain('<style');
    }
  });

  it('keeps ids unique on every page', () => {
    for (const [name, html] of everyPage()) {
      const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]);
      expect(
        ids.filter((id, index) => ids.indexOf(id) !== index),
        name,
      ).toEqual([]);
    }
  });

  it('inlines the styles for a standalone page (the PDF) and leaves out navigation, buttons, forms and scripts', () => {
    const printable = (['certificate', 'archive-record', 'error'] as const).flatMap((view) =>
      (['ja', 'en'] as const).map((lang) => [`${view} ${lang}`, render(view, samples[view] as never, { lang, standalone: true })]),
    );
    for (const [name, html] of printable) {
      expect(html, name).toContain('<style>');
      expect(html, name).toContain('@page { size: A4;');
      expect(html, name).not.toMatch(/<script|<link|<nav|<form|<button|\/static\/|https?:\/\//);
    }
  });

  it('escapes whatever the issuer or a user sent', () => {
    const hostile = certificateView(
      viewInput({
        payload: {
          project: { ...payload.project, name: '<script>alert(1)</script>' },
          contractor: { ...payload.contractor, name: '"><img src=x onerror=alert(1)>' },
        },
      }),
    );
    const html = render('certificate', { certificate: hostile, archiveForm: { memo: '</textarea><script>x</script>' } });
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(html).not.toMatch(/<script>|<img/);
    const lookup = render('lookup', { number: '"><script>x</script>' });
    expect(lookup).not.toContain('<script>x');
  });
});

describe('createRenderer', () => {
  const broken = mkdtempSync(join(tmpdir(), 'shosho-views-'));
  afterAll(() => rmSync(broken, { recursive: true, force: true }));

  it('refuses a template that calls an unknown helper, when it starts', () => {
    cpSync(join(import.meta.dirname, '..', 'views'), broken, { recursive: true });
    writeFileSync(join(broken, 'lookup.hbs'), '<h1>{{nosuchhelper "x"}}</h1>');
    expect(() => createRenderer({ viewsDir: broken })).toThrow(/template lookup/);
  });
});
