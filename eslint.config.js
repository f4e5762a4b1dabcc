// Lint rules. Besides the usual TypeScript checks, this file enforces the layering of src/:
// protocol -> (common); transport -> protocol; client, server -> transport, protocol; cli on top.
// Inside the servers: the broker's parts (send, pull, clients, admin, schedule) build on broker/core,
// which imports none of them, and no part imports the broker's assembly (broker.ts, broker-handlers.ts);
// the name server's tables never import its request handlers. Inside protocol, the ground floor
// (java/, json/, codes/) imports none of the folders built on it (command/, frame/, headers/, body/,
// message/). Inside the client: its shared core (instance, heartbeat, addresses, routes, latency,
// name-server API) imports neither producer/ nor consumer/, and those two do not import each other;
// within consumer/, shared/ and offsets/ (used by every consumer kind) do not import a kind's folder.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

function layerPattern(layers) {
  return {
    regex: `(^|/)(${layers.join('|')})(/|$)`,
    message: `layering: this folder must not import from ${layers.join(', ')} (see CONVENTIONS.md)`,
  };
}

/** Forbid imports whose path passes through any of the named top-level layers. */
function forbidLayers(...layers) {
  return forbidLayersAnd(layers, []);
}

/** forbidLayers plus more patterns (a later rule for the same files replaces the earlier one whole). */
function forbidLayersAnd(layers, extra) {
  return { 'no-restricted-imports': ['error', { patterns: [layerPattern(layers), ...extra] }] };
}

/** One import pattern: paths passing through any of `folders`. */
function through(folders, message) {
  return { regex: `(^|/)(${folders.join('|')})(/|$)`, message };
}

const SERVER_FORBIDDEN_LAYERS = ['client', 'cli'];
const CLIENT_FORBIDDEN_LAYERS = ['server', 'cli'];
const NOT_PRODUCER = through(['producer'], 'client: consumer/ must not import producer/');
const PROTOCOL_UPPER_LAYERS = ['transport', 'client', 'server', 'cli'];
const PROTOCOL_UPPER_FLOORS = ['command', 'frame', 'headers', 'body', 'message'];

/** The broker's parts, each in its own folder under src/server/broker, and what each may import. */
const BROKER_PARTS = {
  core: [],
  schedule: ['core'],
  send: ['core', 'schedule'],
  pull: ['core'],
  clients: ['core'],
  admin: ['core'],
};

function brokerPartRules(part, allowed) {
  const forbidden = Object.keys(BROKER_PARTS).filter((p) => p !== part && !allowed.includes(p));
  const extra = [
    {
      // ../broker.js, ../broker-handlers.js, ../index.js ...: the assembly sits on top of the parts.
      regex: '^\\.\\./[^/]+\\.js$',
      message: `layering: broker/${part} must not import the broker's assembly (files directly in broker/)`,
    },
  ];
  if (forbidden.length > 0) {
    extra.push({
      regex: `^\\.\\./(${forbidden.join('|')})/`,
      message: `layering: broker/${part} must not import broker/${forbidden.join(', broker/')} (BROKER_PARTS)`,
    });
  }
  return { files: [`src/server/broker/${part}/**`], rules: forbidLayersAnd(SERVER_FORBIDDEN_LAYERS, extra) };
}

export default tseslint.config(
  { ignores: ['dist/**', 'docs/**', 'node_modules/**', 'coverage/**', '.tmp/**'] },
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
  { files: ['src/protocol/**'], rules: forbidLayers(...PROTOCOL_UPPER_LAYERS) },
  // Later entries replace the rule for their files, so the ground floor repeats the upper layers.
  {
    files: ['src/protocol/java/**', 'src/protocol/json/**', 'src/protocol/codes/**'],
    rules: forbidLayers(...PROTOCOL_UPPER_LAYERS, ...PROTOCOL_UPPER_FLOORS),
  },
  { files: ['src/transport/**'], rules: forbidLayers('client', 'server', 'cli') },
  { files: ['src/client/**'], rules: forbidLayers(...CLIENT_FORBIDDEN_LAYERS) },
  {
    files: ['src/client/**'],
    ignores: [
      'src/client/index.ts',
      'src/client/producer/**',
      'src/client/consumer/**',
      'src/client/trace/**',
    ],
    rules: forbidLayersAnd(CLIENT_FORBIDDEN_LAYERS, [
      through(
        ['producer', 'consumer', 'trace'],
        'client core: shared client code must not import producer/, consumer/ or trace/ (they import the core)',
      ),
    ]),
  },
  // Message trace sends its records with an internal producer, for producers and consumers alike: it
  // sits above producer/ (and imports it), below consumer/'s use of it, and never imports consumer/.
  {
    files: ['src/client/trace/**'],
    rules: forbidLayersAnd(CLIENT_FORBIDDEN_LAYERS, [
      through(['consumer'], 'client: trace/ must not import consumer/'),
    ]),
  },
  {
    files: ['src/client/producer/**'],
    rules: forbidLayersAnd(CLIENT_FORBIDDEN_LAYERS, [
      through(['consumer'], 'client: producer/ must not import consumer/'),
    ]),
  },
  { files: ['src/client/consumer/**'], rules: forbidLayersAnd(CLIENT_FORBIDDEN_LAYERS, [NOT_PRODUCER]) },
  {
    files: ['src/client/consumer/shared/**'],
    rules: forbidLayersAnd(CLIENT_FORBIDDEN_LAYERS, [
      NOT_PRODUCER,
      through(
        ['pull', 'offsets'],
        'consumer/shared: what every consumer kind uses must not import pull/ or offsets/',
      ),
    ]),
  },
  {
    files: ['src/client/consumer/offsets/**'],
    rules: forbidLayersAnd(CLIENT_FORBIDDEN_LAYERS, [
      NOT_PRODUCER,
      through(['pull'], 'consumer/offsets: shared by every consumer kind, must not import pull/'),
    ]),
  },
  { files: ['src/server/**'], rules: forbidLayers(...SERVER_FORBIDDEN_LAYERS) },
  ...Object.entries(BROKER_PARTS).map(([part, allowed]) => brokerPartRules(part, allowed)),
  {
    files: ['src/server/namesrv/{route-registry,route-queries,route-admin,kv-config,limits,liveness}.ts'],
    rules: forbidLayersAnd(SERVER_FORBIDDEN_LAYERS, [
      {
        regex: '^\\./([\\w-]+-requests|handler|name-server)\\.js$',
        message: "layering: the name server's tables must not import its request handlers",
      },
    ]),
  },
);
