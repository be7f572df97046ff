// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.vscode-test/**', 'native/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      curly: ['error', 'multi-line'],
      'no-throw-literal': 'error',
    },
  },
  {
    // Build and test scripts are plain CommonJS run by Node.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // The layers, bottom up: src/shared and src/ipc (no editor), then src/context.ts, then
  // src/views, then src/commands, then src/extension.ts. Nothing imports from a layer above it.
  {
    // src/ipc and src/ctypes are plain Node: they must never depend on the editor, nor on anything above them.
    files: ['src/ipc/**/*.ts', 'src/ctypes/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/ipc must stay free of vscode (README: Architecture).' }],
          patterns: [
            {
              group: ['**/views', '**/views/**', '**/commands', '**/commands/**', '**/context', '**/holds', '**/prompts', '**/extension'],
              message: 'src/ipc is the bottom layer: it imports nothing above it.',
            },
          ],
        },
      ],
    },
  },
  {
    // The protocol shared by the extension and the webview: no editor, no Node, no DOM-only code.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/shared is bundled into the webview too.' }],
          patterns: [
            {
              group: ['fs', 'path', 'child_process', '**/ipc/**', '**/views/**', '**/commands/**'],
              message: 'src/shared is bundled into the webview: it imports nothing of the extension.',
            },
          ],
        },
      ],
    },
  },
  {
    // Views show what the context knows; they never reach up into commands.
    files: ['src/views/**/*.ts', 'src/context.ts', 'src/holds.ts', 'src/prompts.ts', 'src/cTypes.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/commands', '**/commands/**', '**/extension'], message: 'Views and the context never import commands (README: Architecture).' },
          ],
        },
      ],
    },
  },
  {
    // The context holds the services views and commands share: it knows neither.
    files: ['src/context.ts', 'src/holds.ts', 'src/prompts.ts', 'src/cTypes.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/views', '**/views/**', '**/commands', '**/commands/**', '**/extension'], message: 'The context is below the views and commands.' },
          ],
        },
      ],
    },
  },
);
