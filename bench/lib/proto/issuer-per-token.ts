/**
 * src/feed/keystore.ts as it was before verifySet shared issuer lookups, loaded only by benchmarks
 * (see register.ts): one issuers query per SET checked.
 */
import type { Sql } from '../../../src/db/index.js';
import { findIssuer, type Issuer } from '../../../src/feed/issuers.js';
import { KeyStore as SharedLookups, type KeyStoreOptions } from '../../../src/feed/keystore.js';

export * from '../../../src/feed/keystore.js';

export class KeyStore extends SharedLookups {
  constructor(
    private readonly db: Sql,
    opts: KeyStoreOptions,
  ) {
    super(db, opts);
  }

  override issuerByIss(iss: string): Promise<Issuer | null> {
    return findIssuer(this.db, { iss });
  }
}
