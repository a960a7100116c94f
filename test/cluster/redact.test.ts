// The log redaction removes credential values and leaves prose alone: a context named "401-token" is a name, and the
// words after it are words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redactor, genericRedact } from '../../server/src/facts/cluster/redact';

test('prose with credential words in names is left as it is', () => {
  for (const line of [
    '[cluster] context 401-token: cluster c-401 at https://127.0.0.1:6443, user token-user',
    'context my-secret-key: cluster prod at https://10.0.0.1:6443',
    'The kubeconfig names a token file: not found',
    'password: required',
    'Basic authentication is not supported',
    'bearer tokens expire',
  ]) assert.equal(genericRedact(line), line);
});

test('credential values are redacted, and only the value', () => {
  assert.equal(genericRedact('Authorization: Bearer abc123DEF456ghi'), 'Authorization: Bearer [redacted]');
  assert.equal(genericRedact('Basic dXNlcjpwYXNzd29yZA=='), 'Basic [redacted]');
  assert.equal(genericRedact('token: sekret-token-XYZ and more'), 'token: [redacted] and more');
  assert.equal(genericRedact('{"password":"hunter2hunter2"}'), '{"password":"[redacted]"}');
  assert.equal(genericRedact('key=AKIA1234567890'), 'key=[redacted]');
  assert.equal(genericRedact('got eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl here'), 'got [redacted] here');
  assert.equal(genericRedact('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----'), '[redacted]');
});

test('a known secret goes wherever it appears, and the prose around it stays', () => {
  const r = new Redactor();
  r.add('s3cr3t-Value-99');
  assert.equal(r.redact('context 401-token: cluster c-401 saw s3cr3t-Value-99'), 'context 401-token: cluster c-401 saw [redacted]');
});
