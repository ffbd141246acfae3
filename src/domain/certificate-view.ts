/**
 * The view model of one certificate revision, shared by the page, the PDF and
 * the JSON API. It decides what the paper form shows and which fields a
 * change or correction touched; it holds codes and raw values, and the
 * renderer turns them into words, 和暦 and 円 in the reader's language.
 */

import type { Kind, PublicPayload, RevisionType as EventRevisionType, WithdrawalReason as EventWithdrawalReason } from './event.js';

export type CertificateKind = Kind;
export type RevisionType = EventRevisionType;
export type CertificateStatus = 'current' | 'superseded' | 'withdrawn';
export type WithdrawalReason = EventWithdrawalReason;

export interface DatePeriod {
  from: string;
  to: string;
}

/** A revision payload as SPEC §2 defines it, less `authKeyDigest`, which no view shows. */
export type CertificatePayload = PublicPayload;

export interface StatusInput {
  status: CertificateStatus;
  supersededBy?: { revision: number; issuedOn: string } | undefined;
  withdrawal?: { reason: WithdrawalReason; withdrawnOn: string } | undefined;
}

export interface VerificationInput {
  alg: string;
  kid: string;
  verifiedAt: Date;
  receivedAt: Date;
  jwsSha256: string;
  via: 'push' | 'poll';
}

export interface RevisionSummary {
  id: string;
  revision: number;
  revisionType: RevisionType;
  issuedOn: string;
  status: CertificateStatus;
  /** The organisation has unlocked this revision with its auth key. */
  unlocked: boolean;
}

export interface CertificateViewInput {
  id: string;
  payload: CertificatePayload;
  issuer: { id: string; name: string };
  status: StatusInput;
  verification: VerificationInput;
  revisions: RevisionSummary[];
  /** The revision before this one, its payload null when the organisation has not unlocked it. */
  previous?: { revision: number; payload: CertificatePayload | null } | null | undefined;
  /** The organisation's archive record of this revision, if it filed one. */
  archived?: { id: string; archivedAt: Date; reference: string | null } | null | undefined;
}

const CERTIFICATE_FIELDS = [
  'obligee',
  'guarantor',
  'contractorName',
  'contractorAddress',
  'contractorRepresentative',
  'projectName',
  'projectLocation',
  'contractDate',
  'contractPrice',
  'projectPeriod',
  'guaranteeAmount',
  'guaranteePeriod',
  'advancePayment',
  'interimAdvancePayment',
  'notes',
] as const;
/** Each is named on a form by `FormWords.fields`; on a 保証事業会社's form by `cert.field.<field>`. */
export type CertificateField = (typeof CERTIFICATE_FIELDS)[number];

/**
 * Catalog keys of the words one kind's paper form uses: its title, what it calls its number,
 * its parties and its amount and period (保証人・債権者・保証金額 on a 公共工事履行保証証券,
 * 保険者・被保険者・保険金額 on a 履行保証保険証券). Templates and the PDF read them, so each
 * form is described here once instead of by a copy of the template.
 */
export interface FormWords {
  title: string;
  /** With parameters `kind` and `number`. */
  heading: string;
  number: string;
  obligeeLabel: string;
  guarantorLabel: string;
  /** With parameter `name`. */
  addressee: string;
  notice: string;
  verificationSummary: string;
  via: Record<VerificationInput['via'], string>;
  /** With parameter `number`. */
  revisionsCaption: string;
  fields: Record<CertificateField, string>;
}

const GUARANTEE_FIELDS = Object.fromEntries(CERTIFICATE_FIELDS.map((field) => [field, `cert.field.${field}`])) as Record<CertificateField, string>;

const GUARANTEE_COMPANY_FORM: Omit<FormWords, 'title'> = {
  heading: 'cert.heading',
  number: 'cert.field.number',
  obligeeLabel: 'cert.obligeeLabel',
  guarantorLabel: 'cert.guarantorLabel',
  addressee: 'cert.addressee',
  notice: 'cert.notice',
  verificationSummary: 'verification.summary',
  via: { push: 'verification.via.push', poll: 'verification.via.poll' },
  revisionsCaption: 'revisions.caption',
  fields: GUARANTEE_FIELDS,
};

const INSURER_FORM = {
  heading: 'insurer.heading',
  number: 'insurer.field.number',
  verificationSummary: 'insurer.verification.summary',
  via: { push: 'insurer.verification.via.push', poll: 'insurer.verification.via.poll' },
  revisionsCaption: 'insurer.revisions.caption',
} as const;

