import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AcrProcess, freePort, type StartLine } from "./support/acr-process";

// `acr dev` as a newcomer runs it: the built CLI in a child process, a real workerd, state on disk.

let acr: AcrProcess | undefined;

function startDev(cwd: string, port: number): Promise<StartLine> {
  acr = AcrProcess.spawn(["--json", "dev", "--port", String(port), "--state", join(cwd, "state")], cwd);
  return acr.waitForJson<StartLine>();
}

async function stop(): Promise<number | null> {
  const running = acr;
  acr = undefined;
  return (await running?.stop("SIGINT")) ?? null;
}

afterEach(async () => {
  await stop();
});

describe("acr dev", () => {
  it("writes dev.json, serves /health, keeps data written through the API across a restart", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-dev-"));
    const port = await freePort();
    const dev = await startDev(cwd, port);
    expect(dev.url).toBe(`http://127.0.0.1:${port}`);
    const devFile = JSON.parse(readFileSync(join(cwd, ".arcrun", "dev.json"), "utf8"));
    // dev.json only points at the platform; the key lives with the state it belongs to.
    expect(devFile).toEqual({ url: dev.url, state: join(cwd, "state"), mode: "dev" });
    expect(JSON.parse(readFileSync(join(cwd, "state", "identity.json"), "utf8"))).toEqual({
      apiKey: dev.apiKey,
      ns: dev.ns,
    });

    const health = await (await fetch(`${dev.url}/health`)).json();
    expect(health).toMatchObject({ ok: true });
    expect((await fetch(`${dev.url}/v1/whoami`)).status).toBe(401);

    // Data written through the API: a second key (stored in USERS_KV, under the state folder).
    const created = await fetch(`${dev.url}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${dev.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "user", label: "kept across restarts" }),
    });
    expect(created.status).toBe(201);
    const second = (await created.json()) as { api_key: string; tenant: { ns: string } };

    // Ctrl-C: acr drains the executor, stops workerd and exits 0.
    expect(await stop()).toBe(0);
    expect(existsSync(join(cwd, "state"))).toBe(true);

    // The key file lives outside the state folder, and nothing in the state folder holds the platform key.
    expect(dev.keyFile.startsWith(join(cwd, "state"))).toBe(false);
    expect(statSync(dev.keyFile).mode & 0o777).toBe(0o600);
    const { encryptionKey } = JSON.parse(readFileSync(dev.keyFile, "utf8"));
    for (const f of readdirSync(join(cwd, "state"), { recursive: true, encoding: "utf8" })) {
      const path = join(cwd, "state", f);
      if (statSync(path).isFile()) expect(readFileSync(path, "latin1"), f).not.toContain(encryptionKey);
    }

    const again = await startDev(cwd, port);
    // Printed in full once, at creation: a restart names it by prefix and file only.
    expect(again.apiKey).toBeUndefined();
    expect(again.apiKeyPrefix).toBe(dev.apiKey.slice(0, 8));
    expect(JSON.parse(readFileSync(again.identityFile, "utf8")).apiKey).toBe(dev.apiKey);
    expect(acr?.out).not.toContain(dev.apiKey);
    const who = await fetch(`${again.url}/v1/whoami`, { headers: { authorization: `Bearer ${second.api_key}` } });
    expect(who.status).toBe(200);
    expect(await who.json()).toMatchObject({ ns: second.tenant.ns, label: "kept across restarts" });
  }, 120_000);
});

describe("acr dev --allow-host", () => {
  it("lets a workflow's http_request reach a service on this machine", async () => {
    const { createServer } = await import("node:http");
    const service = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ seen: req.url }));
    });
    await new Promise<void>((r) => service.listen(0, "127.0.0.1", () => r()));
    const servicePort = (service.address() as { port: number }).port;
    try {
      const cwd = mkdtempSync(join(tmpdir(), "arcrun-dev-allow-"));
      const port = await freePort();
      acr = AcrProcess.spawn(
        ["--json", "dev", "--port", String(port), "--state", join(cwd, "state"), "--allow-host", "127.0.0.1"],
        cwd,
      );
      const dev = await acr.waitForJson<StartLine>();
      const auth = { authorization: `Bearer ${dev.apiKey}` };
      const yaml = `name: local_call
flow:
  - input >> ON_SUCCESS >> call
config:
  call:
    component: http_request
    method: GET
    url: "http://127.0.0.1:${servicePort}/ping"
`;
      const consent = { confirmed_by_human: true, understood: true, confirmed_at: new Date().toISOString() };
      const put = await fetch(`${dev.url}/v1/workflows/local_call`, {
        method: "PUT",
        headers: { ...auth, "content-type": "application/yaml", "x-arcrun-exposure-consent": JSON.stringify(consent) },
        body: yaml,
      });
      expect(put.status, await put.clone().text()).toBeLessThan(300);
      const run = await fetch(`${dev.url}/webhooks/named/${dev.ns}/local_call/trigger`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: "{}",
      });
      const text = await run.text();
      expect(run.status, text).toBe(200);
      expect(text).toContain("/ping");
    } finally {
      service.close();
    }
  }, 120_000);
});
