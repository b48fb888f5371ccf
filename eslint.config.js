import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;

/**
 * Resolves imports the way tsc does here: `./x.js` finds `x.ts` (nodenext), and workspace packages
 * resolve through node_modules/@evermall/* to their own folder.
 */
const resolveAsTypeScript = (options = {}) =>
  createNodeResolver({
    extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.json'],
    extensionAlias: { '.js': ['.ts', '.tsx', '.d.ts', '.js'], '.mjs': ['.mts', '.mjs'] },
    conditionNames: ['types', 'import', 'node', 'default'],
    ...options,
  });

/** storefront/README.md: features don't import each other. Every folder under features/ is one, so a new one is covered. */
const storefrontFeatures = path.join(root, 'storefront/src/features');
const featureZones = readdirSync(storefrontFeatures, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map(({ name }) => ({
    target: `./storefront/src/features/${name}`,
    from: './storefront/src/features',
    except: [`./${name}`],
    message: `A feature does not import another feature (storefront/README.md); move what '${name}' shares to src/components or src/lib, or compose the features in src/app.`,
  }));

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/cdk.out*/**', '.twin/**', 'reports/**', '**/test-results/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.ts'] }, tsconfigRootDir: root } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // docs/design.md#layout: workspaces import each other only by package name.
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [resolveAsTypeScript()] },
    rules: { 'import-x/no-relative-packages': 'error' },
  },
  {
    // docs/design.md#layout: nothing imports twin/ or infra/; they sit at the top.
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['twin/**', 'infra/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@evermall/twin', '@evermall/twin/*', '@evermall/infra', '@evermall/infra/*'], message: 'Nothing imports twin/ or infra/ (docs/design.md#layout).' },
          ],
        },
      ],
    },
  },
  {
    // docs/design.md#layout: topology/ is the architecture as data and imports nothing of ours.
    files: ['topology/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['@evermall/*'], message: 'topology/ imports nothing of ours (docs/design.md#layout).' }] }] },
  },
  {
    files: ['storefront/**/*.ts', 'storefront/**/*.tsx'],
    // The `@/` alias comes from storefront/tsconfig.json `paths`, as in the editor and in Vite.
    settings: { 'import-x/resolver-next': [resolveAsTypeScript({ tsconfig: { configFile: path.join(root, 'storefront/tsconfig.json') } })] },
    rules: { 'import-x/no-restricted-paths': ['error', { basePath: root, zones: featureZones }] },
  },
);
