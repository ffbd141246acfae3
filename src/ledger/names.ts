import { normaliseName } from '../auth/index.js';

/**
 * How the ledger compares a project or contractor name with a certificate's (SPEC §9): as obligee
 * names compare (NFKC, no spaces), and 株式会社, (株) and ㈱ alike (NFKC makes ㈱ and （株） into (株)).
 */
export function nameKey(name: string): string {
  return normaliseName(name).replaceAll('(株)', '株式会社');
}
