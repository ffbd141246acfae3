/**
 * Audit actions are typed lists owned by the capability that records them (auditlog/actions.ts
 * joins them into AuditAction). The audit page names each one in both languages, and its 操作
 * drop-down offers only actions that exist.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALERTS_AUDIT_ACTIONS } from '../src/alerts/index.js';
import { ARCHIVE_AUDIT_ACTIONS } from '../src/archive/index.js';
import { AUDIT_AUDIT_ACTIONS } from '../src/audit/index.js';
import { AUDITLOG_AUDIT_ACTIONS, type AuditAction, type NewAuditEntry } from '../src/auditlog/index.js';
import { AUTH_AUDIT_ACTIONS } from '../src/auth/index.js';
import { CERTIFICATE_PDF_AUDIT_ACTIONS } from '../src/certificate-pdf/index.js';
import { FEED_AUDIT_ACTIONS } from '../src/feed/index.js';
import { LEDGER_AUDIT_ACTIONS } from '../src/ledger/index.js';
import { LOOKUP_AUDIT_ACTIONS } from '../src/lookup/index.js';
import { NOTICES_AUDIT_ACTIONS } from '../src/notices/index.js';
import { LANGS, messages } from '../src/render/index.js';

const LISTS = [
  ALERTS_AUDIT_ACTIONS,
  ARCHIVE_AUDIT_ACTIONS,
  AUDIT_AUDIT_ACTIONS,
  AUDITLOG_AUDIT_ACTIONS,
  AUTH_AUDIT_ACTIONS,
  FEED_AUDIT_ACTIONS,
  LEDGER_AUDIT_ACTIONS,
  CERTIFICATE_PDF_AUDIT_ACTIONS,
  LOOKUP_AUDIT_ACTIONS,
  NOTICES_AUDIT_ACTIONS,
] as const;
const ALL: readonly AuditAction[] = LISTS.flat();

// tsc holds these: a list joined into AuditAction but missing above fails the first line, and an
// action no capability owns cannot be written.
const everyListIsHere: [Exclude<AuditAction, (typeof LISTS)[number][number]>] extends [never] ? true : false = true;
// @ts-expect-error an action no capability lists is refused
const unknown: NewAuditEntry = { action: 'certificate.delete', outcome: 'success', actor: 'test' };

describe('audit actions', () => {
  it('are owned by one capability each', () => {
    expect(everyListIsHere).toBe(true);
    expect(unknown.action).toBe('certificate.delete');
    expect(new Set(ALL).size).toBe(ALL.length);
  });

  it('each have a name on the audit page, in Japanese and English, and every name is of an action', () => {
    for (const lang of LANGS) {
      const named = Object.keys(messages(lang))
        .filter((k) => k.startsWith('auditAction.'))
        .map((k) => k.slice('auditAction.'.length));
      expect([...named].sort(), lang).toEqual([...ALL].sort());
    }
  });

  it("the audit page's 操作 drop-down offers only actions that exist", () => {
    const view = fs.readFileSync('views/audit.hbs', 'utf8');
    const choices = /name="action"[^}]*choices=\(list ([^)]*)\)/
      .exec(view)?.[1]
      ?.match(/"[^"]+"/g)
      ?.map((s) => s.slice(1, -1));
    expect(choices?.length).toBeGreaterThan(10);
    expect(choices!.filter((c) => !(ALL as readonly string[]).includes(c))).toEqual([]);
  });
});