const FORMS: Record<CertificateKind, FormWords> = {
  advance_payment: { ...GUARANTEE_COMPANY_FORM, title: 'kind.advance_payment' },
  interim_advance_payment: { ...GUARANTEE_COMPANY_FORM, title: 'kind.interim_advance_payment' },
  contract: { ...GUARANTEE_COMPANY_FORM, title: 'kind.contract' },
  performance_bond: {
    ...INSURER_FORM,
    title: 'kind.performance_bond',
    obligeeLabel: 'insurer.bond.obligee',
    guarantorLabel: 'insurer.bond.guarantorLabel',
    addressee: 'cert.addressee',
    notice: 'insurer.bond.notice',
    fields: {
      ...GUARANTEE_FIELDS,
      obligee: 'insurer.bond.obligee',
      guarantor: 'insurer.bond.guarantor',
      contractorName: 'insurer.bond.contractor',
      contractorAddress: 'insurer.bond.contractorAddress',
    },
  },
  performance_insurance: {
    ...INSURER_FORM,
    title: 'kind.performance_insurance',
    obligeeLabel: 'insurer.insurance.obligee',
    guarantorLabel: 'insurer.insurance.guarantorLabel',
    addressee: 'insurer.insurance.addressee',
    notice: 'insurer.insurance.notice',
    fields: {
      ...GUARANTEE_FIELDS,
      obligee: 'insurer.insurance.obligee',
      guarantor: 'insurer.insurance.guarantor',
      contractorName: 'insurer.insurance.contractor',
      contractorAddress: 'insurer.insurance.contractorAddress',
      guaranteeAmount: 'insurer.insurance.amount',
      guaranteePeriod: 'insurer.insurance.period',
    },
  },
};

/** The words of the paper form of `kind`, as catalog keys. */
export function certificateForm(kind: CertificateKind): FormWords {
  return FORMS[kind];
}

export interface PeriodEnd {
  date: string;
  changed: boolean;
}

export type RowValue =
  | { type: 'text'; text: string; multiline: boolean }
  | { type: 'none' }
  | { type: 'yen'; amount: number }
  | { type: 'date'; date: string }
  | { type: 'period'; from: PeriodEnd; to: PeriodEnd };

/** One line of the 記 table on the paper form. */
export interface CertificateRow {
  field: CertificateField;
  /** Where the value sits in the payload, as `changes` names it. */
  path: string;
  value: RowValue;
  changed: boolean;
}

/** One field a change or correction touched: 変更前 (null when the previous revision is not unlocked) → 変更後. */
export interface FieldChange {
  field: CertificateField;
  before: RowValue | null;
  after: RowValue;
}

export interface CertificateView {
  id: string;
  number: string;
  kind: CertificateKind;
  form: FormWords;
  revision: number;
  revisionType: RevisionType;
  issuedOn: string;
  obligee: { name: string; code: string | null; changed: boolean };
  guarantor: { name: string; office: string | null; representative: string | null; changed: boolean };
  /** The issuer's certifying sentence (保証文言), when the event carries one; else the form's own notice is shown. */
  statement: string | null;
  rows: CertificateRow[];
  /** Fields this revision changed or corrected, in the order the form shows them. */
  changedFields: CertificateField[];
  /** The same fields with their values before and after. */
  fieldChanges: FieldChange[];
  /**
   * For a change or correction, the revision it changed and whether its values are known here
   * (only when the organisation unlocked that revision with its own key).
   */
  previous: { revision: number; known: boolean } | null;
  archived: { id: string; archivedAt: Date; reference: string | null } | null;
  /** Changed paths the form has no place for, listed as sent so that no change goes unmentioned. */
  otherChanges: string[];
  issuer: { id: string; name: string };
  status: StatusInput;
  /**
   * For a superseded revision, the next one in force (not issued in error) and its type: the one
   * that replaced it, which `status.supersededBy` (the latest) need not be.
   */
  successor: { revision: number; revisionType: RevisionType; issuedOn: string } | null;
  verification: VerificationInput;
  /** All known revisions, oldest first; `shown` marks this one. */
  revisions: Array<RevisionSummary & { shown: boolean }>;
}

/** A change to `project.period` touches `project.period.to`, and the reverse. */
function touches(changes: readonly string[], path: string): boolean {
  return changes.some((change) => change === path || change.startsWith(`${path}.`) || path.startsWith(`${change}.`));
}

function text(value: string | undefined, multiline = false): RowValue {
  return value ? { type: 'text', text: value, multiline } : { type: 'none' };
}

function date(value: string | undefined): RowValue {
  return value ? { type: 'date', date: value } : { type: 'none' };
}

function period(changes: readonly string[], path: string, { from, to }: DatePeriod): RowValue {
  return {
    type: 'period',
    from: { date: from, changed: touches(changes, `${path}.from`) },
    to: { date: to, changed: touches(changes, `${path}.to`) },
  };
}

function advancePaymentRow(payload: CertificatePayload): Array<[CertificateField, string, RowValue]> {
  const amount = payload.guarantee.advancePayment;
  if ((payload.kind !== 'advance_payment' && payload.kind !== 'interim_advance_payment') || amount === undefined) return [];
  const field = payload.kind === 'advance_payment' ? 'advancePayment' : 'interimAdvancePayment';
  return [[field, 'guarantee.advancePayment', { type: 'yen', amount }]];
}

