import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptCredential } from "../../../js-sdk/src/index";
import { hmacThroughComponent } from "../support/credentials";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { reportFigures } from "./support/summary";

// The tenant matrix: every route of the API (read from GET /openapi.json, plus the few routes outside it),
// called by each of two tenants with the other's identifiers (workflow, credential, execution, key id,
// namespace). No answer may contain what only the other tenant stored, and nothing of the other's may
// change. Then the host functions: a tenant's component asking for the other's credential.

interface Tenant {
  apiKey: string;
  ns: string;
  keyId: string;
  workflow: string;
  credential: string;
  executionId: string;
  /** Strings only this tenant ever stored or produced. */
  secrets: string[];
}

let p: TestPlatform;
const tenants: Tenant[] = [];
const tally = { routes: 0, calls: 0, leaks: 0, changed: 0 };

async function makeTenant(tag: string): Promise<Tenant> {
  const { apiKey, ns } = await p.newKey("user");
  const r = randomBytes(4).toString("hex");
  const workflow = `wf${tag}${r}`;
  const credential = `cred${tag}${r}`;
  const desc = `MARKDESC${tag}${r}`;
  const out = `MARKOUT${tag}${r}`;
  const secret = `MARKSECRET${tag}${r}`;
  const headers = { authorization: `Bearer ${apiKey}` };
  const yaml = `name: ${workflow}\ndescription: ${desc}\nflow:\n  - input >> ON_SUCCESS >> a\nconfig:\n  a: { component: set, values: { m: ${out}, echo: "{{ input.x }}" } }\n`;
  const put = await fetch(`${p.url}/v1/workflows/${workflow}`, {
    method: "PUT",
    headers: { ...headers, "content-type": "application/yaml" },
    body: yaml,
  });
  expect(put.status, await put.clone().text()).toBe(201);
  const cred = await fetch(`${p.url}/v1/credentials/${credential}`, {
    method: "PUT",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(await encryptCredential(p.encryptionKey, credential, secret)),
  });
  expect(cred.status).toBeLessThan(300);
  const run = await fetch(`${p.url}/v1/workflows/${workflow}/runs`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ x: `MARKIN${tag}${r}` }),
  });
  const ran = (await run.json()) as { execution_id: string };
  expect(ran.execution_id).toBeTruthy();
  const keyId = createHash("sha256").update(apiKey).digest("hex").slice(0, 16);
  return {
    apiKey,
    ns,
    keyId,
    workflow,
    credential,
    executionId: ran.execution_id,
    secrets: [apiKey, desc, out, secret, `MARKIN${tag}${r}`, ran.execution_id, workflow, credential, ns, keyId],
  };
}

beforeAll(async () => {
  p = await startTestPlatform();
  tenants.push(await makeTenant("a"), await makeTenant("b"));
}, 120_000);
afterAll(async () => {
  console.log(`tenant matrix: ${JSON.stringify(tally)}`);
  reportFigures("tenant matrix: every route as another tenant", {
    tried: tally.calls,
    breaches: tally.leaks + tally.changed,
    note: `${tally.routes} routes; leaks ${tally.leaks}, other tenant's data changed ${tally.changed}`,
  });
  await p?.dispose();
});

