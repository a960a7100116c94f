// Kubeconfig selection and merging (kubectl's rules), on top of @kubernetes/client-node, which parses each file and
// does all authentication. The library is ESM-only, so it is loaded with a dynamic import (this also keeps it out
// of the language server's start-up until a cluster is actually asked for).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { parse as parseYaml } from 'yaml';
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

export type K8sModule = typeof K8s;
export type KubeConfig = K8s.KubeConfig;

let k8sPromise: Promise<K8sModule> | undefined;
export function loadK8s(): Promise<K8sModule> {
  k8sPromise ??= import('@kubernetes/client-node').then((m) => {
    boundExecPlugins(m);
    return m;
  });
  return k8sPromise;
}

/** How long an exec credential plugin may run before it is killed. Set per load (the request timeout). */
let execTimeoutMs = 10_000;
export function setExecTimeout(ms: number): void {
  execTimeoutMs = Math.max(100, ms);
}

/**
 * How many plugins our timer has killed so far. The library reports a killed plugin as a plain failure; a load that
 * sees this count move knows its plugin overran the timeout, whichever of the two timers fired first.
 */
let execTimeouts = 0;
export function execTimeoutCount(): number {
  return execTimeouts;
}

/**
 * The library spawns exec credential plugins (client-node's ExecAuth, through its overridable `execFn`) without a
 * time limit, and waits for the child's 'close', which comes only when every holder of its stdout and stderr has
 * gone: a plugin that leaves a child behind (a wrapper script, a browser-login helper) keeps that child alive and
 * the caller waiting on its pipe. So the plugin runs in a process group of its own; the whole group is killed, and
 * the pipes closed, when the plugin exits (its leftovers die with it) and when it overruns the timeout. Guarded: if
 * the library's shape changes we leave it alone (our own timer still bounds the load). On Windows, where process
 * groups are not signalled this way, only the plugin itself is killed.
 */
function boundExecPlugins(m: K8sModule): void {
  const list = (m.KubeConfig as unknown as { authenticators?: unknown }).authenticators;
  if (!Array.isArray(list)) return;
  for (const a of list) {
    const auth = a as { execFn?: unknown; getCredential?: unknown; __kipgBounded?: boolean };
    if (typeof auth.execFn !== 'function' || typeof auth.getCredential !== 'function' || auth.__kipgBounded) continue;
    auth.execFn = (command: string, args: readonly string[] | undefined, opts: Record<string, unknown>) => spawnExecPlugin(command, args ?? [], opts, execTimeoutMs);
    auth.__kipgBounded = true;
  }
}

/** How long the pipes may stay open after the plugin exited and its group was killed (data still in flight). */
const PIPE_GRACE_MS = 1_000;

/** Plugin process groups still running, killed if this process exits first (e.g. the CLI ending on an error). */
const liveGroups = new Set<number>();
let exitHook = false;

/** Spawn an exec credential plugin that can leave nothing behind (see boundExecPlugins). */
function spawnExecPlugin(command: string, args: readonly string[], opts: Record<string, unknown>, timeoutMs: number): ChildProcess {
  const group = process.platform !== 'win32';
  const child = spawn(command, args, { ...opts, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
  const pid = child.pid;
  const killAll = () => {
    if (pid) liveGroups.delete(pid);
    try {
      if (group && pid) process.kill(-pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // the group is already empty
    }
  };
  if (group && pid) {
    liveGroups.add(pid);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const g of liveGroups) {
          try {
            process.kill(-g, 'SIGKILL');
          } catch {
            // gone
          }
        }
      });
    }
  }
  const closePipes = () => {
    child.stdout?.destroy();
    child.stderr?.destroy();
  };
  // Our own timer rather than spawn's `timeout`, which stays armed when the command does not exist.
  const timer = setTimeout(() => {
    execTimeouts++;
    killAll();
    closePipes();
  }, timeoutMs);
  let grace: NodeJS.Timeout | undefined;
  child.once('exit', () => {
    clearTimeout(timer);
    // What the plugin wrote is already in the pipe; only leftovers of the plugin still hold its other end.
    killAll();
    grace = setTimeout(closePipes, PIPE_GRACE_MS);
    grace.unref();
  });
  child.once('error', () => clearTimeout(timer));
  child.once('close', () => {
    clearTimeout(timer);
    if (grace) clearTimeout(grace);
  });
  return child;
}

export interface KubeconfigFileOptions {
  kubeconfigPath?: string;
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') || p.startsWith('~\\') ? path.join(os.homedir(), p.slice(1)) : p;
}

