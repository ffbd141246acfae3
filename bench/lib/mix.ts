/**
 * The mixed traffic of bench/load.ts and bench/two-instances.ts: clerks in browsers and obligee
 * systems on the API, each a client with its own address (X-Forwarded-For), doing lookups (right and
 * wrong keys), certificate views, PDFs and archive searches. Every request carries its own
 * X-Request-Id, so the audit log can be checked entry by entry: exactly one entry per audited
 * action, with the expected action and outcome, and none for the rest.
 */
import type postgres from 'postgres';
import type { Req, Res } from './http.js';

export interface MixSetup {
  token: string;
  sessions: Array<{ cookie: string; csrf: string }>;
  /** unlocked revisions of the organisation, to view and print */
  viewIds: string[];
  /** numbers whose right key is looked up */
  rightNumbers: string[];
  /** numbers guessed with wrong keys: they lock after 5 failures (then 429, intended) */
  guessNumbers: string[];
  rightKey: string;
}

type Action = 'lookup-right-api' | 'lookup-right-form' | 'lookup-wrong-api' | 'view-page' | 'view-api' | 'pdf-api' | 'search-api' | 'search-page';

/** Views and searches are most of a clerk's day; a lookup costs a 60–180 ms scrypt, a PDF a Chromium render. */
export const MIX: Array<[Action, number]> = [
  ['view-page', 0.35],
  ['view-api', 0.2],
  ['search-api', 0.2],
  ['search-page', 0.19],
  ['lookup-right-api', 0.015],
  ['lookup-right-form', 0.01],
  ['lookup-wrong-api', 0.025],
  ['pdf-api', 0.01],
];

/** what the audit log must hold for an answer: [action, outcome], or null for none */
function expectedAudit(action: Action, status: number): [string, string] | null {
  if (action.startsWith('lookup')) {
    if (status === 200 || status === 303) return ['lookup', 'success'];
    if (status === 404) return ['lookup', 'failure'];
    if (status === 429) return ['lookup', 'locked'];
    return null;
  }
  if (action.startsWith('view')) return status === 200 ? ['certificate.view', 'success'] : null;
  if (action === 'pdf-api') return status === 200 ? ['certificate.pdf', 'success'] : status === 503 ? ['certificate.pdf', 'failure'] : null;
  return null;
}

function intended(action: Action, status: number): boolean {
  if (status === 200 || (status === 303 && action === 'lookup-right-form')) return true;
  if (action.startsWith('lookup') && status === 429) return true;
  return action === 'lookup-wrong-api' && status === 404;
}

const SEARCHES = [
  '',
  `q=${encodeURIComponent('道路改良')}`,
  `q=${encodeURIComponent('瀬戸内')}`,
  'status=current',
  'kind=contract',
  `q=${encodeURIComponent('２０００')}`,
  'from=2023-04-01&to=2024-03-31',
];

export class Mix {
  readonly counts = new Map<string, number>();
  readonly errors: string[] = [];
  readonly expected = new Map<string, [string, string]>();
  readonly unaudited = new Set<string>();
  private seq = 0;
  private guess = 0;
  private right = 0;
  readonly runId = Math.random().toString(36).slice(2, 8);

  constructor(private readonly s: MixSetup) {}

