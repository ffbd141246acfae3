/** A LIKE pattern matching text that contains `text`: `%`, `_` and `\` in it are literal characters, not wildcards. */
export function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Whether every term has a trigram a GIN trigram index can look up: one under three characters has none, and the index would read all of itself. */
export function hasTrigrams(terms: readonly string[]): boolean {
  return terms.length > 0 && terms.every((term) => [...term].length >= 3);
}
