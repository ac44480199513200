import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../../cypher-executor/test/support/platform";

// `npm pack` of the built SDK installed into an empty folder (no network: the SDK has no dependencies),
// then the README's quick start, as written, against the real platform: in Node, then in Deno.
const sdk = join(__dirname, "..");
let p: TestPlatform;
let dir: string;
beforeAll(async () => {
  p = await startTestPlatform();
  dir = mkdtempSync(join(tmpdir(), "arcrun-sdk-pack-"));
});
afterAll(async () => {
  await p?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("the packed SDK installs into an empty folder and runs the README quick start", () => {
  // A runtime dependency would need the registry at install time (and every user would download it).
  const manifest = JSON.parse(readFileSync(join(sdk, "package.json"), "utf8")) as { dependencies?: object };
  expect(manifest.dependencies ?? {}, "the SDK has no runtime dependencies").toEqual({});
  execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: sdk, stdio: "pipe" });
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  expect(tarball).toMatch(/^arcrun-sdk-.*\.tgz$/);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "quick", private: true, type: "module" }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", `./${tarball}`], { cwd: dir, stdio: "pipe" });
  const readme = readFileSync(join(sdk, "README.md"), "utf8");
  const quick = /## Quick start\s+```js\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  expect(quick.split("\n").filter(Boolean).length).toBeLessThanOrEqual(11);
  writeFileSync(join(dir, "quick.mjs"), quick);
  const out = execFileSync("node", ["quick.mjs"], {
    cwd: dir,
    env: { ...process.env, ARCRUN_URL: p.url, ARCRUN_API_KEY: p.apiKey, ARCRUN_ENCRYPTION_KEY: p.encryptionKey },
    encoding: "utf8",
  });
  expect(out.trim()).toBe("succeeded { message: 'Hello Ada' }");
});

// Deno from npm (the `deno` package ships the binary): the same installed package and quick start, with
// network access to 127.0.0.1 only.
it("the same quick start runs in Deno", () => {
  const deno = join(sdk, "..", "node_modules", ".bin", "deno");
  expect(existsSync(deno), "npm ci installs deno (a js-sdk devDependency)").toBe(true);
  const out = execFileSync(
    deno,
    ["run", "--no-prompt", "--allow-net=127.0.0.1", "--allow-env", "--allow-read", "quick.mjs"],
    {
      cwd: dir,
      env: {
        ...process.env,
        DENO_DIR: join(dir, ".deno"),
        DENO_NO_UPDATE_CHECK: "1",
        ARCRUN_URL: p.url,
        ARCRUN_API_KEY: p.apiKey,
        ARCRUN_ENCRYPTION_KEY: p.encryptionKey,
      },
      encoding: "utf8",
    },
  );
  expect(out.trim()).toBe('succeeded { message: "Hello Ada" }');
});
