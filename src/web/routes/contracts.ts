import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { archiveRecordJsonSchema, getArchiveRecord, toArchiveJson } from '../../archive/index.js';
import type { Sql } from '../../db/index.js';
import { describeIssues, verificationReportSchema } from '../../domain/index.js';
import {
  CONTRACT_STATES,
  contractInputSchema,
  contractSearchSchema,
  dropImportDraft,
  GUARANTEE_STATES,
  findContract,
  importContracts,
  LinkRefused,
  listContracts,
  loadImportDraft,
  parseAmount,
  parseDate,
  previewImport,
  putContract,
  referenceSchema,
  REQUIREMENTS,
  saveImportDraft,
  setArchiveContract,
  toContractJson,
  withGuarantees,
  type Contract,
  type ContractInput,
  type ContractSummary,
} from '../../ledger/index.js';
import { loadCertificate, viewOf } from '../../lookup/index.js';
import type { FormError, Renderer, ViewData, ViewName } from '../../render/index.js';
import type { AppEnv } from '../env.js';
import { AppError } from '../errors.js';
import type { ApiOperation } from '../openapi.js';
import { formErrors, renderPage } from '../page.js';
import { requester } from '../requester.js';
import { linkError } from '../responses.js';

export interface ContractDeps {
  sql: Sql;
}

/** A reference from the path: malformed is 422, naming the field. */
function pathReference(c: Context<AppEnv>): string {
  const parsed = referenceSchema.safeParse(c.req.param('reference'));
  if (!parsed.success) throw new AppError('invalid_reference', 422, {}, {}, describeIssues(parsed.error, 'reference'));
  return parsed.data;
}

async function jsonBody(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('invalid_request', 400, {}, {}, 'the body is not valid JSON');
  }
}

const guaranteeSummarySchema = z.strictObject({
  kind: z.enum(REQUIREMENTS),
  state: z.enum(GUARANTEE_STATES),
  archiveId: z.uuid().nullable(),
  number: z.string().nullable(),
  revision: z.number().int().nullable(),
});

const contractFields = {
  reference: z.string(),
  projectName: z.string(),
  contractor: z.strictObject({ name: z.string(), email: z.string().optional() }),
  contractPrice: z.number().int(),
  contractDate: z.iso.date(),
  period: z.strictObject({ from: z.iso.date(), to: z.iso.date() }),
  required: z.array(z.enum(REQUIREMENTS)),
  section: z.string().optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  state: z.enum(CONTRACT_STATES),
};

/** SPEC §9: a contract, its state and each required guarantee with its checks. */
const contractJsonSchema = z.strictObject({
  ...contractFields,
  guarantees: z.array(guaranteeSummarySchema.extend({ checks: verificationReportSchema.shape.checks })),
});
type ContractJson = z.output<typeof contractJsonSchema>;

/** A list item: the contract and its guarantees' states (the checks are on the contract's own page). */
const contractSummaryJsonSchema = z.strictObject({ ...contractFields, guarantees: z.array(guaranteeSummarySchema) });

const contractPageJsonSchema = z.strictObject({
  items: z.array(contractSummaryJsonSchema),
  next: z.string().nullable().describe('the cursor of the next page, null on the last'),
});

const importResultJsonSchema = z.strictObject({
  created: z.number().int(),
  updated: z.number().int(),
  errors: z.array(z.strictObject({ line: z.number().int(), field: z.string(), message: z.string() })).describe('with any error, nothing was imported'),
});

function summaryJson(s: ContractSummary): z.output<typeof contractSummaryJsonSchema> {
  return {
    reference: s.reference,
    projectName: s.projectName,
    contractor: s.contractor,
    contractPrice: s.contractPrice,
    contractDate: s.contractDate,
    period: s.period,
    required: s.required,
    ...(s.section ? { section: s.section } : {}),
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    state: s.state,
    guarantees: s.guarantees,
  };
}

const linkBody = z.strictObject({ contract: referenceSchema.nullable() });

const contract = { name: 'Contract', schema: contractJsonSchema };