/**
 * The kubeconfig files in play, in precedence order, like kubectl: the explicit path; else every entry of
 * KUBECONFIG (joined with the platform's path delimiter; empty entries skipped; files that do not exist are
 * listed too, so a watcher sees them appear); else ~/.kube/config.
 */
export function kubeconfigFiles(opts: KubeconfigFileOptions = {}): string[] {
  if (opts.kubeconfigPath) return [path.resolve(expandHome(opts.kubeconfigPath))];
  const env = process.env.KUBECONFIG;
  if (env && env.length > 0) {
    const seen = new Set<string>();
    for (const entry of env.split(path.delimiter)) {
      if (!entry) continue;
      seen.add(path.resolve(expandHome(entry)));
    }
    if (seen.size > 0) return [...seen];
  }
  return [path.join(os.homedir(), '.kube', 'config')];
}

export class KubeconfigError extends Error {
  constructor(message: string, readonly noConfig = false) {
    super(message);
  }
}

/** Why a kubeconfig file could not be read, in words that cannot carry its content. */
function describeLoadError(e: unknown, file: string): string {
  const err = e as { name?: string; code?: unknown; mark?: { line?: number }; message?: unknown };
  if (err?.name === 'YAMLException') {
    const line = typeof err.mark?.line === 'number' ? ` at line ${err.mark.line + 1}` : '';
    return `${file}: invalid YAML${line}`;
  }
  if (typeof err?.code === 'string') {
    const p = (e as { path?: unknown }).path;
    return `${file}: cannot read ${typeof p === 'string' && p !== file ? `${p} ` : ''}(${err.code})`;
  }
  const msg = typeof err?.message === 'string' ? err.message : '';
  if (/^(clusters|users|contexts)\[\d+\]\.[\w.]+ is missing$/.test(msg)) return `${file}: ${msg}`;
  return `${file}: not a valid kubeconfig`;
}

/** The most a kubeconfig, or a file it names (a CA, a client certificate or key, a token file), may weigh. */
export const MAX_KUBECONFIG_BYTES = 16 * 1024 * 1024;

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'named pipe';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  if (st.isDirectory()) return 'directory';
  if (st.isSocket()) return 'socket';
  return 'special file';
}

const mib = (n: number) => `${(n / 1048576).toFixed(n < 10 * 1048576 ? 1 : 0)} MiB`;

/**
 * The text of `file` if it is a regular file of at most `max` bytes, checked on the open descriptor before anything
 * is read: a named pipe would block the thread for ever, /dev/zero would fill the memory. Opened with O_NONBLOCK,
 * so that opening a pipe returns at once; at most `max` + 1 bytes are read, in case the file grows meanwhile.
 */
