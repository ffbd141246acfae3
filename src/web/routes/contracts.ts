import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { getArchiveRecord, toArchiveJson } from '../../archive/index.js';
import type { Sql } from '../../db/index.js';
import { describeIssues } from '../../domain/index.js';
import {
  contractInputSchema, findContract, importContracts, LinkRefused, listContracts, putContract, referenceSchema, setArchiveContract,
  toContractJson, withGuarantees, type ContractSummary,
} from '../../ledger/index.js';
import type { AppEnv } from '../env.js';
import { AppError } from '../errors.js';

export interface ContractDeps {
  sql: Sql;
}

const who = (c: Context<AppEnv>) => {
  const p = c.get('principal')!;
  return { orgId: p.orgId, actor: p.actor, client: c.get('clientIp'), requestId: c.get('requestId') };
};

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

/** LinkRefused is the client's mistake: an unknown contract, or a kind no contract requires. */
export function linkError(e: unknown): never {
  if (e instanceof LinkRefused) throw new AppError(e.code, 422, {}, {}, e.message);
  throw e;
}

function summaryJson(s: ContractSummary) {
  return {
    reference: s.reference, projectName: s.projectName, contractor: s.contractor, contractPrice: s.contractPrice, contractDate: s.contractDate,
    period: s.period, required: s.required, ...(s.section ? { section: s.section } : {}),
    createdAt: s.createdAt.toISOString(), updatedAt: s.updatedAt.toISOString(), state: s.state, guarantees: s.guarantees,
  };
}

const linkBody = z.strictObject({ contract: referenceSchema.nullable() });

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
    const w = who(c);
    const { contract, created } = await putContract(deps.sql, w.orgId, reference, input, w);
    return c.json(toContractJson(await withGuarantees(deps.sql, contract, c.get('lang'))), created ? 201 : 200);
  });

  app.get('/api/v1/contracts/:reference', async (c) => {
    const contract = await findContract(deps.sql, who(c).orgId, pathReference(c));
    if (!contract) throw new AppError('contract_not_found', 404);
    return c.json(toContractJson(await withGuarantees(deps.sql, contract, c.get('lang'))));
  });

  app.get('/api/v1/contracts', async (c) => {
    const page = await listContracts(deps.sql, who(c).orgId, c.req.query());
    return c.json({ items: page.items.map(summaryJson), next: page.next });
  });

  app.post('/api/v1/contracts/import', async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'text/csv') throw new AppError('invalid_request', 415, {}, {}, 'the body must be text/csv');
    const w = who(c);
    const result = await importContracts(deps.sql, w.orgId, new Uint8Array(await c.req.arrayBuffer()), w, c.get('lang'));
    return c.json(result);
  });

  app.put('/api/v1/archive/:id/contract', async (c) => {
    const body = linkBody.parse(await jsonBody(c));
    const w = who(c);
    const found = await setArchiveContract(deps.sql, w.orgId, c.req.param('id'), body.contract, w).catch(linkError);
    const record = found ? await getArchiveRecord(deps.sql, w.orgId, c.req.param('id')) : null;
    if (!record) throw new AppError('not_found', 404);
    return c.json(toArchiveJson(record));
  });
  return app;
}

