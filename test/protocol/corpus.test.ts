// Every corpus manifest, opened in turn in one server: each gets diagnostics and the server keeps answering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileUri, LspTestClient } from './lspClient';
import { CORPUS, CORPUS_SKIP, listCorpusFiles } from '../corpus';

test('the server answers for every corpus file in turn', { skip: CORPUS_SKIP }, async () => {
  const client = await LspTestClient.start({
    rootDir: CORPUS,
    settings: { nodes: [{ name: 'k8s-node-1', addresses: ['192.168.0.11'] }], apiServer: ['192.168.0.10:6443'] },
  });
  try {
    const files = listCorpusFiles();
    assert.ok(files.length > 250);
    for (const file of files) {
      const uri = fileUri(file);
      client.open(uri, readFileSync(file, 'utf8'), file.includes('/templates/') ? 'helm' : 'yaml');
      const diags = await client.waitForDiagnostics(uri, () => true, 60_000);
      assert.ok(Array.isArray(diags), file);
      assert.ok(!diags.some((d) => d.code === 'internal-error'), `${file}: ${JSON.stringify(diags)}`);
      client.close(uri);
    }
    assert.equal(client.proc.exitCode, null, 'the server is still running');
  } finally {
    await client.stop();
  }
});