/** Every route: the OpenAPI document's, plus the ones served outside it. */
async function routes(): Promise<Array<{ method: string; path: string }>> {
  const doc = (await (await fetch(`${p.url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const out: Array<{ method: string; path: string }> = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) out.push({ method: method.toUpperCase(), path });
  }
  for (const extra of [
    { method: "POST", path: "/mcp" },
    { method: "GET", path: "/console/" },
  ]) {
    if (!out.some((r) => r.method === extra.method && r.path === extra.path)) out.push(extra);
  }
  return out;
}

/** Fills a route's parameters with the victim's identifiers. */
function fill(path: string, victim: Tenant): string {
  const name = path.startsWith("/v1/credentials")
    ? victim.credential
    : path.startsWith("/v1/components")
      ? "set"
      : victim.workflow;
  return path
    .replace("{ns}", victim.ns)
    .replace("{name}", name)
    .replace(
      "{id}",
      path.startsWith("/v1/keys")
        ? victim.keyId
        : path.startsWith("/v1/executions")
          ? victim.executionId
          : victim.workflow,
    )
    .replace("{service}", victim.credential);
}

function bodyFor(method: string, path: string, victim: Tenant): { body?: string; type?: string } {
  if (method === "GET" || method === "DELETE") return {};
  if (path === "/v1/workflows/{name}" || path === "/validate") {
    // The attacker's own workflow under the victim's name: it must land in the attacker's space.
    return {
      type: "application/yaml",
      body: `name: ${victim.workflow}\nflow:\n  - input >> ON_SUCCESS >> a\nconfig:\n  a: { component: set, values: { x: 1 } }\n`,
    };
  }
  if (path === "/mcp") {
    return {
      type: "application/json",
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "get_execution", arguments: { id: victim.executionId } },
      }),
    };
  }
  return {
    type: "application/json",
    body: JSON.stringify({ name: victim.workflow, id: victim.executionId, input: {} }),
  };
}

async function victimState(v: Tenant): Promise<string> {
  const h = { authorization: `Bearer ${v.apiKey}` };
  const parts = await Promise.all(
    [
      `/v1/workflows/${v.workflow}`,
      `/v1/credentials/${v.credential}`,
      `/v1/executions/${v.executionId}`,
      "/v1/whoami",
    ].map(async (path) => {
      const res = await fetch(`${p.url}${path}`, { headers: h });
      const text = await res.text();
      // Times that move on their own (last used) are not changes.
      return `${path} ${res.status} ${text.replace(/"last_used_at":"[^"]*"/g, "")}`;
    }),
  );
  return parts.join("\n");
}

describe("tenant isolation matrix", () => {
  it("every route, each tenant with the other's identifiers: 0 leaks, 0 changes", async () => {
    const all = await routes();
    tally.routes = all.length;
    expect(all.length).toBeGreaterThan(40);
    const pairs: Array<[Tenant, Tenant]> = [
      [tenants[0]!, tenants[1]!],
      [tenants[1]!, tenants[0]!],
    ];
    for (const [attacker, victim] of pairs) {
      const before = await victimState(victim);
      for (const r of all) {
        const url = fill(r.path, victim);
        const { body, type } = bodyFor(r.method, r.path, victim);
        const res = await fetch(`${p.url}${url}`, {
          method: r.method,
          headers: {
            authorization: `Bearer ${attacker.apiKey}`,
            ...(type ? { "content-type": type } : {}),
            accept: "application/json, text/event-stream",
          },
          ...(body ? { body } : {}),
        });
        // A stream (tail) is read for a moment only.
        const text =
          res.headers.get("content-type")?.includes("event-stream") === true
            ? await Promise.race([res.text(), new Promise<string>((r2) => setTimeout(() => r2(""), 300))])
            : await res.text();
        tally.calls++;
        expect(res.status, `${r.method} ${url}`).toBeLessThan(500);
        // What the attacker itself sent (a name in its URL or body) may come back; nothing else of the victim's.
        const sent = `${url} ${body ?? ""}`;
        for (const s of victim.secrets) {
          if (sent.includes(s)) continue;
          if (text.includes(s)) {
            tally.leaks++;
            throw new Error(
              `${r.method} ${url} as the other tenant answered ${res.status} with "${s}": ${text.slice(0, 300)}`,
            );
          }
        }
      }
      const after = await victimState(victim);
      if (after !== before) tally.changed++;
      expect(after).toBe(before);
    }
    expect(tally.leaks).toBe(0);
  }, 300_000);

  it("control: the same calls by the owner do show the markers (the check can see a leak)", async () => {
    const v = tenants[0]!;
    for (const [method, path] of [
      ["GET", "/v1/workflows/{name}"],
      ["GET", "/v1/executions/{id}"],
      ["POST", "/mcp"],
    ] as const) {
      const { body, type } = bodyFor(method, path, v);
      const res = await fetch(`${p.url}${fill(path, v)}`, {
        method,
        headers: {
          authorization: `Bearer ${v.apiKey}`,
          ...(type ? { "content-type": type } : {}),
          accept: "application/json, text/event-stream",
        },
        ...(body ? { body } : {}),
      });
      const text = await res.text();
      expect(
        v.secrets.slice(1, 5).some((s) => text.includes(s)),
        `${method} ${path}: ${text.slice(0, 200)}`,
      ).toBe(true);
    }
  });

  it("host functions: a component never gets the other tenant's credential", async () => {
    const [a, b] = [tenants[0]!, tenants[1]!];
    const crypto = await hmacThroughComponent(p, b.credential, "m", a.apiKey);
    if (crypto) {
      expect(crypto.status).not.toBe(200);
      for (const s of b.secrets.slice(0, 5)) expect(crypto.text).not.toContain(s);
    }
    // A workflow templating the other's credential into a request fails before any request is made.
    const name = `steal${randomBytes(3).toString("hex")}`;
    const yaml = `name: ${name}\nflow:\n  - input >> ON_SUCCESS >> a\nconfig:\n  a: { component: http_request, url: "https://api.example.com/", headers: { x: "{{ credential.${b.credential} }}" } }\n`;
    const h = { authorization: `Bearer ${a.apiKey}` };
    const consent = JSON.stringify({
      confirmed_by_human: true,
      understood: true,
      confirmed_at: new Date().toISOString(),
    });
    await fetch(`${p.url}/v1/workflows/${name}`, {
      method: "PUT",
      headers: { ...h, "content-type": "application/yaml", "x-arcrun-exposure-consent": consent },
      body: yaml,
    });
    const run = await fetch(`${p.url}/v1/workflows/${name}/runs`, { method: "POST", headers: h });
    const text = await run.text();
    expect(text).toMatch(/CREDENTIAL_NOT_FOUND|not found|unknown credential/i);
    for (const s of b.secrets.slice(0, 5)) expect(text).not.toContain(s);
  });
});