/** The routes of `contractApi`, for the OpenAPI document. */
export const contractOperations: ApiOperation[] = [
  {
    method: 'put',
    path: '/api/v1/contracts/:reference',
    summary: 'Create or replace a contract of the ledger',
    description: 'A replacement that moves `period.to` later or changes `contractPrice` is recorded as a change contract (変更契約).',
    params: z.object({ reference: referenceSchema }),
    body: { json: { name: 'ContractInput', schema: contractInputSchema }, required: true },
    answers: [
      { status: 201, description: 'Created', json: contract },
      { status: 200, description: 'Replaced', json: contract },
    ],
    errors: [400, 401, 413, 422],
  },
  {
    method: 'get',
    path: '/api/v1/contracts/:reference',
    summary: 'A contract, its state and each required guarantee with its checks',
    params: z.object({ reference: referenceSchema }),
    answers: [{ status: 200, description: 'The contract', json: contract }],
    errors: [401, 404, 422],
  },
  {
    method: 'get',
    path: '/api/v1/contracts',
    summary: "The organisation's contracts, by state and words",
    query: contractSearchSchema,
    answers: [{ status: 200, description: 'One page of contracts and the cursor of the next', json: { name: 'ContractPage', schema: contractPageJsonSchema } }],
    errors: [401, 422],
  },
  {
    method: 'post',
    path: '/api/v1/contracts/import',
    summary: 'Import contracts from a CSV (UTF-8 or Shift_JIS), all rows or none',
    body: { required: true, other: { 'text/csv': { description: 'A header row (Japanese or English names, any order), then one contract per line' } } },
    answers: [
      {
        status: 200,
        description: 'What was created and updated, or every error with its line and field',
        json: { name: 'ImportResult', schema: importResultJsonSchema },
      },
    ],
    errors: [401, 413, 415],
  },
  {
    method: 'put',
    path: '/api/v1/archive/:id/contract',
    summary: 'Link a filed record to a contract by hand, or unlink it (null)',
    body: { json: { name: 'LinkRequest', schema: linkBody }, required: true },
    answers: [{ status: 200, description: 'The record, linked as asked', json: { name: 'ArchiveRecord', schema: archiveRecordJsonSchema } }],
    errors: [400, 401, 404, 413, 422],
  },
];

/** SPEC §9 in the JSON API: contracts, their import, and linking a filed certificate by hand. */
export function contractApi(deps: ContractDeps) {
  const app = new Hono<AppEnv>();
  app.put('/api/v1/contracts/:reference', async (c) => {
    const reference = pathReference(c);
    const body = contractInputSchema.parse(await jsonBody(c));
    if (body.reference !== undefined && body.reference !== reference) {
      throw new AppError('invalid_reference', 422, {}, {}, 'reference: must be the reference in the path');
    }
    const { reference: _r, createdAt: _c, updatedAt: _u, guarantees: _g, state: _s, ...input } = body;
    const w = requester(c);
    const { contract, created } = await putContract(deps.sql, w.orgId, reference, input, w);
    const answer: ContractJson = toContractJson(await withGuarantees(deps.sql, contract, c.get('lang')));
    return c.json(answer, created ? 201 : 200);
  });

  app.get('/api/v1/contracts/:reference', async (c) => {
    const contract = await findContract(deps.sql, requester(c).orgId, pathReference(c));
    if (!contract) throw new AppError('contract_not_found', 404);
    const body: ContractJson = toContractJson(await withGuarantees(deps.sql, contract, c.get('lang')));
    return c.json(body);
  });

  app.get('/api/v1/contracts', async (c) => {
    const page = await listContracts(deps.sql, requester(c).orgId, c.req.query());
    return c.json({ items: page.items.map(summaryJson), next: page.next });
  });

  app.post('/api/v1/contracts/import', async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'text/csv') throw new AppError('invalid_request', 415, {}, {}, 'the body must be text/csv');
    const w = requester(c);
    const result: z.output<typeof importResultJsonSchema> = await importContracts(
      deps.sql,
      w.orgId,
      new Uint8Array(await c.req.arrayBuffer()),
      w,
      c.get('lang'),
    );
    return c.json(result);
  });

  app.put('/api/v1/archive/:id/contract', async (c) => {
    const body = linkBody.parse(await jsonBody(c));
    const w = requester(c);
    const found = await setArchiveContract(deps.sql, w.orgId, c.req.param('id'), body.contract, w).catch(linkError);
    const record = found ? await getArchiveRecord(deps.sql, w.orgId, c.req.param('id')) : null;
    if (!record) throw new AppError('not_found', 404);
    return c.json(toArchiveJson(record));
  });
  return app;
}

const FORM_FIELD: Record<string, string> = {
  projectName: 'projectName',
  'contractor.name': 'contractorName',
  'contractor.email': 'contractorEmail',
  contractDate: 'contractDate',
  'period.from': 'periodFrom',
  'period.to': 'periodTo',
  section: 'section',
  contractPrice: 'contractPrice',
  required: 'required',
};

