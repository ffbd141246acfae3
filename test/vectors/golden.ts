import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const VECTORS_DIR = path.dirname(fileURLToPath(import.meta.url));

/** What the golden vectors were made with; make.ts writes them, golden.test.ts reads them. */
export const GOLDEN = {
  issuerId: 'golden',
  iss: 'https://golden.issuer.test.example',
  audience: 'https://shosho.golden.test.example',
  kids: { es256: 'golden-es256-2024', eddsa: 'golden-eddsa-2024' },
  /** 2024-06-03T00:00:00Z */
  iat: 1_717_372_800,
  /** the verifier's clock for sets.json: one minute after iat */
  now: 1_717_372_860,
  jti: 'golden-0001',
  authKey: 'GV7K-M2XD-9PRA',
  organisation: { id: 'hiroshima', name: '広島県', code: '340006' },
  certificate: {
    number: '2070004426',
    kind: 'advance_payment',
    revision: 0,
    revisionType: 'new',
    issuedOn: '2024-06-03',
    guarantor: { name: '西日本建設業保証株式会社', office: '広島支店' },
    obligee: { name: '広島県知事', code: '340006' },
    contractor: { name: '山陽建設株式会社', address: '広島県広島市中区基町10番52号', representative: '代表取締役 山田太郎' },
    project: {
      name: '県道広島三次線道路改良工事',
      location: '広島県三次市三和町地内',
      contractDate: '2024-06-01',
      period: { from: '2024-06-03', to: '2025-03-14' },
      contractPrice: 123_200_000,
    },
    guarantee: { amount: 49_280_000, period: { from: '2024-06-03', to: '2025-04-13' }, advancePayment: 49_280_000 },
    notes: '本保証は、公共工事の前払金保証事業に関する法律に基づく。',
  },
} as const;

export type SetErr = 'invalid_request' | 'invalid_key' | 'invalid_issuer' | 'invalid_audience' | 'authentication_failed' | 'access_denied';
export interface SetVector {
  title: string;
  token: string;
  expect: 'accepted' | SetErr;
}
export interface SetVectorFile {
  iss: string;
  audience: string;
  /** seconds since the epoch: the verifier's clock */
  now: number;
  vectors: SetVector[];
}
