// The on-disk facts cache: one file per context+server, atomic, facts only, loaded back marked stale.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { factsCacheFile, loadClusterFacts, loadFactsCache, saveFactsCache } from '../../server/src/facts/cluster';
import type { FactSource } from '../../server/src/engine/facts';
import { StandinApiServer, writeKubeconfig } from './standin';
import { tmpDir } from './helpers';

const TOKEN = 'sekret-token-XYZ';
const servers: StandinApiServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

function allSources(c: NonNullable<Awaited<ReturnType<typeof loadFactsCache>>>['contribution']): Pick<FactSource, 'kind' | 'label' | 'staleSince'>[] {
  const out: Pick<FactSource, 'kind' | 'label' | 'staleSince'>[] = [c!.source];
  for (const n of c!.nodes ?? []) for (const a of n.addresses) out.push(a.source);
  for (const a of c!.apiServers ?? []) out.push(a.source);
  for (const x of [...(c!.serviceCIDRs ?? []), ...(c!.podCIDRs ?? [])]) out.push(x.source);
  if (c!.proxyMode) out.push(c!.proxyMode.source);
  if (c!.kubernetesVersion) out.push(c!.kubernetesVersion.source);
  return out;
}

test('save then load: same facts, every source marked staleSince, atomic file named by hash', async () => {
  const s = await StandinApiServer.start({ tokens: { [TOKEN]: 'alice' } });
  servers.push(s);
  const kc = writeKubeconfig(tmpDir(), [{ server: s.url, auth: 'token', token: TOKEN, context: 'lab' }]);
  const live = await loadClusterFacts({ kubeconfigPath: kc });
  assert.equal(live.state, 'ok');
  const dir = path.join(tmpDir(), 'cache');
  const file = await saveFactsCache(dir, live);
  assert.equal(file, factsCacheFile(dir, 'lab', s.url));
  assert.match(path.basename(file!), /^cluster-[0-9a-f]{32}\.json$/);
  assert.deepEqual(fs.readdirSync(dir), [path.basename(file!)], 'no temp files left');
  const text = fs.readFileSync(file!, 'utf8');
  assert.ok(!text.includes(TOKEN));
  assert.ok(!/BEGIN|certificate|token/i.test(text), 'only facts in the cache');

  const cached = await loadFactsCache(dir, 'lab', s.url);
  assert.ok(cached);
  assert.equal(cached.fromCache, true);
  assert.equal(cached.state, 'ok');
  assert.equal(cached.loadedAt, live.loadedAt);
  assert.equal(cached.nodeCount, 2);
  assert.equal(cached.contribution?.kubernetesVersion?.minor, 31, 'the release survives the cache');
  for (const src of allSources(cached.contribution)) {
    assert.equal(src.staleSince, live.loadedAt);
    assert.equal(src.kind, 'cluster');
    assert.equal(src.label, 'context lab');
  }
  const strip = (c: unknown) => JSON.parse(JSON.stringify(c, (k, v) => (k === 'source' ? undefined : v)));
  assert.deepEqual(strip(cached.contribution), strip(live.contribution));

  // another server for the same context name, or another context: no cache
  assert.equal(await loadFactsCache(dir, 'lab', 'https://10.0.0.1:6443'), undefined);
  assert.equal(await loadFactsCache(dir, 'prod', s.url), undefined);
  // overwrite is atomic and leaves one file
  await saveFactsCache(dir, { ...live, loadedAt: new Date(Date.parse(live.loadedAt) + 1000).toISOString() });
  assert.equal(fs.readdirSync(dir).length, 1);
});

test('failed results, cached results and corrupt files are not used', async () => {
  const dir = tmpDir();
  const failed = { state: 'unreachable' as const, context: 'lab', server: 'https://x', message: 'm', missing: [], loadedAt: new Date().toISOString(), nodeCount: 0 };
  assert.equal(await saveFactsCache(dir, failed), undefined);
  const file = factsCacheFile(dir, 'lab', 'https://x');
  fs.writeFileSync(file, '{not json');
  assert.equal(await loadFactsCache(dir, 'lab', 'https://x'), undefined);
  fs.writeFileSync(file, JSON.stringify({ format: 'kube-ip-guard/cluster-facts', version: 1, context: 'lab', server: 'https://x', nodes: 'nope' }));
  assert.equal(await loadFactsCache(dir, 'lab', 'https://x'), undefined);
  assert.equal(await loadFactsCache(path.join(dir, 'nothing-here'), 'lab', 'https://x'), undefined);
});
