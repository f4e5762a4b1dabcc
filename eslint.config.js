// Lint rules. Besides the usual TypeScript checks, this file enforces the layering of src/:
// protocol -> (common); transport -> protocol; client, server -> transport, protocol; cli on top.
// Inside the client: its shared core (instance, heartbeat, addresses, routes, latency, name-server
// API) imports neither producer/ nor consumer/, and those two do not import each other; within
// consumer/, shared/ and offsets/ (used by every consumer kind) do not import a kind's folder (pull/).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** One import pattern: paths passing through any of `folders`. */
function through(folders, message) {
  return { regex: `(^|/)(${folders.join('|')})(/|$)`, message };
}

function layers(...names) {
  return through(
    names,
    `layering: this folder must not import from ${names.join(', ')} (see CONVENTIONS.md)`,
  );
}

function restrict(...patterns) {
  return { 'no-restricted-imports': ['error', { patterns }] };
}

/** Forbid imports whose path passes through any of the named top-level layers. */
function forbidLayers(...names) {
  return restrict(layers(...names));
}

const CLIENT_LAYERS = layers('server', 'cli');

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['src/common/**'], rules: forbidLayers('protocol', 'transport', 'client', 'server', 'cli') },
  { files: ['src/protocol/**'], rules: forbidLayers('transport', 'client', 'server', 'cli') },
  { files: ['src/transport/**'], rules: forbidLayers('client', 'server', 'cli') },
  { files: ['src/client/**'], rules: forbidLayers('server', 'cli') },
  {
    files: ['src/client/**'],
    ignores: ['src/client/index.ts', 'src/client/producer/**', 'src/client/consumer/**'],
    rules: restrict(
      CLIENT_LAYERS,
      through(
        ['producer', 'consumer'],
        'client core: shared client code must not import producer/ or consumer/ (they import the core)',
      ),
    ),
  },
  {
    files: ['src/client/producer/**'],
    rules: restrict(CLIENT_LAYERS, through(['consumer'], 'client: producer/ must not import consumer/')),
  },
  {
    files: ['src/client/consumer/**'],
    rules: restrict(CLIENT_LAYERS, through(['producer'], 'client: consumer/ must not import producer/')),
  },
  {
    files: ['src/client/consumer/shared/**'],
    rules: restrict(
      CLIENT_LAYERS,
      through(['producer'], 'client: consumer/ must not import producer/'),
      through(
        ['pull', 'offsets'],
        'consumer/shared: what every consumer kind uses must not import pull/ or offsets/',
      ),
    ),
  },
  {
    files: ['src/client/consumer/offsets/**'],
    rules: restrict(
      CLIENT_LAYERS,
      through(['producer'], 'client: consumer/ must not import producer/'),
      through(['pull'], 'consumer/offsets: shared by every consumer kind, must not import pull/'),
    ),
  },
  { files: ['src/server/**'], rules: forbidLayers('client', 'cli') },
);
