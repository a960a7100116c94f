// typescript-eslint's flat config with type information (the project service reads each file's nearest tsconfig).
// `npm test` runs it (scripts/lint.mjs), with the grep that keeps wall-clock budgets out of tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate',
    'structuredClone', 'performance', 'fetch', 'AbortController', 'TextEncoder', 'TextDecoder', 'queueMicrotask']
    .map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['**/out/**', '**/node_modules/**', '.bench/**', '.vscode-test/**', '.e2e/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // TypeScript itself reports undefined names.
      'no-undef': 'off',
      // Stylistic, or false positives on YAML scalars and `unknown` errors stringified into messages on purpose.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      // An async function without await is harmless (it still returns a promise); callbacks are often async by contract.
      '@typescript-eslint/require-await': 'off',
      // `/^Usage:\n  kubectl/` reads better than `/^Usage:\n {2}kubectl/` when matching indented help text.
      'no-regex-spaces': 'off',
      // Escaping control characters out of output (CLI text, hovers) matches them on purpose.
      'no-control-regex': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // TypeScript's noUnusedLocals/noUnusedParameters already report these; `_` marks a deliberately unused binding.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // protocol.ts declares each message in a namespace, vscode-eslint's way (`namespace X { method; type }`).
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test's test() and describe() return promises the runner itself awaits.
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }],
      }],
    },
  },
  {
    // Tests read JSON (CLI output, schemas, LSP messages) whose shape the assertions check: `any` is the honest type.
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: nodeGlobals },
  },
  {
    // The browser UI test runs under mocha (test/e2e/run.mjs).
    files: ['test/e2e/**/*.mjs'],
    languageOptions: { globals: Object.fromEntries(['describe', 'it', 'before', 'after', 'beforeEach', 'afterEach'].map((n) => [n, 'readonly'])) },
  },
);
