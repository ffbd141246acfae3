import { Hono, type Context } from 'hono';
import {
  auditCsv,
  auditFilterSchema,
  readableAuditEntry,
  recordChainCheck,
  searchAudit,
  verifyAuditChain,
  type AuditScope,
  type AuditTailKeeper,
  type ChainReport,
  type LostTail,
} from '../../auditlog/index.js';
import { formatJst } from '../../domain/index.js';
import type { Sql } from '../../db/index.js';
import { translate, type Lang, type Renderer } from '../../render/index.js';
import type { AppEnv } from '../env.js';
import { formErrors, renderPage } from '../page.js';
import { requester } from '../requester.js';
import { csvResponse } from '../responses.js';

/** An auditor sees their organisation's entries; an admin sees them all. */
const scopeOf = (c: Context<AppEnv>): AuditScope => {
  const p = c.get('principal')!;
  return p.role === 'admin' ? { all: true } : { orgId: p.orgId };
};

/** `/audit`, `/audit.csv`, `/audit/verify` (SPEC §3), for auditors and admins. */
export function auditPages(deps: { sql: Sql; renderer: Renderer; auditTail: AuditTailKeeper }) {
  const app = new Hono<AppEnv>();
  app.get('/audit', async (c) => {
    const query = c.req.query();
    const parsed = auditFilterSchema.safeParse(query);
    if (!parsed.success) {
      return renderPage(c, deps.renderer, 'audit', { filter: query, entries: [], paging: {}, errors: formErrors(parsed.error) }, 422);
    }
    const page = await searchAudit(deps.sql, scopeOf(c), parsed.data);
    const entries = page.entries.map((e) => ({ ...e, ...readableAuditEntry(e, c.get('lang')) }));
    const { cursor: _, limit: __, ...filter } = parsed.data;
    return renderPage(c, deps.renderer, 'audit', { filter, entries, paging: { next: page.next } });
  });
  app.get('/audit.csv', (c) => csvResponse(c, 'audit.csv', auditCsv(deps.sql, scopeOf(c), auditFilterSchema.parse(c.req.query()), c.get('lang'))));
  app.get('/audit/verify', async (c) => {
    const report = withLostTail(await verifyAuditChain(deps.sql), await deps.auditTail.check(), c.get('lang'));
    const { actor, orgId, client, requestId } = requester(c);
    await recordChainCheck(deps.sql, report, { actor, orgId, client, requestId });
    const [broken] = report.firstBroken
      ? await deps.sql<{ at: Date }[]>`select at from audit_log where seq >= ${report.firstBroken.seq} order by seq limit 1`
      : [];
    const firstBroken = report.firstBroken ? { seq: report.firstBroken.seq, at: broken?.at ?? new Date(), reason: report.firstBroken.reason } : null;
    return renderPage(c, deps.renderer, 'audit-verify', { checkedAt: new Date(), checked: report.entries, firstBroken });
  });
  return app;
}

/** A chain intact up to an end that lost entries the service saw committed is broken there. */
function withLostTail(report: ChainReport, lost: LostTail | null, lang: Lang): ChainReport {
  if (!lost || (report.firstBroken && report.firstBroken.seq <= lost.seq)) return report;
  const reason = translate(lang, `auditVerify.lostTail.${lost.kind}`, {
    seq: lost.seq,
    lastSeq: lost.lastSeq,
    seenAt: formatJst(lost.recorded.seenAt, lang),
    file: lost.file,
  });
  return { ...report, intact: false, firstBroken: { seq: lost.seq, reason } };
}
