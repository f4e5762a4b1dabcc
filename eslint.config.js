// Lint rules. Besides the usual TypeScript checks, this file enforces the layering of src/:
// protocol -> (common); transport -> protocol; client, server -> transport, protocol; cli on top.
// Inside protocol, the ground floor (java/, json/, codes/) imports none of the folders built on it
// (command/, frame/, headers/, body/, message/).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const UPPER_LAYERS = ['transport', 'client', 'server', 'cli'];
const PROTOCOL_UPPER_FLOORS = ['command', 'frame', 'headers', 'body', 'message'];

/** Forbid imports whose path passes through any of the named folders. */
function forbidLayers(...layers) {
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `(^|/)(${layers.join('|')})(/|$)`,
            message: `layering: this folder must not import from ${layers.join(', ')} (see CONVENTIONS.md)`,
          },
        ],
      },
    ],
  };
}

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
  { files: ['src/protocol/**'], rules: forbidLayers(...UPPER_LAYERS) },
  // Later entries replace the rule for their files, so the ground floor repeats the upper layers.
  {
    files: ['src/protocol/java/**', 'src/protocol/json/**', 'src/protocol/codes/**'],
    rules: forbidLayers(...UPPER_LAYERS, ...PROTOCOL_UPPER_FLOORS),
  },
  { files: ['src/transport/**'], rules: forbidLayers('client', 'server', 'cli') },
  { files: ['src/client/**'], rules: forbidLayers('server', 'cli') },
  { files: ['src/server/**'], rules: forbidLayers('client', 'cli') },
);
