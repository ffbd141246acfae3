/** What the layout needs to know about a page besides its body: its title and its place in the navigation. */
import { translate, type Lang, type MessageKey } from './i18n.js';
import type { ViewData, ViewName } from './view-data.js';

export type NavSection = 'lookup' | 'archive' | 'audit' | 'contracts' | 'alerts' | 'webhooks' | null;

export function pageTitle<V extends ViewName>(view: V, data: ViewData[V], lang: Lang): string {
  const page = { view, data } as { [K in ViewName]: { view: K; data: ViewData[K] } }[ViewName];
  switch (page.view) {
    case 'login':
      return translate(lang, 'login.title');
    case 'lookup':
      return translate(lang, 'lookup.title');
    case 'certificate': {
      const { form, number } = page.data.certificate;
      return translate(lang, form.heading as MessageKey, { kind: translate(lang, form.title as MessageKey), number });
    }
    case 'error':
      return translate(lang, `errorPage.title.${page.data.status}`);
    case 'archive-list':
      return translate(lang, 'archive.title');
    case 'archive-record': {
      const { kind, number } = page.data.certificate;
      return translate(lang, 'record.heading', { kind: translate(lang, `kind.${kind}`), number });
    }
    case 'audit':
      return translate(lang, 'audit.title');
    case 'audit-verify':
      return translate(lang, 'auditVerify.title');
    case 'alerts':
      return translate(lang, 'alerts.title');
    case 'webhooks':
      return translate(lang, 'webhooks.title');
    case 'contracts-list':
      return translate(lang, 'ledger.list.title');
    case 'contract':
      return translate(lang, 'ledger.detail.heading', { reference: page.data.contract.reference });
    case 'contract-form':
      return page.data.reference ? translate(lang, 'ledger.form.editTitle', { reference: page.data.reference }) : translate(lang, 'ledger.form.newTitle');
    case 'contracts-import':
      return translate(lang, 'ledger.import.title');
    case 'notices':
      return translate(lang, 'notices.title');
    case 'notices-results':
      return translate(lang, 'batch.title');
  }
}

/** The page shows a form's errors: its title says so first, so a screen reader user hears it on load. */
export function hasFormErrors<V extends ViewName>(data: ViewData[V]): boolean {
  const shown = data as { errors?: unknown[]; archiveForm?: { errors?: unknown[] } };
  return (shown.errors?.length ?? 0) > 0 || (shown.archiveForm?.errors?.length ?? 0) > 0;
}

export function navSection(view: ViewName): NavSection {
  if (view === 'lookup' || view === 'certificate' || view === 'notices' || view === 'notices-results') return 'lookup';
  if (view === 'archive-list' || view === 'archive-record') return 'archive';
  if (view === 'audit' || view === 'audit-verify') return 'audit';
  if (view === 'alerts' || view === 'webhooks') return view;
  if (view.startsWith('contract')) return 'contracts';
  return null;
}
