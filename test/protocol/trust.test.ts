// Config discovery and Workspace Trust, enforced by the server itself (any client may send anything): the nearest
// config upward within the folder; in Restricted Mode no `configFile`, no config symlinked out, no node manifest in
// another folder, no DNS lookup of the workspace's host names, no link out of the folder in the index; /proc, /sys
// and /dev never crawled. The no-facts state in the status.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileUri, LspTestClient, type StartOptions } from './lspClient';

const SEED = readFileSync(resolve('examples/seed-cluster/deployment.yaml'), 'utf8');
const SEED_CONFIG = readFileSync(resolve('examples/seed-cluster/.kube-ip-guard.yaml'), 'utf8');
const NODES = 'apiVersion: v1\nkind: NodeList\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: k8s-node-1}\n  status:\n    addresses:\n    - {type: InternalIP, address: 192.168.0.11}\n';
/** The seed Service's address line (0-based) and the address's column. */
const ADDRESS_LINE = SEED.split('\n').findIndex((l) => l.includes('- 192.168.0.11'));

type Facts = { nodes: { name: string }[]; apiServers: { address: string }[]; problems: string[] };

function start(dir: string, opts: StartOptions = {}): Promise<LspTestClient> {
  return LspTestClient.start({ rootDir: dir, ...opts, settings: { cluster: { mode: 'off' }, ...(opts.settings ?? {}) } });
}

async function codesOf(client: LspTestClient, path: string, text = SEED): Promise<string[]> {
  const uri = fileUri(path);
  client.open(uri, text);
  return (await client.waitForDiagnostics(uri)).map((d) => String(d.code));
}

function statusesOf(client: LspTestClient): { scope: string | null; noFacts?: boolean; text: string }[] {
  return client.notifications.filter((n) => n.method === 'kubeIpGuard/status').map((n) => n.params as { scope: string | null; noFacts?: boolean; text: string });
}

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'kig-trust-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

function dirIn(name: string): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  return d;
}

describe('one config discovery: the nearest .kube-ip-guard.yaml upward, within the workspace folder', () => {
  test('a config in a subdirectory serves the manifests below it (an editor opened at the repository root)', async () => {
    const ws = dirIn('discovery');
    mkdirSync(join(ws, 'examples', 'seed', 'apps'), { recursive: true });
    writeFileSync(join(ws, 'examples', 'seed', '.kube-ip-guard.yaml'), SEED_CONFIG);
    writeFileSync(join(ws, 'examples', 'seed', 'apps', 'deployment.yaml'), SEED);
    writeFileSync(join(ws, 'top.yaml'), SEED);
    const client = await start(ws);
    try {
      assert.deepEqual(await codesOf(client, join(ws, 'examples', 'seed', 'apps', 'deployment.yaml')), ['externalip-node']);
      assert.deepEqual(await codesOf(client, join(ws, 'top.yaml')), [], 'the root has no config: no facts');
      const f = (await client.conn.sendRequest('kubeIpGuard/facts', { uri: fileUri(join(ws, 'examples', 'seed', 'apps', 'deployment.yaml')) })) as Facts;
      assert.deepEqual(f.nodes.map((n) => n.name), ['k8s-master-1', 'k8s-node-1']);
    } finally {
      await client.stop();
    }
  });

  test('a config above the workspace folder is never used', async () => {
    const parent = dirIn('above');
    writeFileSync(join(parent, '.kube-ip-guard.yaml'), SEED_CONFIG);
    const ws = join(parent, 'ws');
    mkdirSync(ws);
    const client = await start(ws);
    try {
      assert.deepEqual(await codesOf(client, join(ws, 'svc.yaml')), []);
    } finally {
      await client.stop();
    }
  });

  test('the status says when no node or API server address is known', async () => {
    const ws = dirIn('nofacts');
    mkdirSync(join(ws, 'with'));
    writeFileSync(join(ws, 'with', '.kube-ip-guard.yaml'), SEED_CONFIG);
    const client = await start(ws);
    try {
      await codesOf(client, join(ws, 'bare.yaml'));
      await codesOf(client, join(ws, 'with', 'svc.yaml'));
      const all = statusesOf(client);
      assert.equal(all.find((s) => s.scope === fileUri(ws))?.noFacts, true, JSON.stringify(all));
      assert.match((all.find((s) => s.scope === fileUri(ws)) as unknown as { tooltip: string }).tooltip, /No node or API server address is known: only the checks that need none run/);
      assert.equal(all.find((s) => s.scope === fileUri(join(ws, 'with')))?.noFacts, false, JSON.stringify(all));
    } finally {
      await client.stop();
    }
  });
});

