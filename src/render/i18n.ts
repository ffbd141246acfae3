/**
 * Message catalogs: every word a person reads comes from here, Japanese
 * first. Pages use them through the renderer; server code (API errors,
 * PDF metadata) through `translate` and `errorMessage`.
 */
import en from './messages/en.json' with { type: 'json' };
import ja from './messages/ja.json' with { type: 'json' };

export type Lang = 'ja' | 'en';
export type MessageKey = keyof typeof ja;
export type MessageParams = Readonly<Record<string, string | number>>;

export const LANGS: readonly Lang[] = ['ja', 'en'];

/** Error codes with a message in the catalogs (`error.<code>`). */
export const ERROR_CODES = [
  'not_found',
  'malformed_number',
  'malformed_auth_key',
  'locked_out',
  'other_obligee',
  'rate_limited',
  'unauthorized',
  'forbidden',
  'csrf_failed',
  'login_failed',
  'pdf_unavailable',
  'internal_error',
  'page_not_found',
  'invalid_request',
  'invalid_date',
  'too_long',
  'service_unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}

const CATALOGS: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { ja, en };

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(ja, key);
}

/** The whole catalog of one language, e.g. to hand to a client. */
export function messages(lang: Lang): Readonly<Record<MessageKey, string>> {
  return CATALOGS[lang];
}

/** The message in `lang` with its `{name}` placeholders filled; a missing parameter is a bug and throws. */
export function translate(lang: Lang, key: MessageKey, params: MessageParams = {}): string {
  return CATALOGS[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`message ${key} needs parameter ${name}`);
    return String(value);
  });
}

export function errorMessage(lang: Lang, code: ErrorCode, params?: MessageParams): string {
  return translate(lang, `error.${code}`, params);
}

function isLang(value: string | undefined): value is Lang {
  return value === 'ja' || value === 'en';
}

/** The cookie `lang` wins; then the Accept-Language entry with the highest q that we speak; then Japanese. */
export function pickLanguage(acceptLanguage: string | undefined, cookieLang: string | undefined): Lang {
  if (isLang(cookieLang)) return cookieLang;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((entry, order) => {
      const [tag = '', ...params] = entry.trim().split(';');
      const qParam = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
      const q = qParam === undefined ? 1 : Number(qParam.slice(2));
      return { primary: tag.trim().toLowerCase().split('-')[0], q: Number.isFinite(q) ? q : 0, order };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  return ranked.map((entry) => entry.primary).find(isLang) ?? 'ja';
}