  next(client: number): Req {
    let r = Math.random();
    let action: Action = MIX[0]![0];
    for (const [a, w] of MIX) {
      r -= w;
      if (r < 0) {
        action = a;
        break;
      }
    }
    const id = `ld-${this.runId}-${client}-${this.seq++}`;
    const api = { authorization: `Bearer ${this.s.token}`, 'x-request-id': id, 'x-forwarded-for': `10.20.${client >> 8}.${client & 255}` };
    const session = this.s.sessions[client % this.s.sessions.length]!;
    const page = { cookie: session.cookie, 'x-request-id': id, 'x-forwarded-for': api['x-forwarded-for'] };
    const anyView = () => this.s.viewIds[Math.floor(Math.random() * this.s.viewIds.length)]!;
    const json = (body: unknown) => JSON.stringify(body);
    switch (action) {
      case 'lookup-right-api':
        return {
          kind: action,
          method: 'POST',
          path: '/api/v1/lookup',
          headers: { ...api, 'content-type': 'application/json' },
          body: json({ number: this.s.rightNumbers[this.right++ % this.s.rightNumbers.length], authKey: this.s.rightKey }),
        };
      case 'lookup-right-form':
        return {
          kind: action,
          method: 'POST',
          path: '/lookup',
          headers: { ...page, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            number: this.s.rightNumbers[this.right++ % this.s.rightNumbers.length]!,
            authKey: this.s.rightKey,
            _csrf: session.csrf,
          }).toString(),
        };
      case 'lookup-wrong-api':
        return {
          kind: action,
          method: 'POST',
          path: '/api/v1/lookup',
          headers: { ...api, 'content-type': 'application/json' },
          body: json({ number: this.s.guessNumbers[this.guess++ % this.s.guessNumbers.length], authKey: 'ZZ99-ZZ99-ZZ99' }),
        };
      case 'view-page':
        return { kind: action, method: 'GET', path: `/certificates/${anyView()}`, headers: page };
      case 'view-api':
        return { kind: action, method: 'GET', path: `/api/v1/certificates/${anyView()}`, headers: api };
      case 'pdf-api':
        return { kind: action, method: 'GET', path: `/api/v1/certificates/${anyView()}/pdf`, headers: api };
      case 'search-api':
        return { kind: action, method: 'GET', path: `/api/v1/archive?${SEARCHES[Math.floor(Math.random() * SEARCHES.length)]}`, headers: api };
      case 'search-page':
        return { kind: action, method: 'GET', path: `/archive?${SEARCHES[Math.floor(Math.random() * SEARCHES.length)]}`, headers: page };
    }
  }

  onResponse(req: Req, res: Res): void {
    const action = req.kind as Action;
    const id = req.headers!['x-request-id']!;
    const key = `${action} ${res.status}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (!intended(action, res.status)) this.errors.push(`${action} → ${res.status}`);
    const audit = expectedAudit(action, res.status);
    if (audit) this.expected.set(id, audit);
    else this.unaudited.add(id);
  }

  /** Network-level failures count as errors too. */
  onError(message: string): void {
    this.errors.push(message);
  }

  /**
   * Compares the audit log with what was done: each audited request id exactly once with the
   * expected action and outcome, none for the others, and no entry of this run beyond those.
   */
  async checkAudit(sql: postgres.Sql): Promise<{ ok: boolean; entries: number; expected: number; problems: string[] }> {
    const rows = await sql<{ request_id: string; action: string; outcome: string }[]>`
      select request_id, action, outcome from audit_log where request_id like ${`ld-${this.runId}-%`}`;
    const seen = new Map<string, Array<[string, string]>>();
    for (const r of rows) seen.set(r.request_id, [...(seen.get(r.request_id) ?? []), [r.action, r.outcome]]);
    const problems: string[] = [];
    for (const [id, [action, outcome]] of this.expected) {
      const got = seen.get(id) ?? [];
      if (got.length !== 1 || got[0]![0] !== action || got[0]![1] !== outcome)
        problems.push(`${id}: expected ${action}/${outcome}, found ${JSON.stringify(got)}`);
    }
    for (const id of this.unaudited) if (seen.has(id)) problems.push(`${id}: expected no entry, found ${JSON.stringify(seen.get(id))}`);
    for (const id of seen.keys()) if (!this.expected.has(id) && !this.unaudited.has(id)) problems.push(`${id}: entry for a request not counted`);
    return { ok: problems.length === 0, entries: rows.length, expected: this.expected.size, problems: problems.slice(0, 10) };
  }

  summary(): string {
    return [...this.counts]
      .sort()
      .map(([k, n]) => `${k}×${n}`)
      .join(', ');
  }
}
