import { describe, expect, it } from 'vitest';
import {
  acceptedInPlaceNote,
  certificateForm,
  certificatePayloadSchema,
  certificateView,
  fulfilsRequirement,
  KINDS,
  parseNumber,
  withdrawalPayloadSchema,
  type CertificatePayload,
  type CertificateViewInput,
  type InsurerKind,
  type Kind,
} from '../src/domain/index.js';
import { createRenderer, isMessageKey, translate, type Lang } from '../src/render/index.js';

const DIGEST = `$scrypt$ln=14,r=8,p=1$${Buffer.alloc(16, 1).toString('base64').replace(/=+$/, '')}$${Buffer.alloc(32, 2).toString('base64').replace(/=+$/, '')}`;

function policy(kind: InsurerKind): CertificatePayload {
  return {
    number: 'PB2025000123456',
    kind,
    revision: 0,
    revisionType: 'new',
    issuedOn: '2024-06-03',
    authKeyDigest: DIGEST,
    guarantor: { name: '東京海上日動火災保険株式会社', office: '広島支店 公共法人課' },
    obligee: { name: '広島県知事', code: '340006' },
    contractor: { name: '備後建設株式会社', address: '広島県福山市東桜町3-5', representative: '代表取締役 佐藤花子' },
    project: {
      name: '一般国道2号道路改良工事',
      location: '広島県福山市地内',
      contractDate: '2024-06-01',
      period: { from: '2024-06-03', to: '2025-03-14' },
      contractPrice: 123_200_000,
    },
    guarantee: { amount: 12_320_000, period: { from: '2024-06-03', to: '2025-03-14' } },
  };
}

type Edit = (p: any) => void;
/** Each rule an insurer's payload must keep, broken alone, and the one field path it is reported at. */
const RULES: Array<[string, Edit, string]> = [
  ['a 証券番号 in lower case', (p) => (p.number = 'pb2025000123456'), 'number'],
  ['a 証券番号 with a dash', (p) => (p.number = 'PB-2025-0001'), 'number'],
  ['a 証券番号 in full-width characters', (p) => (p.number = 'ＰＢ２０２５０００１'), 'number'],
  ['a 証券番号 of 5 characters', (p) => (p.number = 'PB202'), 'number'],
  ['a 証券番号 of 21 characters', (p) => (p.number = 'PB2025000123456789012'), 'number'],
  ['an advance payment', (p) => (p.guarantee.advancePayment = 12_320_000), 'guarantee.advancePayment'],
  ['an unknown kind', (p) => (p.kind = 'performance_guarantee'), 'kind'],
  ['revision 1 said to be new', (p) => (p.revision = 1), 'revision'],
  ['revision 0 said to be a change', (p) => (p.revisionType = 'change'), 'revision'],
  ['a date that does not exist', (p) => (p.issuedOn = '2024-02-30'), 'issuedOn'],
  ['a digest that is not scrypt', (p) => (p.authKeyDigest = '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA'), 'authKeyDigest'],
  ['no insurer name', (p) => (p.guarantor.name = ' '), 'guarantor.name'],
  ['a 5-digit local government code', (p) => (p.obligee.code = '34000'), 'obligee.code'],
  ['no 主たる債務者 / 保険契約者', (p) => delete p.contractor, 'contractor'],
  ['a negative 保証金額 / 保険金額', (p) => (p.guarantee.amount = -1), 'guarantee.amount'],
  ['an amount in sen', (p) => (p.guarantee.amount = 12_320_000.5), 'guarantee.amount'],
  ['a period that ends before it starts', (p) => (p.guarantee.period = { from: '2025-03-14', to: '2024-06-03' }), 'guarantee.period.to'],
  ['a contract price that is not a number', (p) => (p.project.contractPrice = '123200000'), 'project.contractPrice'],
  ['a field the SPEC does not have', (p) => (p.policyHolder = '備後建設株式会社'), ''],
];

const paths = (result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[] }> } }) =>
  result.success ? [] : result.error!.issues.map((issue) => issue.path.map(String).join('.'));

