// Lint and import-boundary rules, part of `npm test`. The boundaries encode the layout:
// - a cloud function's index.ts imports only the core's public entry (src/index.ts);
// - the core imports no tooling (scripts/, packages/, test/) and nothing of the Mini Program;
// - the tooling packages (emulator, runner) import nothing of the product;
// - the Mini Program imports nothing outside miniprogram/ (it is uploaded on its own).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const TOOLING = ['**/scripts/**', '**/packages/**', '**/test/**', '@wx-monthly-analytics/*'];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'cloudfunctions/*/index.js',
      'bench-results/**',
      'coverage/**',
      'docs/**',
      'test/fixtures/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['test/**/*.ts', 'packages/*/test/**/*.ts'],
    // Tests read untyped replies, and feed long number literals on purpose (json-bigint behaviour).
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off', 'no-loss-of-precision': 'off' },
  },
  {
    files: ['cloudfunctions/*/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../../src/*', '../../src/**', ...TOOLING], message: "A function imports only the core's public entry: '../../src'." }] },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // The cloud code runs on Node.js 16.13 and later (scripts/build/loader.ts). tsconfig.floor.json checks it
      // against @types/node 16.18, which already has what 16.14 added; what lies between is listed here.
      'no-restricted-properties': [
        'error',
        { object: 'AbortSignal', property: 'timeout', message: 'AbortSignal.timeout came with Node.js 16.14; the floor is 16.13: use an AbortController and a timer.' },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: [...TOOLING, '**/cloudfunctions/**', '**/miniprogram/**'], message: 'The core imports no tooling, function or Mini Program code.' }] },
      ],
    },
  },
  {
    // Whom the functions serve is the tenancy's (src/tenancy/), picked once from the configuration; how
    // WeChat is reached is the transport factory's. Nothing else asks which mode WECHAT_TRANSPORT is.
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/tenancy/index.ts', 'src/wechat/factory.ts', 'src/open-platform/events/events-handler.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "BinaryExpression[operator=/^[!=]==$/][left.property.name='transport'][right.value=/^(cloud|https|component)$/]",
          message: 'Ask the tenancy (src/tenancy/) or the transport factory, not WECHAT_TRANSPORT.',
        },
      ],
    },
  },
  {
    files: ['packages/**/*.ts'],
    ignores: ['packages/*/test/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/src/**', '../../src', '**/cloudfunctions/**', '**/miniprogram/**', '**/scripts/**'], message: 'The tooling packages import nothing of the product.' }] },
      ],
    },
  },
  {
    files: ['miniprogram/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../../../*', '**/src/**', ...TOOLING, '**/cloudfunctions/**'], message: 'The Mini Program is uploaded on its own: import nothing outside miniprogram/.' }] },
      ],
    },
  },
);
