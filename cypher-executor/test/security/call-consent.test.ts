import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exposureConsent, startTestPlatform, type TestPlatform } from "../support/platform";

// The attack run: `POST /v1/components/http_request/call` reached any host without the exposure consent a
// workflow needs. Now a component that can call out asks for the same consent (once per exposure and key).
let p: TestPlatform;
let server: Server;
let origin: string;
let hits = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  p = await startTestPlatform({ allowHosts: ["127.0.0.1"] });
});
afterAll(async () => {
  await p?.dispose();
  server?.close();
});

const callAs = (key: string, component: string, input: unknown, headers: Record<string, string> = {}) =>
  fetch(`${p.url}/v1/components/${component}/call`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ input }),
  });

describe("components/call exposure consent", () => {
  it("refuses http_request to a host without consent (nothing sent), runs it with consent, remembers it", async () => {
    const before = hits;
    const refused = await callAs(p.apiKey, "http_request", { url: `${origin}/x`, body: { secret: "data" } });
    const body = (await refused.json()) as {
      error: { code: string; message: string; review: { destinations: { host: string }[] } };
    };
    expect(refused.status).toBe(403);
    expect(body.error.code).toBe("EXPOSURE_CONSENT_REQUIRED");
    expect(body.error.message).toContain("127.0.0.1");
    expect(body.error.review.destinations.map((d) => d.host)).toEqual([new URL(origin).host]);
    expect(hits).toBe(before);

    const ok = await callAs(p.apiKey, "http_request", { url: `${origin}/x` }, exposureConsent());
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(hits).toBe(before + 1);
    // The same exposure again: the stored consent covers it.
    expect((await callAs(p.apiKey, "http_request", { url: `${origin}/y` })).status).toBe(200);
  });

  it("asks again for another host, for a URL hidden in a nested input, and for another tenant", async () => {
    const other = await callAs(p.apiKey, "http_request", { url: "https://api.example.com/v1" });
    expect(other.status).toBe(403);
    const oauth = await callAs(p.apiKey, "auth_oauth2", {
      auth_recipe: { token_exchange: { endpoint: `${origin}/token` } },
      credentials: {},
    });
    expect(oauth.status).toBe(403);
    const second = await p.newKey("user");
    const theirs = await callAs(second.apiKey, "http_request", { url: `${origin}/x` });
    expect(theirs.status).toBe(403);
    // A URL computed out of sight (no URL in the input) is reviewed as a run-time host.
    const hidden = await callAs(p.apiKey, "http_request", {});
    expect(hidden.status).toBe(403);
    expect(await hidden.text()).toContain("computed at run time");
  });

  it("components that cannot call out need no consent", async () => {
    const res = await callAs(p.apiKey, "set", { values: { url: "https://api.example.com/" } });
    expect(res.status).toBe(200);
  });
});
