import { randomInt } from 'node:crypto';

/** A non-life insurer's own kinds (SPEC §2): 公共工事履行保証証券 and 履行保証保険. */
export type InsurerKind = 'performance_bond' | 'performance_insurance';

/** Non-life insurers that issue electronic 公共工事履行保証証券 and 履行保証保険証券, with the office that underwrites. */
export const INSURERS = [
  { name: '東京海上日動火災保険株式会社', office: '広島支店 公共法人課' },
  { name: '損害保険ジャパン株式会社', office: '広島支店 法人支社' },
  { name: '三井住友海上火災保険株式会社', office: '中国本部 広島法人営業部' },
  { name: 'あいおいニッセイ同和損害保険株式会社', office: '広島支店' },
] as const;

/** 特約 as printed on the back of an insurer's form, one per kind. */
export const INSURER_NOTES: Record<InsurerKind, string> = {
  performance_bond:
    '本証券は、公共工事履行保証証券約款および同特約条項に基づき発行する。保証債務の履行は、債務不履行により生じた損害の賠償または違約金の支払とする。',
  performance_insurance:
    '本保険契約は、履行保証保険普通保険約款および公共工事用特約条項に基づく。保険金は、保険契約者の債務不履行により被保険者が被る損害に対して支払う。',
};

// Insurers number their 証券 in their own schemes: a letter prefix and digits, as printed on paper.
const PREFIX: Record<InsurerKind, string> = { performance_bond: 'PB', performance_insurance: 'PI' };

/** A fresh 証券番号 of `kind`, e.g. `PB2025001234567` (15 characters, `^[0-9A-Z]{6,20}$`). */
export function newPolicyNumber(kind: InsurerKind, year = 2025): string {
  return `${PREFIX[kind]}${year}${String(randomInt(0, 1_000_000_000)).padStart(9, '0')}`;
}
