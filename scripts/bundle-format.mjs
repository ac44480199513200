// Bundles the workflow format (cypher-executor/src/workflow) into cli/dist/format.js, so
// `acr validate --offline` compiles with exactly the executor's code. The component manifests and
// seed recipe names are embedded as the offline catalog.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));
const list = (dir) => (existsSync(dir) ? readdirSync(dir) : []);

const manifests = list(join(root, "registry/components"))
  .map((name) => join(root, "registry/components", name, "component.json"))
  .filter(existsSync)
  .map(readJson);
const recipes = list(join(root, "recipes/api"))
  .filter((f) => f.endsWith(".json"))
  .map((f) => readJson(join(root, "recipes/api", f)).canonical_id)
  .filter(Boolean);

await build({
  stdin: {
    contents: [
      'export * from "./cypher-executor/src/workflow/index.ts";',
      `export const OFFLINE = ${JSON.stringify({ manifests, recipes })};`,
    ].join("\n"),
    resolveDir: root,
    loader: "ts",
  },
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["yaml"],
  outfile: join(root, "cli/dist/format.js"),
  logLevel: "warning",
});
console.log(
  `bundled the workflow format → cli/dist/format.js (${manifests.length} components, ${recipes.length} recipes)`,
);
