import { formatJst } from '../domain/index.js';
import { isMessageKey, translate, type Lang } from '../render/index.js';
import type { AuditEntry } from './chain.js';

/** An entry as a person reads it: the action's and outcome's names and its details as "label: value" lines. */
export interface ReadableAuditEntry {
  action: string;
  outcome: string;
  details: string[];
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A catalog word when there is one (`<prefix><code>`), else the code as stored: a new feature's code still shows. */
function word(lang: Lang, prefix: string, code: string): string {
  const key = `${prefix}${code}`;
  return isMessageKey(key) ? translate(lang, key) : code;
}

/** Fields whose codes already have names in the catalogs; any other field's code is looked up under `auditValue.<field>.`. */
const VALUE_NAMES: Record<string, string> = { kind: 'kind.', required: 'ledger.requirement.', revisionType: 'revisionType.' };

function value(lang: Lang, key: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return translate(lang, 'auditDetail.none');
  if (typeof v === 'boolean') return translate(lang, v ? 'auditDetail.yes' : 'auditDetail.no');
  if (typeof v === 'string') return ISO_INSTANT.test(v) ? formatJst(v, lang) : word(lang, VALUE_NAMES[key] ?? `auditValue.${key}.`, v);
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.length ? v.map((item) => value(lang, key, item)).join(lang === 'ja' ? '、' : ', ') : translate(lang, 'auditDetail.none');
  return Object.entries(v as Record<string, unknown>)
    .map(([k, inner]) => `${word(lang, 'auditDetail.', k)} ${value(lang, k, inner)}`)
    .join(lang === 'ja' ? '、' : '; ');
}

/**
 * The action, outcome and details of an audit entry in the reader's language. Details are the
 * stored JSON's fields, each with a label from the catalogs (or its own name when it has none);
 * times read in JST, yes/no and known codes as words. Nested objects flatten into one line.
 */
export function readableAuditEntry(entry: Pick<AuditEntry, 'action' | 'outcome' | 'detail'>, lang: Lang): ReadableAuditEntry {
  const separator = lang === 'ja' ? '：' : ': ';
  return {
    action: word(lang, 'auditAction.', entry.action),
    outcome: word(lang, 'auditOutcome.', entry.outcome),
    details: Object.entries(entry.detail).map(([key, v]) => `${word(lang, 'auditDetail.', key)}${separator}${value(lang, key, v)}`),
  };
}