describe('Restricted Mode, enforced by the server', () => {
  test('kubeIpGuard.configFile is ignored in an untrusted workspace, used in a trusted one', async () => {
    const ws = dirIn('configfile');
    writeFileSync(join(ws, 'elsewhere.yaml'), SEED_CONFIG);
    for (const trusted of [false, true]) {
      const client = await start(ws, { initializationOptions: { trusted }, settings: { configFile: 'elsewhere.yaml' } });
      try {
        assert.deepEqual(await codesOf(client, join(ws, 'svc.yaml')), trusted ? ['externalip-node'] : [], `trusted: ${trusted}`);
        if (!trusted) {
          const f = (await client.conn.sendRequest('kubeIpGuard/facts', { uri: fileUri(join(ws, 'svc.yaml')) })) as Facts;
          assert.ok(f.problems.some((p) => /kubeIpGuard\.configFile is ignored: the workspace is not trusted/.test(p)), f.problems.join('\n'));
        }
      } finally {
        await client.stop();
      }
    }
  });

  test('a .kube-ip-guard.yaml that is a symlink out of the workspace is refused when untrusted', async () => {
    const outside = dirIn('symlink-outside');
    writeFileSync(join(outside, 'config.yaml'), SEED_CONFIG);
    const ws = dirIn('symlink-ws');
    symlinkSync(join(outside, 'config.yaml'), join(ws, '.kube-ip-guard.yaml'));
    for (const trusted of [false, true]) {
      const client = await start(ws, { initializationOptions: { trusted } });
      try {
        assert.deepEqual(await codesOf(client, join(ws, 'svc.yaml')), trusted ? ['externalip-node'] : [], `trusted: ${trusted}`);
        if (!trusted) {
          const f = (await client.conn.sendRequest('kubeIpGuard/facts', { uri: fileUri(join(ws, 'svc.yaml')) })) as Facts;
          assert.ok(f.problems.some((p) => /was not used: it leads out of the workspace .*which is not trusted/.test(p)), f.problems.join('\n'));
        }
      } finally {
        await client.stop();
      }
    }
  });

  test('a second workspace folder is not inside the first unless it really lies in its tree', async () => {
    const ws = dirIn('multi-ws');
    const other = dirIn('multi-other');
    writeFileSync(join(other, 'nodes.yaml'), NODES);
    mkdirSync(join(ws, 'sub'));
    writeFileSync(join(ws, 'sub', 'nodes.yaml'), NODES);
    writeFileSync(join(ws, '.kube-ip-guard.yaml'), `nodeManifests: [${JSON.stringify(join(other, 'nodes.yaml'))}]\n`);
    const client = await start(ws, { initializationOptions: { trusted: false }, folders: [ws, other] });
    try {
      assert.deepEqual(await codesOf(client, join(ws, 'svc.yaml')), [], 'the other folder does not count as the workspace');
    } finally {
      await client.stop();
    }
    writeFileSync(join(ws, '.kube-ip-guard.yaml'), `nodeManifests: [${JSON.stringify(join(ws, 'sub', 'nodes.yaml'))}]\n`);
    const nested = await start(ws, { initializationOptions: { trusted: false }, folders: [ws, join(ws, 'sub')] });
    try {
      assert.deepEqual(await codesOf(nested, join(ws, 'svc.yaml')), ['externalip-node'], 'a folder inside the first is the same tree');
    } finally {
      await nested.stop();
    }
  });

  test('no DNS lookup of the workspace\'s host names in an untrusted workspace; the hover says the name was not resolved', async () => {
    const ws = dirIn('dns');
    writeFileSync(join(ws, '.kube-ip-guard.yaml'), 'apiServer: [x.attacker.invalid:6443]\n');
    // Every lookup the server makes is recorded (and answered "not found": nothing leaves the machine).
    const log = join(root, 'dns-lookups.txt');
    const preload = join(root, 'dns-preload.js');
    writeFileSync(
      preload,
      `const fs = require('node:fs');
const record = (host) => fs.appendFileSync(${JSON.stringify(log)}, host + '\\n');
const notFound = (host) => Object.assign(new Error('getaddrinfo ENOTFOUND ' + host), { code: 'ENOTFOUND' });
require('node:dns/promises').lookup = async (host) => { record(host); throw notFound(host); };
require('node:dns').lookup = (host, opts, cb) => { record(host); (cb || opts)(notFound(host)); };
`,
    );
    const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}`.trim() };
    const lookups = () => (readFileSync(log, { encoding: 'utf8', flag: 'a+' }).split('\n').filter(Boolean));
    for (const trusted of [false, true]) {
      writeFileSync(log, '');
      const client = await start(ws, { initializationOptions: { trusted }, env });
      try {
        const uri = fileUri(join(ws, 'svc.yaml'));
        await codesOf(client, join(ws, 'svc.yaml'));
        const f = (await client.conn.sendRequest('kubeIpGuard/facts', { uri })) as Facts;
        if (trusted) {
          // The observer works: a trusted workspace's name is looked up (and here not found).
          assert.ok(lookups().length > 0 && lookups().every((h) => h === 'x.attacker.invalid'), lookups().join(','));
          assert.ok(f.problems.some((p) => /could not resolve x\.attacker\.invalid/.test(p)), f.problems.join('\n'));
        } else {
          assert.deepEqual(lookups(), [], 'no lookup in Restricted Mode');
          assert.ok(f.problems.some((p) => /x\.attacker\.invalid was not resolved: the workspace is not trusted/.test(p)), f.problems.join('\n'));
          const hover = await client.hover(uri, ADDRESS_LINE, 5);
          const value = (hover?.contents as { value: string }).value;
          assert.match(value, /API server `x\.attacker\.invalid` was not resolved \(the workspace is not trusted/);
        }
      } finally {
        await client.stop();
      }
    }
  });
});

describe('the workspace index', () => {
  const CLASH = 'apiVersion: v1\nkind: Service\nmetadata: {name: other}\nspec:\n  ports: [{port: 8888}]\n  externalIPs: [192.168.0.11]\n';

  test('never follows a link out of the workspace in Restricted Mode', async () => {
    const outside = dirIn('index-outside');
    writeFileSync(join(outside, 'other.yaml'), CLASH);
    const ws = dirIn('index-ws');
    writeFileSync(join(ws, '.kube-ip-guard.yaml'), 'rules: {externalip-node: off}\n');
    symlinkSync(outside, join(ws, 'linked-dir'));
    symlinkSync(join(outside, 'other.yaml'), join(ws, 'linked-file.yaml'));
    for (const trusted of [false, true]) {
      const client = await start(ws, { initializationOptions: { trusted } });
      try {
        const uri = fileUri(join(ws, 'svc.yaml'));
        client.open(uri, SEED);
        if (trusted) {
          // The index's Services arrive after the first analysis: wait for the clash.
          await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'externalip-port-clash'));
        } else {
          await client.conn.sendRequest('kubeIpGuard/checkWorkspace', {});
          const d = await client.waitForDiagnostics(uri);
          assert.deepEqual(d.map((x) => x.code), [], 'no Service from outside');
          assert.ok(client.logs.some((l) => /skipped .*linked-dir: it leads out of the workspace/.test(l)), client.logs.join('\n'));
          assert.ok(client.logs.some((l) => /skipped .*linked-file\.yaml: it leads out of the workspace/.test(l)), client.logs.join('\n'));
        }
      } finally {
        await client.stop();
      }
    }
  });

  test("a config below the folder's root has its own ignore, as in the CLI", async () => {
    const ws = dirIn('index-nested-ignore');
    mkdirSync(join(ws, 'chart', 'rendered'), { recursive: true });
    writeFileSync(join(ws, '.kube-ip-guard.yaml'), 'rules: {externalip-node: off}\n');
    writeFileSync(join(ws, 'chart', 'rendered', 'other.yaml'), CLASH);
    writeFileSync(join(ws, 'svc.yaml'), SEED);
    for (const ignored of [false, true]) {
      writeFileSync(join(ws, 'chart', '.kube-ip-guard.yaml'), ignored ? 'ignore: [rendered/**]\n' : 'rules: {}\n');
      const client = await start(ws);
      try {
        const uri = fileUri(join(ws, 'svc.yaml'));
        client.open(uri, SEED);
        if (!ignored) {
          await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'externalip-port-clash'));
        } else {
          const result = (await client.conn.sendRequest('kubeIpGuard/checkWorkspace', {})) as { files: number };
          assert.equal(result.files, 1, 'only svc.yaml is checked');
          assert.deepEqual((await client.waitForDiagnostics(uri)).map((x) => x.code), []);
        }
      } finally {
        await client.stop();
      }
    }
  });

  test('never crawls /proc, /sys or /dev, nor through a link to / or .., even in a trusted workspace', async () => {
    const ws = dirIn('index-system');
    symlinkSync('/proc', join(ws, 'proc'));
    symlinkSync('/', join(ws, 'root'));
    symlinkSync('..', join(ws, 'up'));
    const client = await start(ws, { initializationOptions: { trusted: true } });
    try {
      await client.conn.sendRequest('kubeIpGuard/checkWorkspace', {});
      assert.ok(client.logs.some((l) => /skipped .*\/proc: \/proc is a system directory, never searched/.test(l)), client.logs.join('\n').slice(0, 2000));
      // Links to a directory holding the workspace would make it search the machine: not followed either.
      assert.ok(client.logs.some((l) => /skipped .*\/root: it leads to \/, which holds the directory being searched/.test(l)), client.logs.join('\n').slice(0, 2000));
      assert.ok(client.logs.some((l) => /skipped .*\/up: it leads to .*, which holds the directory being searched/.test(l)), client.logs.join('\n').slice(0, 2000));
    } finally {
      await client.stop();
    }
  });
});
