// The lint step's check that no test measures wall-clock time (scripts/timeBudgets.mjs) refuses the budgets issue 15
// found, and lets through what a hang-bounded, event-driven test writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
// @ts-expect-error: a plain ES module of the build scripts, without types.
import { timeBudgets } from '../../scripts/timeBudgets.mjs';

type Found = { file: string; line: number; why: string };
const check = (text: string): Found[] => (timeBudgets as (f: string[], r: () => string) => Found[])(['test/x.test.ts'], () => text);

test('refused: a duration asserted, the clock read, a fixed sleep, a duration in a test name', () => {
  for (const line of [
    'assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);',
    'const t0 = performance.now();',
    'assert.ok(took >= 380 && took < 1500);',
    'assert.ok(r.maxWaitMs < 500, `a hover waited ${r.maxWaitMs} ms`);',
    'assert.ok(ms < 1000);',
    'await new Promise((r) => setTimeout(r, 500));',
    "import { setTimeout as sleep } from 'node:timers/promises';",
    "test('an alias bomb returns within 2 s', () => {});",
  ]) assert.equal(check(line).length > 0, true, line);
});

test('allowed: waiting for an event with a timeout that only bounds a hang', () => {
  for (const line of [
    "await client.waitForDiagnostics(uri, (d) => d.length > 0, 'the diagnostics');",
    "const d = await waitFor('the warning', () => client.notifications.find((n) => n.method === 'window/showMessage'));",
    'assert.equal(findings.filter((f) => f.rule === "analysis-limit").length, 1);',
    'const timeoutMs = 60_000;',
    "assert.match(r.message, /did not finish within 500 ms/);",
  ]) assert.deepEqual(check(line), [], line);
});
