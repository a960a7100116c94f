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

/**
 * Whether `value` looks like a credential rather than a word of prose: long enough, and not only lowercase letters
 * (with hyphens), as words of a message are ("cluster", "unauthorized", "not-found"). Tokens, passwords and keys
 * carry digits, capitals or symbols.
 */
function credentialShaped(value: string): boolean {
  return value.length >= 6 && !/^[a-z]+(-[a-z]+)*$/.test(value);
}

/**
 * Token-shaped values, whatever their origin: after `Bearer`/`Basic`, a JWT, a PEM private key, and the value of a
 * `token:`/`password=`/`secret`/`key` pair whose key is a word of its own. Only the value goes: in
 * `context 401-token: cluster c-401` "401-token" is a name, and "cluster" a word, so nothing is redacted.
 */
export function genericRedact(text: string): string {
  return text
    .replace(/\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]{6,})/gi, (m, scheme: string, space: string, value: string) => (credentialShaped(value) ? `${scheme}${space}[redacted]` : m))
    .replace(/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[redacted]')
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[redacted]')
    .replace(/(^|[^\w.-])(token|password|secret|key)(["']?\s*[:=]\s*["']?)([^\s"',}]{6,})/gi, (m, before: string, key: string, sep: string, value: string) =>
      credentialShaped(value) ? `${before}${key}${sep}[redacted]` : m,
    )
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
