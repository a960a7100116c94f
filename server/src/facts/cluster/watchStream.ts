// One watch request (`?watch=true`), read as the API server writes it: one JSON event per line. Done here rather than
// with the library's `Watch` for two reasons the library does not let us configure: it follows redirects (node-fetch,
// up to 20 hops, re-sending the bearer token and the client certificate to wherever a 3xx points), and it splits the
// stream with readline, whose line buffer has no bound (an endless line grows until the process dies). The agent and
// the headers (TLS, client certificates, tokens, exec plugins, proxies) still come from the library, through
// `KubeConfig.applyToHTTPSOptions`, exactly as for the lists (./http.ts).
import * as http from 'node:http';
import * as https from 'node:https';
import { classifySocketError, HttpError } from './http';

/**
 * The longest event line accepted. An object the API server can hold is smaller than etcd's request limit
 * (`--max-request-bytes`, 1.5 MiB by default: etcd server/embed/config.go, DefaultMaxRequestBytes); a watch event
 * wraps one object, so 4 MiB is generous, and bounds what one line can cost.
 */
export const MAX_WATCH_LINE_BYTES = 4 * 1024 * 1024;

export interface WatchConnection {
  /** The cluster's `server`, without a trailing slash (may carry a path prefix). */
  server: string;
  agent: http.Agent;
  headers: Record<string, string>;
  auth?: string;
  connectTimeoutMs: number;
  maxLineBytes?: number;
}

export type WatchEnd =
  | { kind: 'closed' }
  /** A 3xx: its Location is not followed, so no credential goes anywhere but the kubeconfig's server. */
  | { kind: 'redirect'; status: number }
  | { kind: 'status'; status: number }
  | { kind: 'line-too-long'; maxLineBytes: number }
  | { kind: 'error'; error: HttpError };

/**
 * Start watching `path` (with its query). `onEvent` gets each parsed line (lines that are not JSON are skipped, as
 * the library does); `onEnd` is called once, when the stream ends for whatever reason. Returns a function that ends
 * it (then `onEnd` is not called).
 */
export function watchJsonLines(conn: WatchConnection, path: string, onEvent: (type: string, object: unknown) => void, onEnd: (end: WatchEnd) => void): () => void {
  const maxLine = conn.maxLineBytes ?? MAX_WATCH_LINE_BYTES;
  let ended = false;
  let req: http.ClientRequest | undefined;
  const timer: { connect?: NodeJS.Timeout } = {};
  const end = (e: WatchEnd, notify = true) => {
    if (ended) return;
    ended = true;
    clearTimeout(timer.connect);
    req?.destroy();
    if (notify) onEnd(e);
  };
  let url: URL;
  try {
    url = new URL(conn.server + path);
  } catch {
    queueMicrotask(() => end({ kind: 'error', error: new HttpError('network', 'invalid server URL') }));
    return () => end({ kind: 'closed' }, false);
  }
  const mod = url.protocol === 'http:' ? http : https;
  try {
    req = mod.request(url, {
      method: 'GET',
      agent: conn.agent,
      headers: { ...conn.headers, Accept: 'application/json', 'User-Agent': 'kube-ip-guard' },
      ...(conn.auth ? { auth: conn.auth } : {}),
    });
  } catch (e) {
    queueMicrotask(() => end({ kind: 'error', error: classifySocketError(e) }));
    return () => end({ kind: 'closed' }, false);
  }
  timer.connect = setTimeout(() => end({ kind: 'error', error: new HttpError('connect-timeout', `could not connect within ${conn.connectTimeoutMs} ms`) }), conn.connectTimeoutMs);
  req.on('error', (e) => end({ kind: 'error', error: classifySocketError(e) }));
  req.on('response', (res) => {
    clearTimeout(timer.connect);
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      res.resume();
      return end(status >= 300 && status < 400 ? { kind: 'redirect', status } : { kind: 'status', status });
    }
    // The current line, as the chunks it arrived in (never more than maxLine bytes of them).
    let partial: Buffer[] = [];
    let partialBytes = 0;
    const emit = (line: Buffer) => {
      if (line.length === 0) return;
      let data: { type?: unknown; object?: unknown };
      try {
        data = JSON.parse(line.toString('utf8')) as typeof data;
      } catch {
        return;
      }
      if (typeof data?.type === 'string') onEvent(data.type, data.object);
    };
    res.on('data', (chunk: Buffer) => {
      if (ended) return;
      let start = 0;
      for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, nl);
        if (partialBytes + piece.length > maxLine) return end({ kind: 'line-too-long', maxLineBytes: maxLine });
        emit(partial.length ? Buffer.concat([...partial, piece]) : piece);
        partial = [];
        partialBytes = 0;
        start = nl + 1;
        if (ended) return;
      }
      const rest = chunk.subarray(start);
      if (partialBytes + rest.length > maxLine) return end({ kind: 'line-too-long', maxLineBytes: maxLine });
      if (rest.length) {
        partial.push(rest);
        partialBytes += rest.length;
      }
    });
    res.on('end', () => end({ kind: 'closed' }));
    res.on('close', () => end({ kind: 'closed' }));
    res.on('error', (e) => end({ kind: 'error', error: classifySocketError(e) }));
  });
  req.end();
  return () => end({ kind: 'closed' }, false);
}
