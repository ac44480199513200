import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealCredential } from "../src/credentials/envelope";
import { startTestPlatform, type TestPlatform } from "./support/platform";

// The MCP server at /mcp, driven by the official SDK's own client over Streamable HTTP, against the real
// platform on workerd. The stdio transport (`acr mcp`) is tested in cli/test/mcp-stdio.test.ts.

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.dispose());

async function connect(apiKey: string): Promise<Client> {
  const client = new Client({ name: "arcrun-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${p.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
    }),
  );
  return client;
}

type Structured = Record<string, unknown>;
const structured = (r: unknown) => (r as { structuredContent: Structured }).structuredContent;

const BROKEN = `name: greet_mcp
flow:
  - input >> ON_SUCESS >> greet
config:
  greet: { component: set, values: { message: "Hello {{ input.name }}" } }
`;
const FIXED = BROKEN.replace("ON_SUCESS", "ON_SUCCESS");

describe("MCP over Streamable HTTP", () => {
  it("refuses a caller without a valid API key", async () => {
    const res = await fetch(`${p.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    const bad = await fetch(`${p.url}/mcp`, {
      method: "POST",
      headers: { authorization: "Bearer acr_not_a_key", "content-type": "application/json" },
      body: "{}",
    });
    expect(bad.status).toBe(401);
  });

  it("lists the documented tools, resources and prompts", async () => {
    const client = await connect(p.apiKey);
    const tools = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(tools).toEqual(
      [
        "deploy_workflow",
        "get_component",
        "get_execution",
        "get_workflow",
        "list_components",
        "list_credentials",
        "list_executions",
        "list_recipes",
        "list_workflows",
        "resume_execution",
        "run_workflow",
        "validate_workflow",
      ].sort(),
    );
    const resources = (await client.listResources()).resources.map((r) => r.uri);
    expect(resources).toContain("arcrun://docs/workflow-format");
    expect(resources).toContain("arcrun://components/set/readme");
    expect(resources).toContain("arcrun://examples/hello");
    const format = await client.readResource({ uri: "arcrun://docs/workflow-format" });
    expect((format.contents[0] as { text: string }).text).toContain("ON_SUCCESS");
    const prompts = (await client.listPrompts()).prompts.map((x) => x.name).sort();
    expect(prompts).toEqual(["build_workflow", "debug_execution"]);
    const prompt = await client.getPrompt({ name: "debug_execution", arguments: { execution_id: "ex1" } });
    expect(JSON.stringify(prompt.messages)).toContain("get_execution");
    await client.close();
  });

  it("lists components with schemas and examples", async () => {
    const client = await connect(p.apiKey);
    const r = structured(await client.callTool({ name: "list_components", arguments: {} }));
    const set = (r.components as Structured[]).find((c) => c.name === "set");
    expect(set?.input_schema).toBeTypeOf("object");
    expect(set?.example).toBeDefined();
    await client.close();
  });

  it("validates a broken workflow with line/column and a hint, deploys the fixed one, runs it, reads it", async () => {
    const client = await connect(p.apiKey);
    const v = structured(await client.callTool({ name: "validate_workflow", arguments: { yaml: BROKEN } }));
    expect(v.valid).toBe(false);
    const err = (v.errors as Structured[])[0];
    expect(err).toMatchObject({ code: "UNKNOWN_EDGE_LABEL", line: 3 });
    expect(err?.column).toBeGreaterThan(1);
    expect(err?.hint).toMatch(/ON_SUCCESS/);

    const notDeployed = await client.callTool({ name: "deploy_workflow", arguments: { yaml: BROKEN } });
    expect(notDeployed.isError).toBe(true);
    expect((await p.call("GET", "/v1/workflows/greet_mcp")).status).toBe(404);

    const d = structured(await client.callTool({ name: "deploy_workflow", arguments: { yaml: FIXED } }));
    expect(d).toMatchObject({ deployed: true, workflow: { name: "greet_mcp", version: 1 } });

    const run = await client.callTool({
      name: "run_workflow",
      arguments: { name: "greet_mcp", input: { name: "Ada" } },
    });
    const rec = structured(run);
    expect(rec.status).toBe("succeeded");
    expect(rec.output).toEqual({ message: "Hello Ada" });

    const got = structured(await client.callTool({ name: "get_execution", arguments: { id: rec.id } }));
    expect((got.nodes as Structured[]).find((n) => n.id === "greet")).toMatchObject({ status: "succeeded" });
    const list = structured(await client.callTool({ name: "list_executions", arguments: { workflow: "greet_mcp" } }));
    expect((list.executions as Structured[]).map((e) => e.id)).toContain(rec.id);
    await client.close();
  });

  it("never deploys a workflow that needs exposure consent: it returns the review for a human", async () => {
    const client = await connect(p.apiKey);
    const yaml = `name: leaks_mcp
flow:
  - input >> ON_SUCCESS >> send
config:
  send:
    component: http_request
    method: POST
    url: "https://hooks.example.com/in"
    body: "{{ input }}"
`;
    const r = await client.callTool({ name: "deploy_workflow", arguments: { yaml } });
    expect(r.isError).toBe(true);
    const s = structured(r);
    expect(s).toMatchObject({ deployed: false, consent_required: true });
    expect(JSON.stringify(s.review)).toContain("hooks.example.com");
    expect((s.human_action as Structured).command).toContain("acr push");
    expect((await p.call("GET", "/v1/workflows/leaks_mcp")).status).toBe(404);
    // The tool takes no consent argument at all: an agent cannot smuggle one in.
    const tools = (await client.listTools()).tools;
    const deploy = tools.find((t) => t.name === "deploy_workflow");
    const props = (deploy?.inputSchema as { properties?: object } | undefined)?.properties ?? {};
    expect(Object.keys(props).sort()).toEqual(["name", "yaml"]);
    await client.close();
  });

  it("a second tenant's key sees nothing of the first", async () => {
    const other = await p.newKey("user");
    const client = await connect(other.apiKey);
    const wfs = structured(await client.callTool({ name: "list_workflows", arguments: {} }));
    expect((wfs.workflows as Structured[]).map((w) => w.name)).not.toContain("greet_mcp");
    const ex = structured(await client.callTool({ name: "list_executions", arguments: {} }));
    expect(ex.executions).toEqual([]);
    const mine = structured(
      await (await connect(p.apiKey)).callTool({ name: "list_executions", arguments: { workflow: "greet_mcp" } }),
    );
    const id = (mine.executions as Structured[])[0]?.id as string;
    const theirs = await client.callTool({ name: "get_execution", arguments: { id } });
    expect(theirs.isError).toBe(true);
    expect(structured(theirs)).toMatchObject({ error: { code: "EXECUTION_NOT_FOUND" } });
    const run = await client.callTool({ name: "run_workflow", arguments: { name: "greet_mcp" } });
    expect(run.isError).toBe(true);
    await client.close();
  });

  it("list_credentials gives names only, never values or envelopes", async () => {
    const secret = "sk_live_mcp_never_shown_123";
    const put = await p.call(
      "PUT",
      "/v1/credentials/mcp_token",
      await sealCredential(p.encryptionKey, "mcp_token", secret),
    );
    expect(put.status).toBeLessThan(300);
    const client = await connect(p.apiKey);
    const r = await client.callTool({ name: "list_credentials", arguments: {} });
    expect(structured(r)).toEqual({ credentials: ["mcp_token"] });
    expect(JSON.stringify(r)).not.toContain(secret);
    expect(JSON.stringify(r)).not.toMatch(/encrypted|"iv"/);
    await client.close();
  });

  it("rate-limits tool calls per key with 429 and Retry-After", async () => {
    const { apiKey } = await p.newKey("user");
    const batch = Array.from({ length: 70 }, (_, i) => ({
      jsonrpc: "2.0",
      id: i,
      method: "tools/call",
      params: { name: "list_workflows", arguments: {} },
    }));
    const res = await fetch(`${p.url}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${apiKey}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify(batch),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
