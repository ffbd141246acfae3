import { formatJst } from '../domain/index.js';
import { z } from 'zod';
import type { Lookup, LookupResult } from '../lookup/index.js';
import type { FormError, Lang } from '../render/index.js';
import { AppError } from './errors.js';

/** When a lock ends, as a JST time a clerk can act on (not "in 15 minutes", which is stale once read). */
export function lockedUntil(retryAfterSeconds: number, lang: Lang): string {
  return formatJst(new Date(Date.now() + retryAfterSeconds * 1000), lang);
}

/** SPEC §3/§4: how each lookup outcome answers, for the form (in `lang`) and the API alike. */
export function lookupFailure(result: Exclude<LookupResult, { status: 'ok' }>, lang: Lang = 'ja'): { error: AppError; formErrors: FormError[] } {
  switch (result.status) {
    case 'malformed':
      return {
        error: new AppError(result.fields[0] === 'number' ? 'malformed_number' : 'malformed_auth_key', 422),
        formErrors: result.fields.map((field) => ({ code: field === 'number' ? 'malformed_number' : 'malformed_auth_key', field })),
      };
    case 'not_found':
      return { error: new AppError('not_found', 404), formErrors: [{ code: 'not_found' }] };
    case 'locked': {
      const params = { minutes: Math.ceil(result.retryAfterSeconds / 60) };
      return {
        error: new AppError('locked_out', 429, params, { 'retry-after': String(result.retryAfterSeconds) }),
        formErrors: [
          {
            code: result.by === 'number' ? 'lookup_locked_number' : 'lookup_locked_client',
            params: { until: lockedUntil(result.retryAfterSeconds, lang) },
          },
        ],
      };
    }
    case 'other_obligee':
      return { error: new AppError('other_obligee', 403), formErrors: [{ code: 'other_obligee' }] };
    case 'busy': {
      const params = { seconds: result.retryAfterSeconds };
      return {
        error: new AppError('busy', 503, params, { 'retry-after': String(result.retryAfterSeconds) }),
        formErrors: [{ code: 'busy', params }],
      };
    }
  }
}

/** The number and key as a form or the API sends them (canonicalised by the lookup itself). */
export const lookupInput = z.object({ number: z.string().max(200).default(''), authKey: z.string().max(200).default('') });

export function runLookup(lookup: Lookup, input: z.infer<typeof lookupInput>, who: { orgId: string; actor: string; client: string; requestId: string }) {
  const { orgId, actor, client, requestId } = who;
  return lookup({ orgId, actor, client, requestId, ...input });
}