describe('the payload of an insurer kind (SPEC §2)', () => {
  for (const kind of ['performance_bond', 'performance_insurance'] as const) {
    it(`${kind}: the sample is valid, and so is a 10-digit 証券番号`, () => {
      expect(certificatePayloadSchema.safeParse(policy(kind)).success).toBe(true);
      expect(certificatePayloadSchema.safeParse({ ...policy(kind), number: '2070004426' }).success).toBe(true);
      expect(certificatePayloadSchema.safeParse({ ...policy(kind), number: 'ABCDEF' }).success).toBe(true);
    });

    it.each(RULES)(`${kind}: %s is refused at its field`, (_rule, edit, path) => {
      const payload = structuredClone(policy(kind));
      edit(payload);
      expect(paths(certificatePayloadSchema.safeParse(payload))).toEqual([path]);
    });
  }

  it('the 保証事業会社 kinds keep exactly 10 digits, and only the advance-payment kinds carry an advance payment', () => {
    const asKind = (kind: Kind, over: Partial<CertificatePayload['guarantee']> = {}) => ({
      ...policy('performance_bond'),
      kind,
      guarantee: { ...policy('performance_bond').guarantee, ...over },
    });
    expect(paths(certificatePayloadSchema.safeParse(asKind('contract')))).toEqual(['number']);
    expect(paths(certificatePayloadSchema.safeParse({ ...asKind('contract'), number: '207000442' }))).toEqual(['number']);
    expect(paths(certificatePayloadSchema.safeParse({ ...asKind('contract'), number: '2070004426' }))).toEqual([]);
    expect(paths(certificatePayloadSchema.safeParse({ ...asKind('advance_payment'), number: '2070004426' }))).toEqual(['guarantee.advancePayment']);
    expect(paths(certificatePayloadSchema.safeParse({ ...asKind('advance_payment', { advancePayment: 1 }), number: '2070004426' }))).toEqual([]);
  });

  it('a withdrawal names the 証券番号 by the same rule as its kind', () => {
    const withdrawal = { number: 'PI2025000000042', kind: 'performance_insurance', revision: 0, reason: 'cancelled', withdrawnOn: '2025-03-31' };
    expect(paths(withdrawalPayloadSchema.safeParse(withdrawal))).toEqual([]);
    expect(paths(withdrawalPayloadSchema.safeParse({ ...withdrawal, number: 'pi2025000000042' }))).toEqual(['number']);
    expect(paths(withdrawalPayloadSchema.safeParse({ ...withdrawal, kind: 'contract' }))).toEqual(['number']);
    expect(paths(withdrawalPayloadSchema.safeParse({ ...withdrawal, kind: 'contract', number: '2070004426' }))).toEqual([]);
  });
});

describe('the number typed for a lookup', () => {
  it.each([
    ['pb-2025-000123456', 'PB2025000123456'],
    ['ＰＢ２０２５ー０００１２３４５６', 'PB2025000123456'],
    ['ｐｂ　2025－000 123 456', 'PB2025000123456'],
    ['２０７０ー００４４２６', '2070004426'],
  ])('%s is %s', (typed, canonical) => {
    expect(parseNumber(typed)).toEqual({ ok: true, value: canonical });
  });
});

describe('the ledger may count an insurer kind as 契約保証 (SPEC §9)', () => {
  it('fulfilsRequirement: either insurer kind for contract, and every kind for itself only', () => {
    for (const required of KINDS) {
      for (const kind of KINDS) {
        const expected = required === kind || (required === 'contract' && (kind === 'performance_bond' || kind === 'performance_insurance'));
        expect(fulfilsRequirement(required, kind), `${required} ← ${kind}`).toBe(expected);
      }
    }
  });

  it('says so in both languages, and only when a stand-in is accepted', () => {
    expect(acceptedInPlaceNote('contract', 'contract')).toBeNull();
    expect(acceptedInPlaceNote('advance_payment', 'performance_bond')).toBeNull();
    const key = acceptedInPlaceNote('contract', 'performance_insurance')!;
    expect(translate('ja', key, { kind: translate('ja', 'kind.performance_insurance') })).toBe('履行保証保険証券を契約保証として認めています。');
    expect(translate('en', key, { kind: translate('en', 'kind.performance_bond') })).toContain('accepted as the contract guarantee');
  });
});

