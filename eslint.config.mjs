// Lint rules. The one that matters most: the engine, the agent and the CLI never import 'vscode'.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const ENGINE_MESSAGE = 'The engine (src/monitor, src/agent, src/cli) must not depend on VS Code; inject what you need.';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', '.cache/', 'test-results/', 'test/fixtures/**', 'demo/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'smart'],
      'no-console': 'off',
    },
  },
  {
    files: ['src/monitor/**', 'src/agent/**', 'src/cli/**'],
    rules: {
      // Type-only imports are allowed: they vanish from the bundle.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', allowTypeImports: true, message: ENGINE_MESSAGE }] },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.name='require'][arguments.0.value='vscode']", message: ENGINE_MESSAGE },
        { selector: "ImportExpression[source.value='vscode']", message: ENGINE_MESSAGE },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.mjs', '.ci/**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
);
