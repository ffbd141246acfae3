/**
 * Template helpers. All formatting a page shows happens here, in the reader's
 * language, which the renderer puts in the data frame as `@lang`.
 */
import Handlebars from 'handlebars';
import { formatGregorianJa, formatJst, formatWareki, formatYen } from '../domain/index.js';
import { escapeHtml } from './escape.js';
import { isMessageKey, translate, type Lang, type MessageParams } from './i18n.js';
import { DEFAULT_ARCHIVE_SORT, type ArchiveSearch, type ArchiveSortKey, type FormError } from './view-data.js';

type Options = Handlebars.HelperOptions;

function langOf(options: Options): Lang {
  return (options.data as { lang: Lang }).lang;
}

function t(key: string, options: Options): string {
  if (!isMessageKey(key)) throw new Error(`no message ${key}`);
  return translate(langOf(options), key, options.hash as MessageParams);
}

/** ` lang="ja"` on an element holding Japanese data (a name, an address, 和暦, 金…円) on a page in another language (WCAG 3.1.2). */
function langJa(options: Options): Handlebars.SafeString {
  return new Handlebars.SafeString(langOf(options) === 'ja' ? '' : ' lang="ja"');
}

/**
 * A message whose parameters are Japanese data: each is escaped and, on a page in another
 * language, marked `lang="ja"`, while the message's own words stay in the page's language.
 */
function tJaData(key: string, options: Options): Handlebars.SafeString {
  if (!isMessageKey(key)) throw new Error(`no message ${key}`);
  const lang = langOf(options);
  const params = options.hash as Record<string, string>;
  const marks = Object.fromEntries(Object.keys(params).map((name, i) => [name, `\u0000${i}\u0000`]));
  const text = Handlebars.escapeExpression(translate(lang, key, marks));
  const values = Object.values(params).map((value) => {
    const escaped = Handlebars.escapeExpression(String(value));
    return lang === 'ja' ? escaped : `<span lang="ja">${escaped}</span>`;
  });
  return new Handlebars.SafeString(text.replace(/\u0000(\d+)\u0000/g, (_, i: string) => values[Number(i)]!));
}

function errorText(error: FormError, options: Options): string {
  return translate(langOf(options), `error.${error.code}`, error.params);
}

/** Refusals (a lock, another organisation's certificate) are not a mistake in what was typed. */
const REFUSALS: ReadonlySet<string> = new Set(['lookup_locked_number', 'lookup_locked_client', 'login_locked', 'other_obligee', 'rate_limited']);

function errorSummaryTitle(errors: FormError[], options: Options): string {
  const key = errors.every((error) => REFUSALS.has(error.code)) ? 'form.refusedSummary' : 'form.errorSummary';
  return translate(langOf(options), key);
}

function fieldError(errors: FormError[] | undefined, field: string): FormError | undefined {
  return errors?.find((error) => error.field === field);
}

/** The aria attributes of a form control, or nothing when it has neither hint nor error. */
function fieldAria(errors: FormError[] | undefined, field: string, hasHint: unknown) {
  const invalid = fieldError(errors, field) !== undefined;
  const ids = [hasHint ? `${field}-hint` : '', invalid ? `${field}-error` : ''].filter(Boolean);
  return ids.length === 0 ? null : { describedBy: ids.join(' '), invalid };
}

/**
 * `path?query`, leaving out empty values, escaped for an attribute here because
 * Handlebars' own escaping would also turn every `=` into `&#x3D;`.
 */
function buildHref(path: string, params: Record<string, unknown>): Handlebars.SafeString {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const text = query.toString();
  const href = text ? `${path}?${text}` : path;
  return new Handlebars.SafeString(escapeHtml(href));
}

/** A link with the current parameters and the hash's overrides: `(queryHref "/archive" search cursor=paging.next)`. */
function queryHref(path: string, params: object, options: Options): Handlebars.SafeString {
  return buildHref(path, { ...params, ...options.hash });
}

function currentSort(search: ArchiveSearch) {
  return search.sort ? { sort: search.sort, order: search.order ?? 'asc' } : DEFAULT_ARCHIVE_SORT;
}

/** The link of a sortable column heading: the same column flips the order; another starts ascending. */
function sortHref(path: string, search: ArchiveSearch, key: ArchiveSortKey): Handlebars.SafeString {
  const current = currentSort(search);
  const order = current.sort === key && current.order === 'asc' ? 'desc' : 'asc';
  // A new order starts again from the first page.
  return buildHref(path, { ...search, sort: key, order, cursor: undefined });
}

function ariaSort(search: ArchiveSearch, key: ArchiveSortKey): 'ascending' | 'descending' | 'none' {
  const current = currentSort(search);
  if (current.sort !== key) return 'none';
  return current.order === 'asc' ? 'ascending' : 'descending';
}

export function registerHelpers(handlebars: typeof Handlebars): void {
  const helpers: Record<string, (...args: never[]) => unknown> = {
    t,
    tJaData,
    langJa,
    errorText,
    errorSummaryTitle,
    fieldError,
    fieldAria,
    queryHref,
    sortHref,
    ariaSort,
    /** The first 8 characters of a request id, short enough to read out to a help desk; logs keep the whole id. */
    shortReference: (requestId: string) => requestId.slice(0, 8),
    wareki: (isoDate: string) => formatWareki(isoDate),
    gregorian: (isoDate: string, options: Options) => (langOf(options) === 'ja' ? formatGregorianJa(isoDate) : isoDate),
    yen: (amount: number) => formatYen(amount),
    jst: (date: Date | string, options: Options) => formatJst(date, langOf(options)),
    eq: (a: unknown, b: unknown) => a === b,
    or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
    /** Joins its arguments, e.g. into a catalog key: `(concat "kind." kind)`. */
    concat: (...args: unknown[]) => args.slice(0, -1).join(''),
    /** Its arguments as an array: `choices=(list "current" "superseded")`. */
    list: (...args: unknown[]) => args.slice(0, -1),
    /** A path segment from any text, e.g. a contract reference: `/contracts/{{encodeURIComponent reference}}`. */
    encodeURIComponent: (text: string) => encodeURIComponent(text),
  };
  handlebars.registerHelper(helpers as Handlebars.HelperDeclareSpec);
}
