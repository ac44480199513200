import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type AcrRun, runToEnd } from "../support/acr-process";
import { FakeCloudflare } from "../support/fake-cloudflare";

// The CLI as a user gets it from npm: `npm pack`, installed into an empty folder outside the checkout,
// then `acr dev`, `acr run hello` and `acr init --self-hosted --dry-run` run from another empty folder.
// Runs in `npm run test:release` (CI), not in `npm test`: it installs the package's dependencies.
const root = join(import.meta.dirname, "..", "..", "..");

let bin = "";
let work = "";
let home = "";
const env = () => ({
  PATH: process.env.PATH ?? "",
  HOME: home,
  ARCRUN_HOME: join(home, "cfg"),
  WRANGLER_SEND_METRICS: "false",
  NO_COLOR: "1",
});

function run(args: string[], extra: Record<string, string> = {}): Promise<AcrRun> {
  return runToEnd(bin, args, { cwd: work, env: { ...env(), ...extra } });
}

beforeAll(() => {
  const out = mkdtempSync(join(tmpdir(), "arcrun-pack-"));
  execFileSync(process.execPath, [join(root, "scripts", "pack-cli.mjs"), "--out", out], { stdio: "pipe" });
  const tarball = join(out, readdirSync(out).find((f) => f.endsWith(".tgz")) ?? "");
  const prefix = mkdtempSync(join(tmpdir(), "arcrun-installed-"));
  // The registry serves only third-party dependencies (miniflare, wrangler, …); @arcrun/sdk is bundled.
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--no-save", tarball], {
    cwd: prefix,
    stdio: "pipe",
    env: { ...process.env, npm_config_loglevel: "error" },
  });
  bin = join(prefix, "node_modules", ".bin", "acr");
  work = mkdtempSync(join(tmpdir(), "arcrun-empty-"));
  home = mkdtempSync(join(tmpdir(), "arcrun-home-"));
}, 300_000);

describe("the packed @arcrun/cli", () => {
  it("is installed with its bin, outside the checkout, with the executor and components inside", () => {
    expect(existsSync(bin)).toBe(true);
    expect(bin.startsWith(root)).toBe(false);
    const pkg = join(bin, "..", "..", "@arcrun", "cli");
    expect(existsSync(join(pkg, "cypher-executor", "dist", "index.js"))).toBe(true);
    expect(existsSync(join(pkg, "components", "set", "worker.js"))).toBe(true);
    expect(existsSync(join(pkg, "components", ".testdata"))).toBe(false);
  });

  it("dev starts in an empty folder, and run hello answers", async () => {
    const child = spawn(bin, ["--json", "dev", "--port", "0"], {
      cwd: work,
      env: env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    try {
      const deadline = Date.now() + 90_000;
      while (!out.includes("\n") && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(err).toBe("");
      const started = JSON.parse(out.split("\n")[0] ?? "") as { url: string; ns: string };
      expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const hello = await run(["--json", "run", "hello", "--input", "name=Ada"]);
      expect(hello.stderr).toBe("");
      expect(hello.code).toBe(0);
      expect(hello.stdout).toContain("Hello Ada");
    } finally {
      child.kill("SIGINT");
      await new Promise((r) => child.on("exit", r));
    }
  }, 120_000);

  it("init --self-hosted --dry-run plans the install against the Cloudflare API fake", async () => {
    const fake = new FakeCloudflare();
    await fake.start();
    try {
      const r = await run(["init", "--self-hosted", "--dry-run"], {
        CLOUDFLARE_API_BASE_URL: fake.url,
        CLOUDFLARE_ACCOUNT_ID: fake.accountId,
        CLOUDFLARE_API_TOKEN: fake.addToken(),
      });
      expect(r.stderr).not.toContain("cannot find the arcrun project root");
      expect(r.code).toBe(0);
      expect(`${r.stdout}${r.stderr}`).toMatch(/kv\/namespaces/);
      // A dry run changes nothing in the account.
      expect(fake.kv.size).toBe(0);
    } finally {
      await fake.stop();
    }
  }, 120_000);
});
