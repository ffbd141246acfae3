/** Module resolve hook for bench/lib/proto/register.ts: src module → prototype, except for the prototype's own import of it. */
const REPLACES: Record<string, string> = {
  'audit-per-call': '/src/auditlog/log.ts',
  'issuer-per-token': '/src/feed/keystore.ts',
  'per-set-ingest': '/src/feed/ingest.ts',
};
let active: Array<{ target: string; proto: string }> = [];

export function initialize(data: { protos: string[] }): void {
  active = data.protos.map((name) => {
    if (!REPLACES[name]) throw new Error(`unknown prototype ${name}`);
    return { target: REPLACES[name]!, proto: new URL(`./${name}.ts`, import.meta.url).href };
  });
}

type Next = (specifier: string, context: { parentURL?: string }) => Promise<{ url: string; format?: string | null; shortCircuit?: boolean }>;

export async function resolve(specifier: string, context: { parentURL?: string }, next: Next) {
  const resolved = await next(specifier, context);
  for (const a of active) {
    if (resolved.url.endsWith(a.target) && context.parentURL !== a.proto) return { ...resolved, url: a.proto, shortCircuit: true };
  }
  return resolved;
}
