export class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
}

/**
 * The body of a fetch answer, read chunk by chunk and abandoned (the connection cancelled) as soon
 * as it passes `maxBytes`, so a hostile or broken peer costs at most that much memory.
 */
export async function readBounded(res: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new BodyTooLarge(`the answer declares ${declared} bytes, more than the ${maxBytes} allowed`);
  }
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLarge(`the answer is larger than the ${maxBytes} bytes allowed`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export class NotJson extends Error {
  override name = 'NotJson';
}

/** A bounded body as JSON; NotJson for bytes that are not UTF-8 JSON. */
export async function readBoundedJson(res: Response, maxBytes: number): Promise<unknown> {
  const bytes = await readBounded(res, maxBytes);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new NotJson(`the answer is not UTF-8 JSON: ${(e as Error).message}`);
  }
}
