/** A LIKE pattern matching text that contains `text`: `%`, `_` and `\` in it are literal characters, not wildcards. */
export function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
