// Every string the cluster loader hands out (messages, `missing` entries, log lines) goes through a Redactor.
// Messages are built from our own words and never from server bodies, plugin output or library error texts, so
// this is the second line of defence: it removes the secrets we know of (the kubeconfig's tokens, passwords and
// keys, the credential an exec plugin returned) and anything that looks like a bearer token or a JWT.

const MIN_SECRET = 6;

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remember a secret (and, for PEM/base64 blobs, its lines) so it can never appear in output. */
  add(value: unknown): void {
    if (value === undefined || value === null) return;
    const text = Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'string' ? value : undefined;
    if (!text) return;
    const trimmed = text.trim();
    if (trimmed.length >= MIN_SECRET) this.secrets.add(trimmed);
    // PEM keys: each base64 line on its own, so a partial echo is caught as well.
    for (const line of trimmed.split(/\r?\n/)) {
      const l = line.trim();
      if (l.length >= 16 && !l.startsWith('-----')) this.secrets.add(l);
    }
  }

  /** Remember what a request carries: the Authorization header, basic auth, client key. */
  addRequestOptions(o: { headers?: unknown; auth?: unknown; key?: unknown; passphrase?: unknown }): void {
    const headers = (o.headers ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(headers)) {
      if (!/^(authorization|proxy-authorization)$/i.test(name)) continue;
      const v = Array.isArray(value) ? value.join(' ') : String(value);
      this.add(v);
      const m = /^\s*\S+\s+(\S+)/.exec(v);
      if (m) this.add(m[1]);
    }
    this.add(o.auth);
    if (typeof o.auth === 'string' && o.auth.includes(':')) this.add(o.auth.slice(o.auth.indexOf(':') + 1));
    this.add(o.key);
    this.add(o.passphrase);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) {
      if (out.includes(s)) out = out.split(s).join('[redacted]');
    }
    return genericRedact(out);
  }
}

/** Token-shaped things, whatever their origin. */
export function genericRedact(text: string): string {
  return text
    .replace(/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, '$1 [redacted]')
    .replace(/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[redacted]')
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[redacted]')
    .replace(/\b(token|password|secret|key)(["']?\s*[:=]\s*["']?)[^\s"',}]{6,}/gi, '$1$2[redacted]')
    .replace(/[\r\n]+/g, ' ');
}

/** A server URL without userinfo, query or fragment (`https://host:6443/prefix`). */
export function sanitizeServerUrl(server: string): string {
  try {
    const u = new URL(server);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid server URL)';
  }
}
