import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { PdfLog } from './types.js';

/**
 * The CJK families the certificate's CSS and the footer ask for (public/shosho.css, print.ts),
 * where Debian's fonts-ipaexfont-mincho and fonts-ipaexfont-gothic install them.
 */
export const IPAEX_FACES: readonly FontFace[] = [
  { family: 'IPAexMincho', file: '/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf' },
  { family: 'IPAexGothic', file: '/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf' },
];

export interface FontFace {
  family: string;
  file: string;
}

/** The exports of harfbuzzjs's hb-subset build that are used here (harfbuzz's C API, pointers as numbers). */
interface HarfBuzz {
  memory: WebAssembly.Memory;
  _initialize(): void;
  malloc(size: number): number;
  hb_blob_create(data: number, length: number, mode: number, userData: number, destroy: number): number;
  hb_blob_destroy(blob: number): void;
  hb_blob_get_data(blob: number, length: number): number;
  hb_blob_get_length(blob: number): number;
  hb_face_create(blob: number, index: number): number;
  hb_face_destroy(face: number): void;
  hb_face_reference_blob(face: number): number;
  hb_set_add(set: number, codepoint: number): void;
  hb_set_clear(set: number): void;
  hb_set_invert(set: number): void;
  hb_subset_input_create_or_fail(): number;
  hb_subset_input_destroy(input: number): void;
  hb_subset_input_get_flags(input: number): number;
  hb_subset_input_set_flags(input: number, flags: number): void;
  hb_subset_input_set(input: number, which: number): number;
  hb_subset_input_unicode_set(input: number): number;
  hb_subset_or_fail(face: number, input: number): number;
}

const HB_MEMORY_MODE_WRITABLE = 2;
const HB_SUBSET_SETS_LAYOUT_FEATURE_TAG = 6;
// A PDF is never hinted, and the page uses no vertical or alternate forms: without hinting and
// GSUB closure a certificate's subset is ≈ 50 KB instead of ≈ 200 KB.
const HB_SUBSET_FLAGS_NO_HINTING = 0x1;
const HB_SUBSET_FLAGS_NO_LAYOUT_CLOSURE = 0x200;

let harfbuzz: Promise<HarfBuzz> | null = null;
// Faces are parsed once per process and kept: copying and parsing a 6–8 MB font for every
// document cost three times the subsetting itself.
const faces = new Map<string, Promise<number | null>>();

function loadHarfBuzz(): Promise<HarfBuzz> {
  harfbuzz ??= (async () => {
    const wasm = await readFile(createRequire(import.meta.url).resolve('harfbuzzjs/dist/harfbuzz-subset.wasm'));
    const { instance } = await WebAssembly.instantiate(wasm);
    const hb = instance.exports as unknown as HarfBuzz;
    hb._initialize();
    return hb;
  })();
  return harfbuzz;
}

function loadFace(hb: HarfBuzz, file: string, family: string, log: PdfLog): Promise<number | null> {
  let face = faces.get(file);
  if (!face) {
    face = readFile(file).then(
      (bytes) => {
        const data = hb.malloc(bytes.length);
        new Uint8Array(hb.memory.buffer).set(bytes, data);
        const blob = hb.hb_blob_create(data, bytes.length, HB_MEMORY_MODE_WRITABLE, 0, 0);
        const created = hb.hb_face_create(blob, 0);
        hb.hb_blob_destroy(blob);
        return created;
      },
      (error: Error) => {
        log({ level: 'warn', event: 'pdf.font.unreadable', family, file, error: error.message });
        return null;
      },
    );
    faces.set(file, face);
  }
  return face;
}

/** The face cut to `text`'s characters, as TrueType bytes; null if harfbuzz refuses. */
function subset(hb: HarfBuzz, face: number, text: string): Buffer | null {
  const input = hb.hb_subset_input_create_or_fail();
  if (input === 0) return null;
  let result = 0;
  try {
    const features = hb.hb_subset_input_set(input, HB_SUBSET_SETS_LAYOUT_FEATURE_TAG);
    hb.hb_set_clear(features);
    hb.hb_set_invert(features);
    hb.hb_subset_input_set_flags(input, hb.hb_subset_input_get_flags(input) | HB_SUBSET_FLAGS_NO_HINTING | HB_SUBSET_FLAGS_NO_LAYOUT_CLOSURE);
    const unicodes = hb.hb_subset_input_unicode_set(input);
    for (const char of text) hb.hb_set_add(unicodes, char.codePointAt(0)!);
    result = hb.hb_subset_or_fail(face, input);
  } finally {
    hb.hb_subset_input_destroy(input);
  }
  if (result === 0) return null;
  const blob = hb.hb_face_reference_blob(result);
  const data = hb.hb_blob_get_data(blob, 0);
  const bytes = Buffer.from(new Uint8Array(hb.memory.buffer, data, hb.hb_blob_get_length(blob)));
  hb.hb_blob_destroy(blob);
  hb.hb_face_destroy(result);
  return bytes.length > 0 ? bytes : null;
}

/**
 * @font-face rules that shadow the installed IPAex fonts with subsets cut to the characters of
 * one document (harfbuzz's hb-subset). Chromium then lays out and embeds a font of a few hundred
 * glyphs instead of parsing and subsetting a 6–8 MB font for every PDF; the PDF still embeds each
 * as a CID TrueType subset. A font that cannot be read or cut is left to Chromium's installed
 * font, as before, so text is never lost.
 */
export class FontSubsetter {
  constructor(
    private readonly fonts: readonly FontFace[],
    private readonly log: PdfLog,
  ) {}

  async fontFaceCss(text: string): Promise<string> {
    const hb = await loadHarfBuzz();
    const characters = [...new Set(text)].join('');
    const rules: string[] = [];
    for (const { family, file } of this.fonts) {
      const face = await loadFace(hb, file, family, this.log);
      if (face === null) continue;
      const bytes = subset(hb, face, characters);
      if (!bytes) {
        this.log({ level: 'warn', event: 'pdf.font.subset_failed', family, file });
        continue;
      }
      rules.push(`@font-face { font-family: '${family}'; src: url(data:font/ttf;base64,${bytes.toString('base64')}) format('truetype'); }`);
    }
    return rules.length ? `<style>${rules.join('\n')}</style>` : '';
  }
}
