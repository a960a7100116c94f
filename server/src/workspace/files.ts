// Finding the manifests of a workspace or of a CLI run: *.yaml and *.yml below the given roots, never inside
// node_modules or .git, following symlinks but never around a loop, skipping what the `ignore` globs exclude.
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { minimatch } from 'minimatch';

export interface FindOptions {
  /** Globs relative to `base` (the config file's directory or the workspace folder), like .gitignore patterns. */
  ignore?: readonly string[];
  base?: string;
  /** Called once per path that could not be read (unreadable directory, broken link). */
  onSkip?: (path: string, reason: string) => void;
  /** Stop early (the editor closed the folder, a newer scan started). */
  cancelled?: () => boolean;
}

const MANIFEST = /\.ya?ml$/i;

export function isIgnored(path: string, base: string | undefined, ignore: readonly string[]): boolean {
  if (!ignore.length || !base) return false;
  const rel = relative(base, path).split(sep).join('/');
  if (rel.startsWith('..')) return false;
  return ignore.some((g) => minimatch(rel, g, { dot: true, matchBase: !g.includes('/') }) || minimatch(rel, `${g.replace(/\/$/, '')}/**`, { dot: true }));
}

/** Files below `roots` (a root that is a file is taken as it is), sorted, each once. */
export async function findManifestFiles(roots: readonly string[], options: FindOptions = {}): Promise<string[]> {
  const out = new Set<string>();
  const seenDirs = new Set<string>();
  const ignore = options.ignore ?? [];
  const walk = async (dir: string): Promise<void> => {
    if (options.cancelled?.()) return;
    let real: string;
    try {
      real = await realpath(dir);
    } catch (e) {
      options.onSkip?.(dir, (e as Error).message);
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
        st = await stat(p);
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
