import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { Queryable, Sql } from '../db/index.js';
import type { Logger } from '../log/index.js';
import { readBoundedJson } from './bounded-read.js';
import { findIssuer, type Issuer } from './issuers.js';
import { parseJwks, toKeyObject, type IssuerKey, type SigningAlg } from './jwks.js';

export interface ResolvedKey extends IssuerKey {
  object: KeyObject;
}

/** A JWKS is a few keys; anything near this size is not one. */
export const MAX_JWKS_BYTES = 256 * 1024;

/**
 * The key cannot be decided now: its kid is unknown and the issuer's JWKS did not answer usably.
 * Not a refusal (SPEC §2.3): the SET is to be delivered again.
 */
export class KeysUnavailable extends Error {
  override name = 'KeysUnavailable';
}

export interface KeyStoreOptions {
  log: Logger;
  /** SPEC §2.3: an unknown kid refetches the JWKS at most once per this many ms per issuer. */
  refetchCooldownMs?: number;
  fetchTimeoutMs?: number;
}

/**
 * Every key ever accepted for an issuer, from the database (so old certificates verify after a
 * rotation or with the issuer offline), refetching the issuer's JWKS only for an unknown kid.
 */
export class KeyStore {
  private readonly cache = new Map<string, ResolvedKey>();
  private readonly lastFetch = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** why the issuer's last JWKS fetch failed; absent once one succeeded */
  private readonly lastFailure = new Map<string, string>();
  private readonly issuerLookups = new Map<string, Promise<Issuer | null>>();
  private readonly cooldownMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly sql: Sql,
    private readonly opts: KeyStoreOptions,
  ) {
    this.cooldownMs = opts.refetchCooldownMs ?? 5_000;
    this.timeoutMs = opts.fetchTimeoutMs ?? 5_000;
  }

  /**
   * The key, or null when unknown even after the refetch the cooldown allows (or `offline`).
   * Throws KeysUnavailable when the kid is unknown and the issuer's last JWKS fetch failed: then
   * nothing proves the kid is not the issuer's.
   */
  async find(issuer: Issuer, kid: string, opts: { offline?: boolean } = {}): Promise<ResolvedKey | null> {
    const known = await this.fromStore(issuer.id, kid);
    if (known || opts.offline || !issuer.jwksUri) return known;
    await this.refetch(issuer);
    const fetched = await this.fromStore(issuer.id, kid);
    const failure = this.lastFailure.get(issuer.id);
    if (!fetched && failure)
      throw new KeysUnavailable(`kid ${JSON.stringify(kid)} is unknown and the JWKS of issuer ${issuer.id} cannot be read now: ${failure}`);
    return fetched;
  }

  /**
   * The issuer registered under `iss`, read once for all the checks that ask while that read is
   * under way (a poll page, concurrent pushes): one query per group of SETs instead of one per SET.
   * Nothing is kept after the read ends, so a removal or a new issuer counts for every SET whose
   * check starts after the read that saw it, in this instance or another.
   */
  issuerByIss(iss: string): Promise<Issuer | null> {
    const running = this.issuerLookups.get(iss);
    if (running) return running;
    const lookup = findIssuer(this.sql, { iss }).finally(() => this.issuerLookups.delete(iss));
    this.issuerLookups.set(iss, lookup);
    return lookup;
  }

  async keysOf(issuerId: string): Promise<IssuerKey[]> {
    const rows = await this.sql<{ kid: string; alg: SigningAlg; jwk: JWK; thumbprint: string }[]>`
      select kid, alg, jwk, thumbprint from issuer_keys where issuer_id = ${issuerId} order by first_seen`;
    return rows.map((r) => ({ kid: r.kid, alg: r.alg, jwk: r.jwk, thumbprint: r.thumbprint }));
  }

  /** Fetches the issuer's JWKS now, unless it was fetched within the cooldown; joins a fetch under way. */
  refetch(issuer: Issuer): Promise<void> {
    const running = this.inFlight.get(issuer.id);
    if (running) return running;
    const last = this.lastFetch.get(issuer.id) ?? 0;
    if (Date.now() - last < this.cooldownMs || !issuer.jwksUri) return Promise.resolve();
    this.lastFetch.set(issuer.id, Date.now());
    const p = this.fetchAndStore(issuer, issuer.jwksUri).finally(() => this.inFlight.delete(issuer.id));
    this.inFlight.set(issuer.id, p);
    return p;
  }

  private async fetchAndStore(issuer: Issuer, uri: string): Promise<void> {
    try {
      const res = await fetch(uri, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } });
      if (!res.ok) {
        await res.body?.cancel().catch(() => {});
        throw new Error(`JWKS answered HTTP ${res.status}`);
      }
      const { keys, refused } = await parseJwks(await readBoundedJson(res, MAX_JWKS_BYTES));
      for (const r of refused) this.opts.log.warn('issuer key refused', { issuer: issuer.id, kid: r.kid, reason: r.reason });
      await storeKeys(this.sql, issuer.id, keys, this.opts.log);
      await this.sql`update issuer_poll_state set jwks_fetched_at = now() where issuer_id = ${issuer.id}`;
      this.lastFailure.delete(issuer.id);
    } catch (e) {
      this.lastFailure.set(issuer.id, (e as Error).message);
      this.opts.log.warn('JWKS fetch failed', { issuer: issuer.id, uri, err: e });
    }
  }

  private async fromStore(issuerId: string, kid: string): Promise<ResolvedKey | null> {
    const cacheKey = `${issuerId}\u0000${kid}`;
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const [row] = await this.sql<{ alg: SigningAlg; jwk: JWK; thumbprint: string }[]>`
      select alg, jwk, thumbprint from issuer_keys where issuer_id = ${issuerId} and kid = ${kid}`;
    if (!row) return null;
    const resolved = { kid, alg: row.alg, jwk: row.jwk, thumbprint: row.thumbprint, object: toKeyObject(row.jwk) };
    this.cache.set(cacheKey, resolved);
    return resolved;
  }
}

/**
 * Adds keys never seen before and marks known ones seen. A different key published under a kid
 * already kept is refused: the kept one may have signed archived certificates.
 */
export async function storeKeys(db: Queryable, issuerId: string, keys: IssuerKey[], log: Logger): Promise<void> {
  for (const k of keys) {
    const [row] = await db<{ thumbprint: string }[]>`
      insert into issuer_keys (issuer_id, kid, jwk, alg, thumbprint)
      values (${issuerId}, ${k.kid}, ${db.json(k.jwk as never)}, ${k.alg}, ${k.thumbprint})
      on conflict (issuer_id, kid) do update set last_seen = now() where issuer_keys.thumbprint = excluded.thumbprint
      returning thumbprint`;
    if (!row) {
      log.warn('issuer published a different key under a kid already kept; the kept key stays', { issuer: issuerId, kid: k.kid });
    }
  }
}