function viewInput(payload: CertificatePayload): CertificateViewInput {
  const { authKeyDigest: _digest, ...shown } = payload;
  return {
    id: 'cert-1',
    payload: shown,
    issuer: { id: 'tokiomarine', name: '東京海上日動火災保険株式会社' },
    status: { status: 'current' },
    verification: {
      alg: 'EdDSA',
      kid: 'tmn-2025',
      verifiedAt: new Date('2024-06-03T00:00:05Z'),
      receivedAt: new Date('2024-06-03T00:00:04Z'),
      jwsSha256: 'a'.repeat(64),
      via: 'poll',
    },
    revisions: [{ id: 'cert-1', revision: 0, revisionType: 'new', issuedOn: '2024-06-03', status: 'current', unlocked: true }],
  };
}

describe("each kind's paper form, described by data", () => {
  it('names only catalog keys that exist in Japanese and English', () => {
    for (const kind of KINDS) {
      const form = certificateForm(kind);
      const keys = [
        form.title,
        form.heading,
        form.number,
        form.obligeeLabel,
        form.guarantorLabel,
        form.addressee,
        form.notice,
        form.verificationSummary,
        form.revisionsCaption,
        ...Object.values(form.via),
        ...Object.values(form.fields),
      ];
      expect(
        keys.filter((key) => !isMessageKey(key)),
        kind,
      ).toEqual([]);
    }
  });

  const renderer = createRenderer();
  const page = (kind: InsurerKind, lang: Lang, changes?: string[]) => {
    const payload = changes ? { ...policy(kind), revision: 1, revisionType: 'change' as const, changes } : policy(kind);
    return renderer.render('certificate', { certificate: certificateView(viewInput(payload)) }, { lang, standalone: true });
  };
  const rowLabels = (html: string) => {
    const particulars = /<table class="sheet-particulars">[\s\S]*?<\/table>/.exec(html)![0];
    return [...particulars.matchAll(/<th scope="row">([^<]+?)[\s<]/g)].map((m) => m[1]);
  };

  it('公共工事履行保証証券: its title, 保証人・債権者・主たる債務者, 保証金額・保証期間, and no advance payment', () => {
    const html = page('performance_bond', 'ja');
    expect(html).toContain('<h2 id="sheet-title" class="sheet-title">公共工事履行保証証券</h2>');
    expect(html).toContain('公共工事履行保証証券（証券番号 PB2025000123456）');
    for (const word of ['保証人（損害保険会社）', '債権者', '広島県知事 殿', '損害保険会社の公開鍵', '損害保険会社からの取得']) expect(html).toContain(word);
    expect(rowLabels(html)).toEqual([
      '主たる債務者の住所',
      '主たる債務者',
      '代表者',
      '工事名',
      '工事場所',
      '契約日',
      '請負代金額',
      '工期',
      '保証金額',
      '保証期間',
      '特約事項',
    ]);
    for (const word of ['保証債権者', '保証契約者', '保証事業会社', '保証契約番号', '前払金']) expect(html).not.toContain(word);
  });

  it('履行保証保険証券: its title, 保険者・被保険者・保険契約者, 保険金額・保険期間', () => {
    const html = page('performance_insurance', 'ja');
    expect(html).toContain('<h2 id="sheet-title" class="sheet-title">履行保証保険証券</h2>');
    for (const word of ['保険者（損害保険会社）', '被保険者', '証券番号']) expect(html).toContain(word);
    expect(rowLabels(html)).toEqual([
      '保険契約者の住所',
      '保険契約者',
      '代表者',
      '工事名',
      '工事場所',
      '契約日',
      '請負代金額',
      '工期',
      '保険金額',
      '保険期間',
      '特約事項',
    ]);
    for (const word of ['保証債権者', '保証契約者', '保証金額', '保証期間', '殿']) expect(html).not.toContain(word);
  });

  it("names changed fields in the form's own words, and in English", () => {
    const html = page('performance_insurance', 'ja', ['guarantee.amount', 'obligee.name', 'contractor.name']);
    const changes = /<section class="changes"[\s\S]*?<\/section>/.exec(html)![0];
    for (const word of ['被保険者', '保険契約者', '保険金額']) expect(changes).toContain(`<th class="changes-field" scope="row">${word}</th>`);
    const en = page('performance_insurance', 'en');
    for (const word of [
      'Performance Guarantee Insurance Policy',
      'Insurer (insurance company)',
      'Insured',
      'Policyholder',
      'Sum insured',
      'Period of insurance',
    ])
      expect(en).toContain(word);
    const bond = page('performance_bond', 'en');
    for (const word of ['Public Works Performance Bond', 'Surety (insurance company)', 'Principal', 'Guarantee amount']) expect(bond).toContain(word);
  });
});
