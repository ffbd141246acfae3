/**
 * Message catalogs: every word a person reads comes from here, Japanese
 * first. Pages use them through the renderer; server code (API errors,
 * PDF metadata) through `translate` and `errorMessage`.
 */
import en from './messages/en.json' with { type: 'json' };
import ja from './messages/ja.json' with { type: 'json' };
import { FEATURE_CATALOGS } from './messages/features.js';

export type Lang = 'ja' | 'en';
export type MessageParams = Readonly<Record<string, string | number>>;

export const LANGS: readonly Lang[] = ['ja', 'en'];

/**
 * Each feature keeps its own words in `messages/<feature>.<lang>.json` (listed in
 * `messages/features.ts`); the core catalog holds what every page shares.
 */
const JA = Object.assign({}, ja, ...FEATURE_CATALOGS.map((f) => f.ja)) as typeof ja & FeatureKeys;
const EN = Object.assign({}, en, ...FEATURE_CATALOGS.map((f) => f.en)) as typeof ja & FeatureKeys;
type FeatureKeys = UnionToIntersection<(typeof FEATURE_CATALOGS)[number]['ja']>;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

export type MessageKey = keyof typeof JA;

/** Error codes with a message in the catalogs (`error.<code>`): every `error.*` key is one. */
export type ErrorCode = MessageKey extends infer K ? (K extends `error.${infer C}` ? C : never) : never;
export const ERROR_CODES: readonly ErrorCode[] = Object.keys(JA)
  .filter((key) => key.startsWith('error.'))
  .map((key) => key.slice('error.'.length) as ErrorCode);

export function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}

const CATALOGS: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { ja: JA, en: EN };

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(JA, key);
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
