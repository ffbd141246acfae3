import { z } from 'zod';
import type { Queryable } from '../db/index.js';

export interface Issuer {
  id: string;
  iss: string;
  name: string;
  jwksUri: string | null;
  jwksInline: unknown | null;
  feedUrl: string | null;
  feedToken: string | null;
  createdAt: Date;
  removedAt: Date | null;
}

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
export const issuerInputSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, - or _ (at most 63)'),
    iss: z.string().min(1, 'must not be empty').max(512),
    name: z.string().min(1).max(200).optional(),
    jwksUri: httpUrl.optional(),
    jwksInline: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1, 'must hold at least one key') }).optional(),
    feedUrl: httpUrl.optional(),
    feedToken: z.string().min(1).max(4096).optional(),
  })
  .refine((i) => i.jwksUri || i.jwksInline, { message: 'a JWKS URI or an inline JWKS is required', path: ['jwksUri'] })
  .refine((i) => !i.feedToken || i.feedUrl, { message: 'a feed token needs a feed URL', path: ['feedToken'] });
export type IssuerInput = z.infer<typeof issuerInputSchema>;

type Row = {
  id: string;
  iss: string;
  name: string;
  jwks_uri: string | null;
  jwks_inline: unknown;
  feed_url: string | null;
  feed_token: string | null;
  created_at: Date;
  removed_at: Date | null;
};
const fromRow = (r: Row): Issuer => ({
  id: r.id,
  iss: r.iss,
  name: r.name,
  jwksUri: r.jwks_uri,
  jwksInline: r.jwks_inline,
  feedUrl: r.feed_url,
  feedToken: r.feed_token,
  createdAt: r.created_at,
  removedAt: r.removed_at,
});

export async function insertIssuer(db: Queryable, input: IssuerInput): Promise<Issuer> {
  const [row] = await db<Row[]>`
    insert into issuers (id, iss, name, jwks_uri, jwks_inline, feed_url, feed_token)
    values (${input.id}, ${input.iss}, ${input.name ?? input.id}, ${input.jwksUri ?? null},
            ${input.jwksInline ? db.json(input.jwksInline as never) : null}, ${input.feedUrl ?? null}, ${input.feedToken ?? null})
    returning *`;
  await db`insert into issuer_poll_state (issuer_id) values (${input.id})`;
  return fromRow(row!);
}

export async function listIssuers(db: Queryable, opts: { includeRemoved?: boolean } = {}): Promise<Issuer[]> {
  const rows = await db<Row[]>`select * from issuers where ${opts.includeRemoved ? db`true` : db`removed_at is null`} order by id`;
  return rows.map(fromRow);
}

export async function findIssuer(db: Queryable, by: { id: string } | { iss: string }): Promise<Issuer | null> {
  const [row] = 'id' in by ? await db<Row[]>`select * from issuers where id = ${by.id}` : await db<Row[]>`select * from issuers where iss = ${by.iss}`;
  return row ? fromRow(row) : null;
}

/** Removal stops new events; the issuer's keys and certificates stay, so archives still verify. */
export async function removeIssuer(db: Queryable, id: string): Promise<boolean> {
  const rows = await db`update issuers set removed_at = now() where id = ${id} and removed_at is null returning id`;
  return rows.length === 1;
}