export function readRegularFile(file: string, max = MAX_KUBECONFIG_BYTES): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new KubeconfigError(`${file}: a ${kindOf(st)}, not a regular file; not read`);
    if (st.size > max) throw new KubeconfigError(`${file}: ${mib(st.size)}, over the ${mib(max)} a kubeconfig may have; not read`);
    const buf = Buffer.alloc(Math.min(st.size, max) + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = fs.readSync(fd, buf, n, buf.length - n, null);
    if (n > max) throw new KubeconfigError(`${file}: over the ${mib(max)} a kubeconfig may have; not read`);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The files a kubeconfig names are read by the library (a token file even while it parses): each must be a regular
 * file within the bound too. Paths are tried as the library reads them (relative to the working directory while
 * parsing, to the kubeconfig's directory afterwards); one that does not exist is left to the library to report.
 */
function checkNamedFiles(text: string, file: string, max: number): void {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch {
    return; // the library reports the YAML error
  }
  const d = doc as { clusters?: unknown; users?: unknown };
  const named: [string, unknown][] = [];
  for (const c of Array.isArray(d?.clusters) ? d.clusters : []) {
    const cl = (c as { cluster?: Record<string, unknown> })?.cluster;
    named.push(['certificate-authority', cl?.['certificate-authority']]);
  }
  for (const u of Array.isArray(d?.users) ? d.users : []) {
    const us = (u as { user?: Record<string, unknown> })?.user;
    for (const key of ['client-certificate', 'client-key', 'token-file', 'tokenFile']) named.push([key, us?.[key]]);
    const ap = us?.['auth-provider'] as { config?: Record<string, unknown> } | undefined;
    named.push(['auth-provider tokenFile', ap?.config?.tokenFile]);
  }
  for (const [key, value] of named) {
    if (typeof value !== 'string' || !value) continue;
    for (const candidate of new Set([path.resolve(value), path.resolve(path.dirname(file), value)])) {
      let st: fs.Stats;
      try {
        st = fs.statSync(candidate);
      } catch {
        continue;
      }
      if (!st.isFile()) throw new KubeconfigError(`${file}: its ${key} ${candidate} is a ${kindOf(st)}, not a regular file; not read`);
      if (st.size > max) throw new KubeconfigError(`${file}: its ${key} ${candidate} is ${mib(st.size)}, over the ${mib(max)} allowed; not read`);
    }
  }
}

/**
 * Load and merge the files like kubectl: for clusters, users and contexts the first file that defines a name wins
 * (later duplicates are ignored, not an error), and the first non-empty current-context wins. Files that do not
 * exist are skipped; an empty file counts as an empty config.
 */
export async function loadMergedKubeConfig(files: string[]): Promise<{ kc: KubeConfig; read: string[] }> {
  const k8s = await loadK8s();
  const clusters: K8s.Cluster[] = [];
  const users: K8s.User[] = [];
  const contexts: K8s.Context[] = [];
  let currentContext: string | undefined;
  const read: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readRegularFile(file);
    } catch (e) {
      if (e instanceof KubeconfigError) throw e;
      if ((e as { code?: string }).code === 'ENOENT' || (e as { code?: string }).code === 'ENOTDIR') continue;
      throw new KubeconfigError(describeLoadError(e, file));
    }
    read.push(file);
    if (!text.trim()) continue;
    checkNamedFiles(text, file, MAX_KUBECONFIG_BYTES);
    const one = new k8s.KubeConfig();
    try {
      one.loadFromString(text);
      one.makePathsAbsolute(path.dirname(file));
    } catch (e) {
      throw new KubeconfigError(describeLoadError(e, file));
    }
    for (const c of one.getClusters()) if (!clusters.some((x) => x.name === c.name)) clusters.push(c);
    for (const u of one.getUsers()) if (!users.some((x) => x.name === u.name)) users.push(u);
    for (const c of one.getContexts()) if (!contexts.some((x) => x.name === c.name)) contexts.push(c);
    const cur = one.getCurrentContext();
    if (!currentContext && cur) currentContext = cur;
  }
  if (read.length === 0) {
    throw new KubeconfigError(
      files.length === 1 ? `No kubeconfig found at ${files[0]}` : `None of the kubeconfig files exist (${files.join(path.delimiter)})`,
      true,
    );
  }
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({ clusters, users, contexts, currentContext });
  return { kc, read };
}

export interface Selection {
  kc: KubeConfig;
  context: string;
  cluster: K8s.Cluster;
  user: K8s.User | null;
}

/** Pick the context (explicit, else current-context) and check that its cluster exists. */
export function selectContext(kc: KubeConfig, wanted?: string): Selection {
  const name = wanted || kc.getCurrentContext();
  if (!name) {
    throw new KubeconfigError('The kubeconfig has no current context (choose one with `kubectl config use-context`)', true);
  }
  const ctx = kc.getContextObject(name);
  if (!ctx) throw new KubeconfigError(`Context "${name}" is not in the kubeconfig`);
  kc.setCurrentContext(name);
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster) throw new KubeconfigError(`Cluster "${ctx.cluster}" of context "${name}" is not in the kubeconfig`);
  return { kc, context: name, cluster, user: ctx.user ? kc.getUser(ctx.user) : null };
}

export function usesExecPlugin(user: K8s.User | null): boolean {
  if (!user) return false;
  const ap = user.authProvider as { name?: string; config?: { exec?: unknown } } | undefined;
  return !!user.exec || ap?.name === 'exec' || !!ap?.config?.exec;
}

/** The secrets a kubeconfig user entry holds, to feed the Redactor. */
export function userSecrets(user: K8s.User | null): unknown[] {
  if (!user) return [];
  const ap = user.authProvider as { config?: Record<string, unknown> } | undefined;
  const out: unknown[] = [user.token, user.password, user.keyData, user.certData];
  for (const [k, v] of Object.entries(ap?.config ?? {})) {
    if (/token|secret|key|password/i.test(k) && typeof v === 'string') out.push(v);
  }
  const env = (user.exec as { env?: { name?: string; value?: string }[] } | undefined)?.env ?? [];
  for (const e of env) out.push(e?.value);
  return out;
}

/** The library's ExecAuth writes a plugin's `env` into process.env (a bug); snapshot and restore around a call. */
export async function withExecEnvRestored<T>(user: K8s.User | null, fn: () => Promise<T>): Promise<T> {
  const env = (user?.exec as { env?: { name?: string }[] } | undefined)?.env;
  const names = Array.isArray(env) ? env.map((e) => e?.name).filter((n): n is string => typeof n === 'string') : [];
  const before = new Map(names.map((n) => [n, process.env[n]] as const));
  try {
    return await fn();
  } finally {
    for (const [n, v] of before) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  }
}
