/** What the layout needs to know about a page besides its body: its title and its place in the navigation. */
import { translate, type Lang, type MessageKey } from './i18n.js';
import type { ViewData, ViewName } from './view-data.js';

export type NavSection = 'lookup' | 'archive' | 'audit' | null;

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
  }
}

/** The page shows a form's errors: its title says so first, so a screen reader user hears it on load. */
export function hasFormErrors<V extends ViewName>(data: ViewData[V]): boolean {
  const shown = data as { errors?: unknown[]; archiveForm?: { errors?: unknown[] } };
  return (shown.errors?.length ?? 0) > 0 || (shown.archiveForm?.errors?.length ?? 0) > 0;
}

export function navSection(view: ViewName): NavSection {
  if (view === 'lookup' || view === 'certificate') return 'lookup';
  if (view === 'archive-list' || view === 'archive-record') return 'archive';
  if (view === 'audit' || view === 'audit-verify') return 'audit';
  return null;
}
