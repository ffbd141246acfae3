import type { LookupResult } from '../lookup/index.js';
import type { FormError } from '../render/index.js';
import { AppError } from './errors.js';

/** SPEC §3/§4: how each lookup outcome answers, for the form and the API alike. */
export function lookupFailure(result: Exclude<LookupResult, { status: 'ok' }>): { error: AppError; formErrors: FormError[] } {
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
        formErrors: [{ code: 'locked_out', params }],
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
