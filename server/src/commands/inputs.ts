// Reading what `lint` checks: files (regular ones, and pipes or devices named on the command line such as
// /dev/stdin or bash's <(helm template ...)), and standard input for `-`. Every read is bounded.
import { open } from 'node:fs/promises';

/** UTF-16 code units that these UTF-8 bytes decode to: one per lead byte, two for a 4-byte sequence. */
function utf16Units(b: Buffer): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c < 0x80 || c >= 0xc0) n += c >= 0xf0 ? 2 : 1;
  }
  return n;
}

/**
 * Concatenate chunks until they end or hold more than `maxLength` UTF-16 code units (the engine's size limit), then
 * decode them as UTF-8. A text cut short is over the limit, so the engine reports it as skipped: memory stays
 * proportional to the limit whatever the input (/dev/zero, an endless pipe).
 */
export async function readChunksBounded(chunks: AsyncIterable<Buffer | string>, maxLength: number): Promise<string> {
  const parts: Buffer[] = [];
  let units = 0;
  for await (const c of chunks) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    parts.push(b);
    units += utf16Units(b);
    if (units > maxLength) break;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** A file of any kind (regular, FIFO, character device), read whole up to `maxLength` code units (and a bit). */
export async function readPathBounded(path: string, maxLength: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new Error('is a directory');
    // A regular file's size is known: read it whole when it cannot be far over the limit (a UTF-16 code unit takes
    // at most 3 bytes), so that the size reported for a file over the limit is its own.
    if (st.isFile() && st.size <= maxLength * 3 + 4) return await handle.readFile('utf8');
    const chunk = Buffer.allocUnsafe(1 << 16);
    async function* chunks(): AsyncGenerator<Buffer> {
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) return;
        yield Buffer.from(chunk.subarray(0, bytesRead));
      }
    }
    return await readChunksBounded(chunks(), maxLength);
  } finally {
    await handle.close();
  }
}
