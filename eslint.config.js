// ESLint runs one rule only: typescript-eslint's no-floating-promises, which reads the types tsc
// infers. Biome (biome.json) does everything else; its own noFloatingPromises infers types without
// tsc and misses postgres.js queries (tagged templates) and node:fs/promises calls.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['data/**', 'test-output/**', 'bench/out/**', '.scratch/**', 'coverage/**'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'reference-issuer/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
);
