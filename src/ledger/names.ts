/**
 * How the ledger compares a project or contractor name with a certificate's (SPEC §9): NFKC, every
 * space removed, and 株式会社, (株) and ㈱ alike (NFKC makes ㈱ and （株） into (株)).
 */
export function nameKey(name: string): string {
  return name.normalize('NFKC').replace(/\s+/gu, '').replaceAll('(株)', '株式会社');
}
