// ESLint (flat config): typescript-eslint's recommended rules over the engine, the site's loaders
// and components, the experiments and the tests; functions in data-loaders/ stay short enough to
// read at once.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", ".dist-*/", ".tmp/", "results/", "src/.observablehq/", "test/fixtures/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_name` marks a value left unused on purpose (destructuring that drops a field).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
    },
  },
  {
    files: ["src/components/**/*.js"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["data-loaders/**/*.ts"],
    rules: {
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
);
