// @ts-check
import tseslint from 'typescript-eslint';

// Localization: a user-visible string at a place the user sees it must go through l10n.t (the
// @vscode/l10n bundle, npm run l10n), never as a bare literal. These are those places.
const WORDS = 'Literal[value=/[A-Za-z]{2}/]';
const BARE = `:matches(${WORDS}, TemplateLiteral:has(> TemplateElement[value.raw=/[A-Za-z]{2}/]))`;
const L10N = 'use l10n.t(...) for user-visible text (README: Localization)';
const extensionSinks = [
  `CallExpression[callee.property.name='notify'] > ${BARE}:nth-child(2)`,
  `CallExpression[callee.property.name='confirm'] > ${BARE}`,
  `CallExpression[callee.property.name=/^(show(Information|Warning|Error)Message|setStatusBarMessage)$/] > ${BARE}:first-child`,
  `NewExpression[callee.name=/Error$/] > ${BARE}:first-child`,
  `Property[key.name=/^(title|prompt|placeHolder|saveLabel|openLabel|none|message|detail)$/] > ${BARE}.value`,
  `Property[key.name=/^(title|prompt|placeHolder|saveLabel|openLabel|none|message|detail)$/] > ConditionalExpression > ${BARE}`,
].map((selector) => ({ selector, message: L10N }));
const webviewSinks = [
  `CallExpression[callee.name='el'] > ArrayExpression > ${BARE}`,
  `CallExpression[callee.name='el'] > ObjectExpression > Property:matches([key.name=/^(title|placeholder)$/], [key.value='aria-label']) > ${BARE}.value`,
  `AssignmentExpression[left.property.name=/^(textContent|title|placeholder)$/] > ${BARE}.right`,
  `CallExpression[callee.property.name='setAttribute'][arguments.0.value=/^(aria-label|title|placeholder)$/] > ${BARE}:nth-child(2)`,
].map((selector) => ({ selector, message: L10N }));

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.vscode-test/**', 'native/**'] },
  ...tseslint.configs.recommended,
  { files: ['src/**/*.ts'], ignores: ['src/webview/**'], rules: { 'no-restricted-syntax': ['error', ...extensionSinks] } },
  { files: ['src/webview/**/*.ts'], rules: { 'no-restricted-syntax': ['error', ...webviewSinks] } },
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
    files: ['src/views/**/*.ts', 'src/context.ts', 'src/holds.ts', 'src/prompts.ts', 'src/services/cTypes.ts'],
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
    files: ['src/context.ts', 'src/holds.ts', 'src/prompts.ts', 'src/services/cTypes.ts'],
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
