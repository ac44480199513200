import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consent, localize, pushPair, type StandIn, seedFile, startStandIn, storeCredential } from "./recipes-helpers";
import { startTestPlatform, type TestPlatform } from "./support/platform";

// Recipes as workflow steps: `component: telegram_send` (or its rec_ id) runs through the engine,
// with the credential by reference; the plaintext never reaches the execution record.

type Json = Record<string, any>;
let p: TestPlatform;
let s: StandIn;

beforeAll(async () => {
  s = await startStandIn((r) => {
    if (r.method === "POST" && r.path === "/botT0K3N-secret/sendMessage") {
      const b = JSON.parse(r.body);
      return { status: 200, json: { ok: true, result: { message_id: 99, chat: { id: b.chat_id }, text: b.text } } };
    }
    return { status: 404, json: { ok: false, description: "Not Found" } };
  });
  p = await startTestPlatform({ allowHosts: ["127.0.0.1"] });
  await p.call("POST", "/v1/init/seed");
  await pushPair(p, localize(seedFile("auth", "telegram"), s), localize(seedFile("api", "telegram_send"), s));
  await storeCredential(p, "tg", "T0K3N-secret");
});
afterAll(async () => {
  await p?.dispose();
  await s?.close();
});

const workflow = (component: string) => `name: notify
trigger:
  webhook: { auth: api_key }
flow:
  - input >> ON_SUCCESS >> tell
  - tell >> ON_SUCCESS >> output
config:
  tell:
    component: ${component}
    credential: tg
    chat_id: "{{ input.chat }}"
    text: "New order {{ input.order }}"
  output:
    component: set
    values:
      sent: "{{ tell.message_id }}"
`;

async function deployAndRun(yaml: string, input: Json): Promise<Json> {
  const put = await p.call("PUT", "/v1/workflows/notify", yaml, {
    "content-type": "application/yaml",
    "x-arcrun-exposure-consent": JSON.stringify(consent()),
  });
  if (put.status >= 300) throw new Error(`deploy: ${put.status} ${await put.text()}`);
  const res = await p.call("POST", "/v1/workflows/notify/runs", input);
  return (await res.json()) as Json;
}

describe("recipes as workflow steps", () => {
  it("deploying a workflow that sends data out needs exposure consent once", async () => {
    const yaml = workflow("telegram_send").replace("name: notify", "name: consented");
    const put = (h: Record<string, string> = {}) =>
      p.call("PUT", "/v1/workflows/consented", yaml, { "content-type": "application/yaml", ...h });
    const denied = await put();
    expect(denied.status).toBe(403);
    const e = ((await denied.json()) as Json).error;
    expect(e.code).toBe("EXPOSURE_CONSENT_REQUIRED");
    expect(e.review.destinations.map((d: Json) => d.host)).toEqual([s.host]);
    expect((await put({ "x-arcrun-exposure-consent": JSON.stringify(consent()) })).status).toBe(201);
    expect((await put()).status).toBe(200);
  });

  it("component: telegram_send runs the recipe with the credential by reference", async () => {
    const run = await deployAndRun(workflow("telegram_send"), { chat: 5150, order: "A-17" });
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    expect(run.nodes.tell.data).toMatchObject({ status: 200, message_id: 99, chat_id: 5150 });
    expect(run.output).toMatchObject({ sent: 99 });
    const seen = s.seen.at(-1);
    expect(JSON.parse(seen?.body ?? "{}")).toEqual({ chat_id: 5150, text: "New order A-17" });
    expect(JSON.stringify(run)).not.toContain("T0K3N-secret");
  });

  it("the rec_ id works as the component too", async () => {
    const found = (await (await p.call("GET", "/v1/recipes?q=telegram_send")).json()) as Json;
    const id = found.recipes[0].id as string;
    const run = await deployAndRun(workflow(id), { chat: 1, order: "B-2" });
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    expect(run.output).toMatchObject({ sent: 99 });
  });

  it("a failing recipe step fails the node with the recipe's error code", async () => {
    const yaml = workflow("telegram_send").replace("credential: tg", "credential: nope");
    const run = await deployAndRun(yaml, { chat: 1, order: "C-3" });
    expect(run.status).toBe("failed");
    expect(run.nodes.tell.error.code).toBe("CREDENTIAL_NOT_FOUND");
  });

  it("an unknown recipe name is refused at deploy time", async () => {
    const put = await p.call(
      "PUT",
      "/v1/workflows/notify2",
      workflow("telegram_sendd").replace("name: notify", "name: notify2"),
      {
        "content-type": "application/yaml",
      },
    );
    expect(put.status).toBe(400);
    expect(await put.text()).toContain("UNKNOWN_COMPONENT");
  });
});
