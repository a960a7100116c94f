// The config's `ignore` and `helmValues` globs: a brace expansion is bounded, so that a hostile workspace config
// cannot turn one short glob into 100,000 regular expressions that every path of the index is matched against.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BRACE_EXPANSION_MAX, isIgnored, matchersOf } from '../../server/src/workspace/files';

test('a glob of 24 characters that expands to a million alternatives compiles to at most BRACE_EXPANSION_MAX patterns', () => {
  for (const glob of ['{1..100}{1..100}{1..100}', 'x{1..1000000000}', '{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}{s,t}{u,v}{w,x}']) {
    const [self, below] = matchersOf(glob);
    assert.ok(self.set.length <= BRACE_EXPANSION_MAX, `${glob}: ${self.set.length} patterns`);
    assert.ok(below.set.length <= BRACE_EXPANSION_MAX, `${glob}/**: ${below.set.length} patterns`);
  }
});

test('ordinary brace globs keep every alternative', () => {
  assert.ok(isIgnored('/ws/rendered/a.yml', '/ws', ['rendered/*.{yaml,yml}']));
  assert.ok(isIgnored('/ws/charts/b/x.yaml', '/ws', ['charts/{a,b,c}/**']));
  assert.ok(!isIgnored('/ws/charts/d/x.yaml', '/ws', ['charts/{a,b,c}/**']));
});
