// Finding the manifests of a workspace or of a CLI run: *.yaml and *.yml below the given roots, never inside
// node_modules or .git, following symlinks but never around a loop, skipping what the `ignore` globs exclude. Never
// into /proc, /sys or /dev (a link to `/` must not make us crawl the machine), and, for an untrusted workspace, never
// through a link out of it; never through a link to a directory that holds the one searched (`/`, `..`).
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { isHelmValuesFile } from '../engine/manifest';
import { Minimatch } from 'minimatch';

export interface FindOptions {
  /** Globs relative to `base` (the config file's directory or the workspace folder), like .gitignore patterns. */
  ignore?: readonly string[];
  base?: string;
  /** Called once per path that could not be read (unreadable directory, broken link). */
  onSkip?: (path: string, reason: string) => void;
  /** Stop early (the editor closed the folder, a newer scan started). */
  cancelled?: () => boolean;
  /** Real paths that count as inside (an untrusted workspace's folders): a link leading elsewhere is not followed. */
  confine?: readonly string[];
}

/** Pseudo-filesystems of the machine, never crawled: endless, or not files at all. */
const SYSTEM_DIRS = ['/proc', '/sys', '/dev'];

function inside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** May a file whose real path is `real` be read, given the confining roots (already real paths)? */
export function allowedRealPath(real: string, confine?: readonly string[]): boolean {
  return !isSystemPath(real) && (!confine || confine.some((r) => inside(real, r)));
}

function isSystemPath(real: string): boolean {
  return sep === '/' && SYSTEM_DIRS.some((d) => inside(real, d));
}

const MANIFEST = /\.ya?ml$/i;

/**
 * How many patterns one glob's `{…}` alternatives may expand to. Each is a regular expression every path is matched
 * against: minimatch's default (100,000) lets a 24-character `ignore` entry of a hostile workspace config
 * (`{1..100}{1..100}{1..100}`) cost seconds to compile and 10 ms per path, which stalled the workspace index and
 * with it hovers. Real globs use a handful (`*.{yaml,yml}`); past the bound the alternatives are cut.
 */
export const BRACE_EXPANSION_MAX = 64;

/** Each glob compiled once (a brace expansion can be costly), with its "everything below" twin. */
const compiled = new Map<string, [Minimatch, Minimatch]>();
export function matchersOf(glob: string): [Minimatch, Minimatch] {
  let m = compiled.get(glob);
  if (!m) {
    if (compiled.size > 1000) compiled.clear();
    const options = { dot: true, braceExpandMax: BRACE_EXPANSION_MAX };
    m = [new Minimatch(glob, { ...options, matchBase: !glob.includes('/') }), new Minimatch(`${glob.replace(/\/$/, '')}/**`, options)];
    compiled.set(glob, m);
  }
  return m;
}

export function isIgnored(path: string, base: string | undefined, ignore: readonly string[]): boolean {
  if (!ignore.length || !base) return false;
  const rel = relative(base, path).split(sep).join('/');
  if (rel.startsWith('..')) return false;
  return ignore.some((g) => {
    const [self, below] = matchersOf(g);
    return self.match(rel) || below.match(rel);
  });
}

/**
 * Is this file Helm values? By its name (`*values*.y*ml`), or because the config file's `helmValues` globs (relative
 * to the config file's directory, matched like `ignore`) name it.
 */
export function isHelmValuesPath(path: string, folder: { configPath?: string; helmValues?: readonly string[] }): boolean {
  if (isHelmValuesFile(path)) return true;
  return !!folder.configPath && !!folder.helmValues?.length && isIgnored(path, dirname(folder.configPath), folder.helmValues);
}

/** Files below `roots` (a root that is a file is taken as it is), sorted, each once. */
export async function findManifestFiles(roots: readonly string[], options: FindOptions = {}): Promise<string[]> {
  const out = new Set<string>();
  const seenDirs = new Set<string>();
  const ignore = options.ignore ?? [];
  const confine = options.confine && (await Promise.all(options.confine.map((r) => realpath(r).catch(() => r))));
  // A link to a directory that holds a root (`/`, `..`) would make us search the whole machine around it.
  const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => r)));
  /** Why a real path is not entered, or undefined. */
  const refused = (real: string): string | undefined => {
    if (isSystemPath(real)) return `${real} is a system directory, never searched`;
    if (confine && !confine.some((r) => inside(real, r))) return `it leads out of the workspace (to ${real}), which is not trusted`;
    return undefined;
  };
  const walk = async (dir: string): Promise<void> => {
    if (options.cancelled?.()) return;
    let real: string;
    try {
      real = await realpath(dir);
    } catch (e) {
      options.onSkip?.(dir, (e as Error).message);
      return;
    }
    const why = refused(real);
    if (why) {
      options.onSkip?.(dir, why);
      return;
    }
    if (seenDirs.has(real)) return; // a symlink loop, or a directory reached twice
    seenDirs.add(real);
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (e) {
      options.onSkip?.(dir, (e as Error).message);
      return;
    }
    for (const name of names) {
      if (name === 'node_modules' || name === '.git') continue;
      const p = join(dir, name);
      if (isIgnored(p, options.base, ignore)) continue;
      let st;
      try {
        st = await lstat(p);
        if (st.isSymbolicLink()) {
          const target = await realpath(p);
          const whyNot = realRoots.some((r) => inside(r, target)) ? `it leads to ${target}, which holds the directory being searched` : refused(target);
          if (whyNot) {
            options.onSkip?.(p, whyNot);
            continue;
          }
          st = await stat(p);
        }
      } catch (e) {
        options.onSkip?.(p, (e as Error).message);
        continue;
      }
      if (st.isDirectory()) await walk(p);
      else if (st.isFile() && MANIFEST.test(name) && name !== '.kube-ip-guard.yaml') out.add(p);
    }
  };
  for (const root of roots) {
    let st;
    try {
      st = await stat(root);
    } catch {
      throw new Error(`${root}: no such file or directory`);
    }
    if (st.isDirectory()) await walk(root);
    else out.add(root);
  }
  return [...out];
}
