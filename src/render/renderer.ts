/**
 * Turns a view name and its data into a whole HTML page. Templates are read
 * and checked once, when the renderer is made; a broken template stops the
 * service at start-up rather than on the first request that needs it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { registerHelpers } from './helpers.js';
import { translate, type Lang } from './i18n.js';
import { hasFormErrors, navSection, pageTitle } from './page-meta.js';
import { VIEW_NAMES, type ViewData, type ViewName } from './view-data.js';

export interface SessionUser {
  username: string;
  role: 'clerk' | 'auditor' | 'admin';
  orgName: string;
  /** unresolved alerts of the user's organisation, shown in every page's header */
  openAlerts?: number;
}

export interface RenderContext {
  lang: Lang;
  /** Put in every form as `_csrf`. */
  csrfToken?: string;
  user?: SessionUser | null;
  requestId?: string;
  /** Path and query of the page the language switch leads to, in the other language. */
  pagePath?: string;
  /** For the PDF: styles inlined, no navigation, no buttons, nothing fetched. */
  standalone?: boolean;
}

export interface Renderer {
  render<V extends ViewName>(view: V, data: ViewData[V], ctx: RenderContext): string;
}

export interface RendererOptions {
  viewsDir?: string;
  /** Where `shosho.css` is, for standalone pages. */
  publicDir?: string;
}

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `.hbs` files under `dir`, named by their path without the extension (`partials/a/b.hbs` → `a/b`). */
function readTemplates(dir: string): Array<[name: string, source: string]> {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.hbs'))
    .map((file) => [file.replaceAll('\\', '/').slice(0, -'.hbs'.length), readFileSync(join(dir, file), 'utf8')]);
}

function withLang(pagePath: string, lang: Lang): string {
  const url = new URL(pagePath, 'http://page.invalid');
  url.searchParams.set('lang', lang);
  return url.pathname + url.search;
}

export function createRenderer(options: RendererOptions = {}): Renderer {
  const viewsDir = options.viewsDir ?? join(PROJECT_ROOT, 'views');
  const publicDir = options.publicDir ?? join(PROJECT_ROOT, 'public');
  const handlebars = Handlebars.create();
  registerHelpers(handlebars);
  const knownHelpers = Object.fromEntries(Object.keys(handlebars.helpers).map((name) => [name, true]));

  const compileOptions = { knownHelpers, knownHelpersOnly: true, preventIndent: true };
  const compile = (source: string, name: string) => {
    try {
      // compile() defers its work to the first call; precompile() finds syntax errors and unknown helpers now.
      handlebars.precompile(source, compileOptions);
      return handlebars.compile(source, compileOptions);
    } catch (error) {
      throw new Error(`template ${name}: ${(error as Error).message}`, { cause: error });
    }
  };

  for (const [name, source] of readTemplates(join(viewsDir, 'partials'))) {
    handlebars.registerPartial(name, compile(source, `partials/${name}`));
  }
  const layout = compile(readFileSync(join(viewsDir, 'layout.hbs'), 'utf8'), 'layout');
  const views = new Map(VIEW_NAMES.map((name) => [name, compile(readFileSync(join(viewsDir, `${name}.hbs`), 'utf8'), name)] as const));
  const inlineCss = readFileSync(join(publicDir, 'shosho.css'), 'utf8');

  return {
    render(view, data, ctx) {
      const template = views.get(view);
      if (!template) throw new Error(`no view ${view}`);
      const standalone = ctx.standalone ?? false;
      const frame = { lang: ctx.lang, csrfToken: ctx.csrfToken ?? '', requestId: ctx.requestId ?? null, standalone };
      const body = template(data, { data: frame });
      const user = ctx.user ?? null;
      const otherLang = ctx.lang === 'ja' ? 'en' : 'ja';
      return layout(
        {
          body,
          title: hasFormErrors(data) ? translate(ctx.lang, 'page.errorTitle', { title: pageTitle(view, data, ctx.lang) }) : pageTitle(view, data, ctx.lang),
          section: navSection(view),
          user,
          canAudit: user?.role === 'auditor' || user?.role === 'admin',
          otherLang,
          otherLangHref: withLang(ctx.pagePath ?? '/', otherLang),
          inlineCss: standalone ? inlineCss : null,
          printedAt: new Date(),
        },
        { data: frame },
      );
    },
  };
}
