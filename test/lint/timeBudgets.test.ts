// The lint step's check that no test measures wall-clock time (scripts/timeBudgets.mjs) refuses the budgets issue 15
// found, and lets through what a hang-bounded, event-driven test writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
// @ts-expect-error: a plain ES module of the build scripts, without types.
import { timeBudgets } from '../../scripts/timeBudgets.mjs';

type Found = { file: string; line: number; why: string };
const check = (text: string, file = 'test/x.test.ts'): Found[] => (timeBudgets as (f: string[], r: () => string) => Found[])([file], () => text);

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

test('refused: the shapes a helper hides a sleep in, and the clock read from a plain .mjs launcher', () => {
  for (const line of [
    'await new Promise((r) => setTimeout(r, intervalMs));',
    'const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));',
    'await new Promise<void>((done) => setTimeout(() => done(), 100));',
    "const { setTimeout: pause } = require('node:timers/promises');",
    'const pause = promisify(setTimeout);',
    'const started = process.hrtime.bigint();',
    'const ms = +new Date() - t0;',
  ]) assert.equal(check(line).length > 0, true, line);
  for (const line of ['const t = performance.now();', 'const deadline = Date.now() + timeoutMs;']) assert.equal(check(line, 'test/e2e/lib.mjs').length > 0, true, line);
});

test('refused: a hang bound so tight that it is a duration budget (a timeout option, a wait, node --test-timeout)', () => {
  for (const line of [
    "await waitFor(() => s.openWatches === 1, 3000, 'the node watch');",
    "await until('a status', 5000, () => statuses(client).length > 0);",
    'const d = await client.waitForDiagnostics(uri, (x) => x.length === 1, 20000);',
    'execFile(process.execPath, [cli, "lint", "."], { cwd: ws, timeout: 30_000 }, done);',
    "test('a hover is answered', { timeout: 2000 }, async () => {});",
    'export async function start({ timeoutMs = 30_000 }) {}',
    "spawnSync(process.execPath, ['--test', '--test-timeout=5000', file]);",
  ]) assert.equal(check(line).length > 0, true, line);
});

test('allowed: waiting for an event with a timeout that only bounds a hang', () => {
  for (const line of [
    "await client.waitForDiagnostics(uri, (d) => d.length > 0, 'the diagnostics');",
    "const d = await waitFor('the warning', () => client.notifications.find((n) => n.method === 'window/showMessage'));",
    'assert.equal(findings.filter((f) => f.rule === "analysis-limit").length, 1);',
    'const timeoutMs = 60_000;',
    "assert.match(r.message, /did not finish within 500 ms/);",
    "await waitFor(() => s.openWatches === 1, 60_000, 'the node watch');",
    "test('a hang is bounded', { timeout: 120_000 }, async () => {});",
    "const r = await audit(['--kubeconfig', kc, '--timeout', '3000']);",
    'const hang = setTimeout(() => reject(new Error(`no answer after ${ms} ms`)), ms);',
    "await orAfter(this.conn.sendRequest('shutdown'), 2000);",
    'for (const p of pauses().slice(0, 4)) assert.ok(p > 0);',
  ]) assert.deepEqual(check(line), [], line);
});
