// A minimal, strictly time-bounded JSON GET over the agent and headers that @kubernetes/client-node prepared from
// the kubeconfig (TLS, client certificates, proxies, bearer/exec/basic auth all come from the library through
// `KubeConfig.applyToHTTPSOptions`). We do the request ourselves only to own the timeouts, the cancellation and
// the error classification; the library's generated clients offer neither a connect timeout nor a way to tell
// "refused" from "dropped mid-body", and their deserializer is much slower on 5,000-node lists.
import * as http from 'node:http';
import * as https from 'node:https';
import * as zlib from 'node:zlib';
import { whenAborted } from './abort';

export type HttpErrorKind = 'status' | 'timeout' | 'connect-timeout' | 'network' | 'dropped' | 'tls' | 'parse' | 'aborted' | 'too-large';

export class HttpError extends Error {
  constructor(
    readonly kind: HttpErrorKind,
    message: string,
    readonly status?: number,
    readonly code?: string,
    /** `reason` from a Kubernetes Status body (e.g. "Forbidden", "Expired"); never its free-text message. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface Connection {
  /** The cluster's `server`, without a trailing slash (may carry a path prefix). */
  server: string;
  agent: http.Agent;
  headers: Record<string, string>;
  /** Basic auth `user:password`, when the kubeconfig has it. */
  auth?: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  signal: AbortSignal;
  maxBytes: number;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN',
  'EPIPE', 'ECONNABORTED', 'EADDRNOTAVAIL', 'ETIMEDOUT', 'ERR_SOCKET_CLOSED', 'UND_ERR_SOCKET',
]);

export interface JsonResponse {
  status: number;
  body: unknown;
  ms: number;
}

/** GET `path` (with query) and parse JSON. 2xx resolves; anything else rejects with an HttpError. Always settles. */
export function getJson(conn: Connection, path: string): Promise<JsonResponse> {
  return requestJson(conn, path);
}

/** A request with a body (a JSON patch), under the same bounds and classification as `getJson`. */
export interface RequestBody {
  method: 'PATCH' | 'POST' | 'PUT';
  contentType: string;
  body: string;
}

export function requestJson(conn: Connection, path: string, send?: RequestBody): Promise<JsonResponse> {
  const started = Date.now();
  return new Promise<JsonResponse>((resolve, reject) => {
    let settled = false;
    let req: http.ClientRequest | undefined;
    const timers: NodeJS.Timeout[] = [];
    const cleanup = () => {
      for (const t of timers) clearTimeout(t);
      stopWaiting();
    };
    const fail = (e: HttpError) => {
      if (settled) return;
      settled = true;
      cleanup();
      req?.destroy();
      reject(e);
    };
    const done = (r: JsonResponse) => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(r);
    };
    let stopWaiting = () => undefined as void;
    if (conn.signal.aborted) return fail(new HttpError('aborted', 'cancelled'));
    stopWaiting = whenAborted(conn.signal, () => fail(new HttpError('aborted', 'cancelled')));

    let url: URL;
    try {
      url = new URL(conn.server + path);
    } catch {
      return fail(new HttpError('network', 'invalid server URL'));
    }
    const mod = url.protocol === 'http:' ? http : https;
    try {
      req = mod.request(url, {
        method: send?.method ?? 'GET',
        agent: conn.agent,
        headers: {
          ...conn.headers,
          Accept: 'application/json',
          'Accept-Encoding': 'gzip',
          'User-Agent': 'kube-ip-guard',
          ...(send ? { 'Content-Type': send.contentType, 'Content-Length': String(Buffer.byteLength(send.body)) } : {}),
        },
        ...(conn.auth ? { auth: conn.auth } : {}),
      });
    } catch (e) {
      return fail(new HttpError('network', 'request could not be made', undefined, errCode(e)));
    }
    timers.push(setTimeout(() => fail(new HttpError('timeout', `no complete answer within ${conn.requestTimeoutMs} ms`)), conn.requestTimeoutMs));
    const connectTimer = setTimeout(
      () => fail(new HttpError('connect-timeout', `could not connect within ${conn.connectTimeoutMs} ms`)),
      conn.connectTimeoutMs,
    );
    timers.push(connectTimer);
    req.on('socket', (socket) => {
      if (!socket.connecting) clearTimeout(connectTimer);
      else socket.once('connect', () => clearTimeout(connectTimer));
    });
    req.on('error', (e) => fail(classifySocketError(e)));
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      const status = res.statusCode ?? 0;
      let stream: NodeJS.ReadableStream = res;
      if (/^\s*gzip\s*$/i.test(String(res.headers['content-encoding'] ?? ''))) {
        const gunzip = zlib.createGunzip();
        gunzip.on('error', () => fail(new HttpError('parse', 'invalid gzip body')));
        res.pipe(gunzip);
        stream = gunzip;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > conn.maxBytes) return fail(new HttpError('too-large', `response larger than ${conn.maxBytes} bytes`));
        chunks.push(c);
      });
      res.on('error', (e) => fail(isReset(e) ? new HttpError('dropped', 'connection dropped during the response', undefined, errCode(e)) : classifySocketError(e)));
      res.on('close', () => {
        if (!res.complete) fail(new HttpError('dropped', 'connection dropped during the response'));
      });
      stream.on('end', () => {
        if (!res.complete) return fail(new HttpError('dropped', 'connection dropped during the response'));
        const text = Buffer.concat(chunks).toString('utf8');
        chunks.length = 0;
        if (status < 200 || status > 299) {
          let reason: string | undefined;
          try {
            const s = JSON.parse(text) as { reason?: unknown };
            if (typeof s?.reason === 'string' && /^[A-Za-z]{1,40}$/.test(s.reason)) reason = s.reason;
          } catch {
            // not a Status object: nothing to take from it
          }
          return fail(new HttpError('status', `HTTP ${status}`, status, undefined, reason));
        }
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          return fail(new HttpError('parse', 'the answer is not valid JSON'));
        }
        done({ status, body, ms: Date.now() - started });
      });
    });
    req.end(send?.body);
  });
}

function errCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown })?.code;
  return typeof c === 'string' ? c : undefined;
}

function isReset(e: unknown): boolean {
  const c = errCode(e);
  return c === 'ECONNRESET' || c === 'ERR_STREAM_PREMATURE_CLOSE' || (e as Error)?.message === 'aborted';
}

const TLS_TEXT: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed and not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate chain is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate is not signed by the cluster CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the server certificate is not signed by the cluster CA',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not match the host name',
};

export function classifySocketError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  const code = errCode(e);
  if (code && TLS_TEXT[code]) return new HttpError('tls', `TLS: ${TLS_TEXT[code]} (${code})`, undefined, code);
  if (code && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code.includes('CERT'))) {
    return new HttpError('tls', `TLS handshake failed (${code})`, undefined, code);
  }
  if (code === 'ECONNRESET' || (e as Error)?.message === 'socket hang up') {
    return new HttpError('dropped', 'the connection was closed by the server', undefined, code);
  }
  if (code && NETWORK_CODES.has(code)) return new HttpError('network', describeNetworkCode(code), undefined, code);
  return new HttpError('network', code ? `network error (${code})` : 'network error', undefined, code);
}

function describeNetworkCode(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found (DNS)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return 'no route to host';
    case 'ETIMEDOUT':
      return 'connection timed out';
    default:
      return `network error (${code})`;
  }
}