function particulars(payload: CertificatePayload, changes: readonly string[]): CertificateRow[] {
  const { contractor, project, guarantee, notes } = payload;
  const rows: Array<[CertificateField, string, RowValue]> = [
    ['contractorAddress', 'contractor.address', text(contractor.address)],
    ['contractorName', 'contractor.name', text(contractor.name)],
    ['contractorRepresentative', 'contractor.representative', text(contractor.representative)],
    ['projectName', 'project.name', text(project.name)],
    ['projectLocation', 'project.location', text(project.location)],
    ['contractDate', 'project.contractDate', date(project.contractDate)],
    ['contractPrice', 'project.contractPrice', { type: 'yen', amount: project.contractPrice }],
    ['projectPeriod', 'project.period', period(changes, 'project.period', project.period)],
    ['guaranteeAmount', 'guarantee.amount', { type: 'yen', amount: guarantee.amount }],
    ['guaranteePeriod', 'guarantee.period', period(changes, 'guarantee.period', guarantee.period)],
    ...advancePaymentRow(payload),
    ['notes', 'notes', text(notes, true)],
  ];
  return rows.map(([field, path, value]) => ({ field, path, value, changed: touches(changes, path) }));
}

function successorOf(revision: number, revisions: readonly RevisionSummary[]): CertificateView['successor'] {
  // While a revision is superseded nothing cancelled the guarantee, so a withdrawn later one was issued in error.
  const next = revisions.filter((r) => r.revision > revision && r.status !== 'withdrawn').sort((a, b) => a.revision - b.revision)[0];
  return next ? { revision: next.revision, revisionType: next.revisionType, issuedOn: next.issuedOn } : null;
}

/** The parties as values of the changes table: the obligee's name, the guarantor's name and office on lines of their own. */
function partyValues(payload: CertificatePayload): Record<'obligee' | 'guarantor', RowValue> {
  const { guarantor } = payload;
  return {
    obligee: text(payload.obligee.name),
    guarantor: text([guarantor.name, guarantor.office, guarantor.representative].filter(Boolean).join('\n'), true),
  };
}

function fieldChanges(
  payload: CertificatePayload,
  previous: CertificatePayload | null,
  changedFields: CertificateField[],
  rows: CertificateRow[],
): FieldChange[] {
  const before = previous ? particulars(previous, []) : [];
  const parties = partyValues(payload);
  const partiesBefore = previous ? partyValues(previous) : null;
  return changedFields.map((field) => {
    if (field === 'obligee' || field === 'guarantor') return { field, before: partiesBefore?.[field] ?? null, after: parties[field] };
    const row = rows.find((r) => r.field === field)!;
    return { field, before: previous ? (before.find((r) => r.field === field)?.value ?? { type: 'none' }) : null, after: row.value };
  });
}

export function certificateView(input: CertificateViewInput): CertificateView {
  const { payload } = input;
  // A new revision has nothing to compare with, so any `changes` it carries mean nothing.
  const changes = payload.revisionType === 'new' ? [] : (payload.changes ?? []);
  const rows = particulars(payload, changes);
  const obligee = { name: payload.obligee.name, code: payload.obligee.code ?? null, changed: touches(changes, 'obligee.name') };
  const guarantor = {
    name: payload.guarantor.name,
    office: payload.guarantor.office ?? null,
    representative: payload.guarantor.representative ?? null,
    changed: touches(changes, 'guarantor.name') || touches(changes, 'guarantor.office') || touches(changes, 'guarantor.representative'),
  };
  const shownPaths = ['obligee.name', 'guarantor.name', 'guarantor.office', 'guarantor.representative', 'statement', ...rows.map((row) => row.path)];
  const changedFields: CertificateField[] = [
    ...(obligee.changed ? (['obligee'] as const) : []),
    ...(guarantor.changed ? (['guarantor'] as const) : []),
    ...rows.filter((row) => row.changed).map((row) => row.field),
  ];
  const previous = payload.revisionType === 'new' ? null : (input.previous ?? null);

  return {
    id: input.id,
    number: payload.number,
    kind: payload.kind,
    form: certificateForm(payload.kind),
    revision: payload.revision,
    revisionType: payload.revisionType,
    issuedOn: payload.issuedOn,
    obligee,
    guarantor,
    statement: payload.statement ?? null,
    rows,
    changedFields,
    fieldChanges: fieldChanges(payload, previous?.payload ?? null, changedFields, rows),
    previous: previous ? { revision: previous.revision, known: previous.payload !== null } : null,
    archived: input.archived ?? null,
    otherChanges: changes.filter((change) => !shownPaths.some((path) => touches([change], path))),
    issuer: input.issuer,
    status: input.status,
    successor: input.status.status === 'superseded' ? successorOf(payload.revision, input.revisions) : null,
    verification: input.verification,
    revisions: [...input.revisions].sort((a, b) => a.revision - b.revision).map((revision) => ({ ...revision, shown: revision.id === input.id })),
  };
}
