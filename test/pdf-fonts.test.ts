import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FontSubsetter, IPAEX_FACES } from '../src/pdf/fonts.js';

const TRUETYPE_MAGIC = '00010000';

function faces(css: string) {
  return [...css.matchAll(/font-family: '([^']+)'; src: url\(data:font\/ttf;base64,([A-Za-z0-9+/=]+)\)/g)].map(([, family, base64]) => ({
    family: family!,
    bytes: Buffer.from(base64!, 'base64'),
  }));
}

describe('fonts cut to the document before Chromium sees it', () => {
  it('gives each IPAex family a TrueType subset a small fraction of the installed font', async () => {
    const logged: unknown[] = [];
    const css = await new FontSubsetter(IPAEX_FACES, (entry) => logged.push(entry)).fontFaceCss('<p>前払金保証証書 金49,280,000円 令和6年6月3日</p>');
    const found = faces(css);
    expect(found.map((f) => f.family)).toEqual(['IPAexMincho', 'IPAexGothic']);
    for (const [i, { bytes }] of found.entries()) {
      expect(bytes.subarray(0, 4).toString('hex')).toBe(TRUETYPE_MAGIC);
      expect(bytes.length).toBeLessThan(statSync(IPAEX_FACES[i]!.file).size / 20);
    }
    expect(logged).toEqual([]);
  });

  it('grows with the characters of the document', async () => {
    const subsetter = new FontSubsetter(IPAEX_FACES, () => undefined);
    const few = faces(await subsetter.fontFaceCss('保証'))[0]!.bytes.length;
    const more = faces(await subsetter.fontFaceCss('保証 広島県土木建築局 道路改良工事 瀬戸内土木株式会社'))[0]!.bytes.length;
    expect(more).toBeGreaterThan(few);
  });

  it('leaves a font it cannot read to the installed fonts, and says so', async () => {
    const logged: Array<Record<string, unknown>> = [];
    const subsetter = new FontSubsetter([{ family: 'IPAexMincho', file: '/nonexistent/ipaexm.ttf' }], (entry) => logged.push(entry));
    expect(await subsetter.fontFaceCss('保証')).toBe('');
    expect(logged).toMatchObject([{ level: 'warn', event: 'pdf.font.unreadable', family: 'IPAexMincho' }]);
  });
});
