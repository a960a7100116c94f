// Reading what `lint` checks: files (regular ones, and pipes or devices named on the command line such as
// /dev/stdin or bash's <(helm template ...)), and standard input for `-`. Every read is bounded.
import { open } from 'node:fs/promises';

/**
 * Bytes read at most for a limit of `maxLength` UTF-16 code units: a code unit takes at most 3 bytes of UTF-8, so a
 * text cut at this many bytes is surely over the limit and reported as such.
 */
export function byteBound(maxLength: number): number {
  return maxLength * 3 + 4;
}

/** Concatenate chunks from `next` until it ends or `maxBytes` is passed; decodes UTF-8. */
export async function readChunksBounded(chunks: AsyncIterable<Buffer | string>, maxBytes: number): Promise<string> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const c of chunks) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    parts.push(b);
    total += b.length;
    if (total > maxBytes) break;
  }
  return Buffer.concat(parts).subarray(0, maxBytes + 1).toString('utf8');
}

/** A file of any kind (regular, FIFO, character device), read whole up to `maxBytes`. */
export async function readPathBounded(path: string, maxBytes: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new Error('is a directory');
    const chunk = Buffer.allocUnsafe(1 << 16);
    async function* chunks(): AsyncGenerator<Buffer> {
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) return;
        yield Buffer.from(chunk.subarray(0, bytesRead));
      }
    }
    return await readChunksBounded(chunks(), maxBytes);
  } finally {
    await handle.close();
  }
}
