import { readFile } from 'node:fs/promises';
import subsetFont from 'subset-font';
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

// Without hinting and GSUB closure the subset of a certificate is ≈ 50 KB instead of ≈ 200 KB;
// a PDF is never hinted, and the page uses no vertical or alternate forms.
const SUBSET_OPTIONS = { targetFormat: 'truetype', noLayoutClosure: true, noHinting: true } as Parameters<typeof subsetFont>[2];

/**
 * @font-face rules that shadow the installed IPAex fonts with subsets cut to the characters of
 * one document. Chromium then lays out and embeds a font of a few hundred glyphs instead of
 * parsing and subsetting a 6–8 MB font for every PDF; the PDF still embeds each as a CID
 * TrueType subset. A character missing from a subset (none should be) falls back to the
 * installed font under the family's Japanese name, so text is never lost.
 */
export class FontSubsetter {
  #sources: Promise<Array<{ family: string; bytes: Buffer }>> | null = null;

  constructor(
    private readonly faces: readonly FontFace[],
    private readonly log: PdfLog,
  ) {}

  async fontFaceCss(text: string): Promise<string> {
    const sources = await this.#load();
    if (sources.length === 0) return '';
    const characters = [...new Set(text)].join('');
    const subsets = await Promise.all(sources.map(async ({ family, bytes }) => ({ family, subset: await subsetFont(bytes, characters, SUBSET_OPTIONS) })));
    const rules = subsets.map(
      ({ family, subset }) => `@font-face { font-family: '${family}'; src: url(data:font/ttf;base64,${subset.toString('base64')}) format('truetype'); }`,
    );
    return `<style>${rules.join('\n')}</style>`;
  }

  /** Reads the fonts once; a missing one is logged and left to Chromium's installed fonts. */
  #load() {
    this.#sources ??= Promise.all(
      this.faces.map(async ({ family, file }) => {
        try {
          return [{ family, bytes: await readFile(file) }];
        } catch (error) {
          this.log({ level: 'warn', event: 'pdf.font.unreadable', family, file, error: (error as Error).message });
          return [];
        }
      }),
    ).then((found) => found.flat());
    return this.#sources;
  }
}
