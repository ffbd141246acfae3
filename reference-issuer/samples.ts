/** Realistic Japanese sample certificates for the demo, the tests and the benchmarks. */
import { INSURER_NOTES, INSURERS, type InsurerKind } from './insurer-samples.js';

export type Kind = 'advance_payment' | 'interim_advance_payment' | 'contract' | InsurerKind;

function isInsurerKind(kind: Kind): kind is InsurerKind {
  return kind === 'performance_bond' || kind === 'performance_insurance';
}

export interface CertificatePayloadInput {
  number: string;
  kind: Kind;
  revision: number;
  revisionType: 'new' | 'change' | 'correction';
  issuedOn: string;
  authKeyDigest: string;
  guarantor: { name: string; office?: string; representative?: string };
  obligee: { name: string; code?: string };
  contractor: { name: string; address?: string; representative?: string };
  project: { name: string; location?: string; contractDate?: string; period: { from: string; to: string }; contractPrice: number };
  guarantee: { amount: number; period: { from: string; to: string }; advancePayment?: number };
  changes?: string[];
  notes?: string;
  statement?: string;
}

export const OBLIGEES = [
  { name: '広島県知事', code: '340006', place: '広島県広島市中区' },
  { name: '岡山県知事', code: '330001', place: '岡山県岡山市北区' },
  { name: '福山市長', code: '342076', place: '広島県福山市' },
  { name: '国土交通省中国地方整備局長', code: undefined, place: '広島県広島市中区' },
] as const;

const CONTRACTORS = [
  { name: '備後建設株式会社', address: '広島県福山市東桜町3-5', representative: '代表取締役 佐藤花子' },
  { name: '瀬戸内土木工業株式会社', address: '岡山県倉敷市水島西通1-2-3', representative: '代表取締役 山本一郎' },
  { name: '株式会社中国舗装', address: '広島県広島市南区宇品海岸2-10-1', representative: '代表取締役社長 田中健二' },
  { name: '吉備橋梁株式会社', address: '岡山県岡山市北区表町1-4-64', representative: '代表取締役 小林美咲' },
];

const PROJECTS = [
  '一般国道2号道路改良工事',
  '二級河川芦田川護岸改修工事',
  '県道福山鞆線舗装補修工事',
  '旭川水系砂防堰堤工事',
  '市立小学校屋内運動場改築工事',
  '上水道配水管布設替工事',
  '港湾施設耐震補強工事',
  '橋梁長寿命化修繕工事',
];

const GUARANTORS = [
  { name: '西日本建設業保証株式会社', office: '広島支店', representative: '支店長 中村正人' },
  { name: '西日本建設業保証株式会社', office: '岡山支店', representative: '支店長 木村秀樹' },
];

/** The certifying sentence (保証文言) each 保証事業会社 form prints above 記. */
const STATEMENTS: Partial<Record<Kind, string>> = {
  advance_payment: '保証契約者が前払金を返還すべき場合には、当社は保証契約約款に基づき、保証金額を限度として保証債権者に支払うことを保証します。',
  interim_advance_payment: '保証契約者が中間前払金を返還すべき場合には、当社は保証契約約款に基づき、保証金額を限度として保証債権者に支払うことを保証します。',
  contract: '保証契約者が工事請負契約に基づく債務を履行しない場合には、当社は保証契約約款に基づき、保証金額を限度として保証債権者に支払うことを保証します。',
};

const addDays = (iso: string, days: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const round = (yen: number, unit: number) => Math.round(yen / unit) * unit;

/**
 * Revision 0 of a certificate, varied by `seed` so every sample differs. Advance payment is
 * 40% of the price (20% for the interim one), the contract guarantee 10%: the usual rates. An
 * insurer's bond or policy (pass its 証券番号 as `number`) covers 10% too, from the contract date,
 * signed by one of INSURERS.
 */
export function sampleCertificate(seed: number, opts: { number: string; kind: Kind; authKeyDigest: string; issuedOn?: string }): CertificatePayloadInput {
  const obligee = OBLIGEES[seed % OBLIGEES.length]!;
  const contractor = CONTRACTORS[seed % CONTRACTORS.length]!;
  const price = round(30_000_000 + ((seed * 7_919_000) % 470_000_000), 10_000) * 1.1;
  const contractDate = opts.issuedOn ? addDays(opts.issuedOn, -2) : addDays('2024-04-01', (seed * 13) % 300);
  const from = addDays(contractDate, 1);
  const to = addDays(from, 180 + ((seed * 37) % 300));
  const issuedOn = opts.issuedOn ?? addDays(contractDate, 2);
  const rate = opts.kind === 'advance_payment' ? 0.4 : opts.kind === 'interim_advance_payment' ? 0.2 : 0.1;
  const amount = round(price * rate, 1000);
  const insurer = isInsurerKind(opts.kind);
  const advance = opts.kind === 'advance_payment' || opts.kind === 'interim_advance_payment';
  return {
    number: opts.number,
    kind: opts.kind,
    revision: 0,
    revisionType: 'new',
    issuedOn,
    authKeyDigest: opts.authKeyDigest,
    guarantor: insurer ? INSURERS[seed % INSURERS.length]! : GUARANTORS[seed % GUARANTORS.length]!,
    obligee: obligee.code ? { name: obligee.name, code: obligee.code } : { name: obligee.name },
    contractor,
    project: {
      name: PROJECTS[seed % PROJECTS.length]!,
      location: `${obligee.place}地内`,
      contractDate,
      period: { from, to },
      contractPrice: Math.round(price),
    },
    guarantee: {
      amount,
      period: insurer ? { from, to } : { from: issuedOn, to: addDays(to, 30) },
      ...(advance ? { advancePayment: amount } : {}),
    },
    ...(STATEMENTS[opts.kind] ? { statement: STATEMENTS[opts.kind] } : {}),
    ...(insurer
      ? { notes: INSURER_NOTES[opts.kind as InsurerKind] }
      : seed % 3 === 0
        ? { notes: '本保証証書は、公共工事の前払金保証事業に関する法律に基づき発行する。' }
        : {}),
  };
}

/** A change revision: the works run longer and the guarantee period follows. */
export function changeRevision(prev: CertificatePayloadInput, revision: number, authKeyDigest: string, issuedOn: string): CertificatePayloadInput {
  const to = addDays(prev.project.period.to, 45);
  return {
    ...prev,
    revision,
    revisionType: 'change',
    issuedOn,
    authKeyDigest,
    project: { ...prev.project, period: { ...prev.project.period, to } },
    guarantee: { ...prev.guarantee, period: { ...prev.guarantee.period, to: addDays(to, 30) } },
    changes: ['project.period.to', 'guarantee.period.to'],
  };
}

/** A correction revision: the works' location was written incompletely. */
export function correctionRevision(prev: CertificatePayloadInput, revision: number, authKeyDigest: string, issuedOn: string): CertificatePayloadInput {
  return {
    ...prev,
    revision,
    revisionType: 'correction',
    issuedOn,
    authKeyDigest,
    project: { ...prev.project, location: `${prev.project.location ?? ''}ほか`.replace(/地内ほか$/, 'ほか地内') },
    changes: ['project.location'],
  };
}
