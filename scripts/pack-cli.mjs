// `npm run pack -w cli`: the CLI as one self-contained npm package (@arcrun/cli). It carries the built
// executor bundle, the compiled component workers, the examples and recipe/manifests it seeds, and the
// JS SDK as a bundled dependency (never fetched from a registry), so `npx @arcrun/cli dev` and
// `init --self-hosted` work in an empty folder. Usage: node scripts/pack-cli.mjs [--out <dir>]
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outArg = process.argv.indexOf("--out");
const out = resolve(outArg > 0 ? process.argv[outArg + 1] : join(root, "cli"));
const readJson = (f) => JSON.parse(readFileSync(f, "utf8"));

const need = [
  "cli/dist/bin.js",
  "cli/dist/format.js",
  "cypher-executor/dist/index.js",
  "js-sdk/dist/index.js",
  ".component-builds",
];
const missing = need.filter((p) => !existsSync(join(root, p)));
if (missing.length) {
  console.error(`pack-cli: not built (${missing.join(", ")} missing): run \`npm run build\` first`);
  process.exit(1);
}

const stage = mkdtempSync(join(tmpdir(), "arcrun-cli-pack-"));
// Test-only components (`.testdata`) are never shipped.
const copy = (from, to = from) =>
  cpSync(join(root, from), join(stage, to), { recursive: true, filter: (src) => !src.includes(".testdata") });
try {
  const cli = readJson(join(root, "cli/package.json"));
  const lock = readJson(join(root, "package-lock.json")).packages;
  // Exact versions from the lockfile: the package installs what the tests ran against.
  const pinned = (name) => lock[`node_modules/${name}`]?.version ?? cli.dependencies[name];
  const deps = Object.fromEntries(
    Object.keys(cli.dependencies)
      .filter((n) => n !== "@arcrun/sdk")
      .map((n) => [n, pinned(n)]),
  );
  // wrangler deploys the Workers (`init --self-hosted`, `update`, `deploy`); in the checkout it is a root devDependency.
  deps.wrangler = pinned("wrangler");
  const sdk = readJson(join(root, "js-sdk/package.json"));
  writeFileSync(
    join(stage, "package.json"),
    `${JSON.stringify(
      {
        name: cli.name,
        version: cli.version,
        description: cli.description,
        type: "module",
        engines: { node: ">=20.12" },
        bin: cli.bin,
        files: ["bin", "dist", "cypher-executor", "components", "examples", "recipes", "registry"],
        dependencies: { ...deps, "@arcrun/sdk": sdk.version },
        bundleDependencies: ["@arcrun/sdk"],
      },
      null,
      2,
    )}\n`,
  );
  copy("cli/bin", "bin");
  copy("cli/dist", "dist");
  copy("cypher-executor/dist");
  copy("cypher-executor/wrangler.jsonc");
  // The console's generated worker: /console on `dev`, `serve` and installs from the package.
  copy("landing/dist-console/worker.js");
  // Not `.component-builds`: a packed package must not depend on how npm treats dot-folders.
  copy(".component-builds", "components");
  for (const f of readdirSync(join(root, "examples"))) if (f !== "README.md") copy(`examples/${f}`);
  copy("recipes/api");
  copy("recipes/auth");
  for (const name of readdirSync(join(root, "registry/components"))) {
    const manifest = `registry/components/${name}/component.json`;
    if (existsSync(join(root, manifest))) copy(manifest);
  }
  mkdirSync(join(stage, "node_modules/@arcrun/sdk"), { recursive: true });
  copy("js-sdk/dist", "node_modules/@arcrun/sdk/dist");
  copy("js-sdk/package.json", "node_modules/@arcrun/sdk/package.json");
  mkdirSync(out, { recursive: true });
  const name = execFileSync("npm", ["pack", "--silent", "--pack-destination", out], {
    cwd: stage,
    encoding: "utf8",
  }).trim();
  console.log(join(out, name.split("\n").pop()));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
