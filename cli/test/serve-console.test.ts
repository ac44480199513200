import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AcrProcess } from "./support/acr-process";

// The console on `acr serve` (plain workerd): same origin as the API, served through the CONSOLE service.
const env = { ...process.env, ARCRUN_URL: "", ARCRUN_API_KEY: "", NO_COLOR: "1", WRANGLER_SEND_METRICS: "false" };
let acr: AcrProcess | undefined;
afterAll(async () => {
  await acr?.stop("SIGTERM");
});

describe("acr serve: console", () => {
  it("serves /console, its assets and deep links, and signs in with a session cookie", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-serve-console-"));
    acr = AcrProcess.spawn(["--json", "serve", "--address", "127.0.0.1:0", "--state", join(cwd, "state")], cwd, env);
    const s = await acr.waitForJson<{ url: string; apiKey: string }>();
    const shell = await fetch(`${s.url}/console/executions/x`);
    expect(shell.status).toBe(200);
    const html = await shell.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeTruthy();
    const js = await fetch(`${s.url}${script}`);
    expect(js.headers.get("content-type")).toContain("javascript");
    expect(js.headers.get("cache-control")).toContain("immutable");
    const signIn = await fetch(`${s.url}/v1/sessions`, {
      method: "POST",
      headers: { authorization: `Bearer ${s.apiKey}` },
    });
    expect(signIn.status).toBe(201);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect((await fetch(`${s.url}/v1/whoami`, { headers: { cookie } })).status).toBe(200);
  });
});