type Form = Record<string, string | string[] | File | (string | File)[]>;
const one = (form: Form, name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
const many = (form: Form, name: string) => [form[name] ?? []].flat().filter((v): v is string => typeof v === 'string');

/** The contract form as entered: what to show again, and either the contract or every error at its field. */
function readContractForm(form: Form): { values: Record<string, string>; required: string[]; input: ContractInput | null; errors: FormError[] } {
  const values = Object.fromEntries(
    ['reference', 'projectName', 'contractorName', 'contractorEmail', 'contractPrice', 'contractDate', 'periodFrom', 'periodTo', 'section'].map((name) => [
      name,
      one(form, name).trim(),
    ]),
  );
  const required = many(form, 'required');
  const errors: FormError[] = [];
  const price = values.contractPrice ? parseAmount(values.contractPrice) : null;
  if (values.contractPrice && price === null) errors.push({ code: 'invalid_amount', field: 'contractPrice' });
  const date = (name: string) => {
    const parsed = values[name] ? parseDate(values[name]!) : null;
    if (values[name] && !parsed) errors.push({ code: 'invalid_date', field: name });
    return parsed ?? values[name];
  };
  const parsed = contractInputSchema.safeParse({
    projectName: values.projectName,
    contractor: { name: values.contractorName, ...(values.contractorEmail ? { email: values.contractorEmail } : {}) },
    contractPrice: price ?? (values.contractPrice ? 0 : Number.NaN),
    contractDate: date('contractDate'),
    period: { from: date('periodFrom'), to: date('periodTo') },
    required,
    ...(values.section ? { section: values.section } : {}),
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String);
      const field = FORM_FIELD[path.join('.')] ?? FORM_FIELD[path[0]!] ?? '';
      if (!field || errors.some((e) => e.field === field)) continue;
      errors.push(formError(field, issue, values[field] ?? ''));
    }
  }
  if (errors.length || !parsed.success) return { values, required, input: null, errors };
  const { reference: _r, createdAt: _c, updatedAt: _u, guarantees: _g, state: _s, ...input } = parsed.data;
  return { values, required, input, errors };
}

function formError(field: string, issue: z.core.$ZodIssue, value: string): FormError {
  if (field === 'required') return { code: 'invalid_kind', field };
  if (value === '' && field !== 'required') return { code: 'field_required', field };
  if (issue.code === 'too_big') return { code: 'too_long', field, params: { max: Number(issue.maximum) } };
  if (field === 'periodTo' && issue.code === 'custom') return { code: 'period_order', field };
  if (field === 'contractorEmail') return { code: 'invalid_email', field };
  if (field === 'contractPrice') return { code: 'invalid_amount', field };
  if (field.endsWith('Date') || field.startsWith('period')) return { code: 'invalid_date', field };
  return { code: 'field_invalid', field };
}

const kindChoices = (checked: readonly string[]) => REQUIREMENTS.map((kind) => ({ kind, checked: checked.includes(kind) }));

function contractValues(c: Contract): Record<string, string> {
  return {
    reference: c.reference,
    projectName: c.projectName,
    contractorName: c.contractor.name,
    contractorEmail: c.contractor.email ?? '',
    contractPrice: String(c.contractPrice),
    contractDate: c.contractDate,
    periodFrom: c.period.from,
    periodTo: c.period.to,
    section: c.section ?? '',
  };
}

