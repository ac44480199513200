import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeWranglerConfigs } from "../src/installer/workers.js";
import { KV_BINDINGS } from "../src/platform/local.js";
import { loadOrCreateSecrets } from "../src/platform/secrets.js";
import { startServePlatform } from "../src/platform/serve/index.js";

// The CORS allow-list reaches the executor on every platform: acr serve (plain workerd) and Cloudflare
// (the installer's wrangler vars). acr dev / startLocalPlatform: js-sdk/test/browser.test.ts.
const root = join(__dirname, "..", "..");
const dirs: string[] = [];
const tmp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("CORS allow-list", () => {
  it("the installer writes ARCRUN_CORS_ORIGINS into the executor's vars only when origins are given", () => {
    const base = {
      root,
      prefix: "arcrun",
      kv: Object.fromEntries(KV_BINDINGS.map((b) => [b, `id-${b}`])),
      bucket: "arcrun-wasm",
      subdomain: "me",
      components: [],
    };
    const vars = (corsOrigins?: string[]) =>
      writeWranglerConfigs({ ...base, outDir: tmp("arcrun-deploy-"), corsOrigins }).find((w) => w.kind === "executor")
        ?.config.vars;
    expect(vars(["https://app.example.com", "http://localhost:5173"])).toMatchObject({
      ARCRUN_CORS_ORIGINS: "https://app.example.com,http://localhost:5173",
      ARCRUN_ENV: "production",
    });
    expect(vars()).not.toHaveProperty("ARCRUN_CORS_ORIGINS");
  });

  it("acr serve answers a preflight from an allowed origin, and none from another", async () => {
    const dir = tmp("arcrun-serve-cors-");
    const secrets = loadOrCreateSecrets(join(dir, "secrets.json"));
    const serve = await startServePlatform({
      stateDir: dir,
      secrets,
      address: "127.0.0.1:0",
      corsOrigins: ["https://app.example.com"],
    });
    try {
      const preflight = (origin: string) =>
        fetch(`${serve.url}/v1/workflows`, {
          method: "OPTIONS",
          headers: {
            origin,
            "access-control-request-method": "PUT",
            "access-control-request-headers": "authorization",
          },
        });
      const ok = await preflight("https://app.example.com");
      expect(ok.status).toBe(204);
      expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      expect(ok.headers.get("access-control-allow-methods")).toContain("PUT");
      expect((await preflight("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
      const health = await fetch(`${serve.url}/health`, { headers: { origin: "https://app.example.com" } });
      expect(health.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    } finally {
      await serve.dispose();
    }
  });
});
