/** A minimal browser for tests: keeps cookies, follows nothing by itself, reads CSRF tokens from forms. */
export class WebClient {
  readonly cookies = new Map<string, string>();
  lastHtml = '';

  constructor(
    readonly base: string,
    readonly headers: Record<string, string> = {},
  ) {}

  async request(method: string, path: string, init: { form?: Record<string, string>; body?: string; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...this.headers, ...init.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body = init.body;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(this.base + path, { method, headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [name, ...value] = pair!.split('=');
      if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value.join('='));
    }
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer()); // keeps a BOM, as Excel sees it
    if ((res.headers.get('content-type') ?? '').includes('text/html')) this.lastHtml = text;
    return { status: res.status, text, headers: res.headers, setCookies: res.headers.getSetCookie() };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  /** The `_csrf` value of the last page's forms. */
  csrf(): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(this.lastHtml);
    if (!m) throw new Error('no _csrf field on the last page');
    return m[1]!;
  }

  /** Posts a form the way a browser would from the last page, with its CSRF token. */
  post(path: string, form: Record<string, string>, opts: { csrf?: string | null } = {}) {
    const token = opts.csrf === undefined ? this.csrf() : opts.csrf;
    return this.request('POST', path, { form: token === null ? form : { ...form, _csrf: token } });
  }

  /** Signs in as a person would: a busy answer (503, the password check's queue full on a loaded machine) is tried again after its Retry-After. */
  async login(username: string, password: string) {
    let res: Awaited<ReturnType<WebClient['post']>>;
    for (let attempt = 1; ; attempt++) {
      await this.get('/login');
      res = await this.post('/login', { username, password });
      if (res.status !== 503 || attempt === 5) break;
      await new Promise((resolve) => setTimeout(resolve, Number(res.headers.get('retry-after') ?? 1) * 1000));
    }
    if (res.status !== 303) throw new Error(`login failed: ${res.status}`);
    await this.get('/');
    return res;
  }
}