/** Browser pages of the ledger (SPEC §3): list, a contract, the form, the import with its preview, linking by hand. */
export function contractPages(deps: ContractDeps & { renderer: Renderer }) {
  const app = new Hono<AppEnv>();
  const page = <V extends ViewName>(c: Context<AppEnv>, view: V, data: ViewData[V], status: ContentfulStatusCode = 200) =>
    renderPage(c, deps.renderer, view, data, status);

  app.get('/contracts', async (c) => {
    const query = c.req.query();
    const parsed = contractSearchSchema.safeParse(query);
    if (!parsed.success) {
      return page(
        c,
        'contracts-list',
        { search: { q: query.q, sort: 'reference', order: 'asc' }, items: [], paging: {}, errors: formErrors(parsed.error) },
        422,
      );
    }
    const result = await listContracts(deps.sql, requester(c).orgId, parsed.data);
    const { q, state, sort, order } = parsed.data;
    return page(c, 'contracts-list', { search: { q, state: state ?? '', sort, order }, items: result.items, paging: { next: result.next } });
  });

  // the forms sit under /contracts/-/: a contract's own paths use only /edit as a second segment, so no reference ("new" too) is shadowed
  app.get('/contracts/-/new', (c) => page(c, 'contract-form', { values: {}, kinds: kindChoices([]) }));

  app.post('/contracts', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const { values, required, input, errors } = readContractForm(form);
    const reference = referenceSchema.safeParse(values.reference);
    if (!reference.success) errors.unshift({ code: values.reference ? 'invalid_reference' : 'field_required', field: 'reference' });
    else if (await findContract(deps.sql, requester(c).orgId, reference.data)) errors.unshift({ code: 'contract_exists', field: 'reference' });
    if (!input || !reference.success || errors.length) return page(c, 'contract-form', { values, kinds: kindChoices(required), errors }, 422);
    const w = requester(c);
    await putContract(deps.sql, w.orgId, reference.data, input, w);
    return c.redirect(`/contracts/${encodeURIComponent(reference.data)}`, 303);
  });

  app.get('/contracts/-/import', (c) => page(c, 'contracts-import', {}));

  app.post('/contracts/import', async (c) => {
    const form = await c.req.parseBody();
    const w = requester(c);
    if (typeof form.draft === 'string') {
      const bytes = await loadImportDraft(deps.sql, w.orgId, form.draft);
      if (!bytes) return page(c, 'contracts-import', { formErrors: [{ code: 'import_draft_gone' }] }, 404);
      const result = await importContracts(deps.sql, w.orgId, bytes, w, c.get('lang'));
      if (result.errors.length) return page(c, 'contracts-import', { csvErrors: result.errors }, 422);
      await dropImportDraft(deps.sql, w.orgId, form.draft);
      return page(c, 'contracts-import', { done: { created: result.created, updated: result.updated } });
    }
    if (!(form.file instanceof File) || form.file.size === 0)
      return page(c, 'contracts-import', { formErrors: [{ code: 'field_required', field: 'file' }] }, 422);
    const bytes = new Uint8Array(await form.file.arrayBuffer());
    const plan = await previewImport(deps.sql, w.orgId, bytes, c.get('lang'));
    if (plan.errors.length) return page(c, 'contracts-import', { csvErrors: plan.errors }, 422);
    const draft = await saveImportDraft(deps.sql, w.orgId, w.actor, bytes);
    const count = (action: string) => plan.rows.filter((r) => r.action === action).length;
    return page(c, 'contracts-import', {
      preview: { draft, rows: plan.rows, created: count('create'), updated: count('update'), unchanged: count('unchanged') },
    });
  });

  const ownContract = async (c: Context<AppEnv>) => {
    const reference = referenceSchema.safeParse(c.req.param('reference'));
    const contract = reference.success ? await findContract(deps.sql, requester(c).orgId, reference.data) : null;
    if (!contract) throw new AppError('contract_not_found', 404);
    return contract;
  };

  app.get('/contracts/:reference', async (c) => page(c, 'contract', { contract: await withGuarantees(deps.sql, await ownContract(c), c.get('lang')) }));

  app.get('/contracts/:reference/edit', async (c) => {
    const contract = await ownContract(c);
    return page(c, 'contract-form', { reference: contract.reference, values: contractValues(contract), kinds: kindChoices(contract.required) });
  });

  app.post('/contracts/:reference/edit', async (c) => {
    const contract = await ownContract(c);
    const { values, required, input, errors } = readContractForm(await c.req.parseBody({ all: true }));
    if (!input) return page(c, 'contract-form', { reference: contract.reference, values, kinds: kindChoices(required), errors }, 422);
    const w = requester(c);
    await putContract(deps.sql, w.orgId, contract.reference, input, w);
    return c.redirect(`/contracts/${encodeURIComponent(contract.reference)}`, 303);
  });

  app.post('/archive/:id/contract', async (c) => {
    const w = requester(c);
    const id = c.req.param('id');
    const text = one(await c.req.parseBody(), 'contract').trim();
    const reference = text === '' ? null : text;
    try {
      if (!(await setArchiveContract(deps.sql, w.orgId, id, reference, w))) throw new AppError('not_found', 404);
    } catch (e) {
      if (!(e instanceof LinkRefused)) throw e;
      const record = await getArchiveRecord(deps.sql, w.orgId, id);
      const cert = record && (await loadCertificate(deps.sql, w.orgId, record.certificateId));
      if (!record || !cert) throw new AppError('not_found', 404);
      return page(
        c,
        'archive-record',
        { record: { ...record, contract: text }, certificate: viewOf(cert), linkErrors: [{ code: e.code, field: 'contract' }] },
        422,
      );
    }
    return c.redirect(`/archive/${id}`, 303);
  });
  return app;
}
