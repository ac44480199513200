import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../../cypher-executor/test/support/platform";
import { acrBin } from "./support/acr-process";

// `acr mcp`: the official SDK client drives the real CLI over stdio, which carries the messages to the
// real platform's /mcp on workerd. The second test is a scripted agent session: a fixed sequence of tool
// calls that builds the README's hello workflow from scratch, fixes a mistake the validator points at, and runs it.

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.dispose());

async function stdioClient(env: Record<string, string>): Promise<Client> {
  const client = new Client({ name: "arcrun-stdio-test", version: "1.0.0" });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [acrBin, "mcp"],
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", WRANGLER_SEND_METRICS: "false", ...env },
      stderr: "pipe",
    }),
  );
  return client;
}

type Structured = Record<string, unknown>;
const structured = (r: unknown) => (r as { structuredContent: Structured }).structuredContent;

describe("acr mcp (stdio)", () => {
  it("a scripted agent session builds the README's hello workflow from scratch and runs it", async () => {
    const agent = await stdioClient({ ARCRUN_URL: p.url, ARCRUN_API_KEY: p.apiKey });

    // 1. Learn the format and the parts.
    const format = await agent.readResource({ uri: "arcrun://docs/workflow-format" });
    expect((format.contents[0] as { text: string }).text).toMatch(/flow/);
    const parts = structured(await agent.callTool({ name: "list_components", arguments: {} }));
    expect((parts.components as Structured[]).some((c) => c.name === "set")).toBe(true);

    // 2. A first draft with a typo in a template root; the validator names the line and column.
    const draft = [
      "name: hello",
      "flow:",
      "  - input >> ON_SUCCESS >> greet",
      "  - greet >> ON_SUCCESS >> output",
      "config:",
      "  greet:",
      "    component: set",
      "    values:",
      '      message: "Hello {{ input.name }}"',
      "  output:",
      "    component: set",
      "    values:",
      '      greeting: "{{ greeet.message }}"',
      '      at: "{{ workflow.name }}"',
      "",
    ].join("\n");
    const v1 = structured(await agent.callTool({ name: "validate_workflow", arguments: { yaml: draft } }));
    expect(v1.valid).toBe(false);
    const e = (v1.errors as Structured[])[0] as Structured;
    expect(e.line).toBe(13);
    expect(typeof e.hint).toBe("string");

    // 3. Fix exactly what was pointed at, validate, deploy, run, read.
    const fixed = draft.replace("greeet", "greet");
    expect(structured(await agent.callTool({ name: "validate_workflow", arguments: { yaml: fixed } })).valid).toBe(
      true,
    );
    const deployed = structured(await agent.callTool({ name: "deploy_workflow", arguments: { yaml: fixed } }));
    expect(deployed).toMatchObject({ deployed: true, workflow: { name: "hello" } });
    const run = structured(
      await agent.callTool({ name: "run_workflow", arguments: { name: "hello", input: { name: "Ada" } } }),
    );
    expect(run).toMatchObject({ status: "succeeded", output: { greeting: "Hello Ada", at: "hello" } });
    const exec = structured(await agent.callTool({ name: "get_execution", arguments: { id: run.id } }));
    expect((exec.nodes as Structured[]).map((n) => [n.id, n.status])).toEqual(
      expect.arrayContaining([
        ["greet", "succeeded"],
        ["output", "succeeded"],
      ]),
    );
    await agent.close();
  });

  it("a second tenant over stdio sees nothing of the first", async () => {
    const other = await p.newKey("user");
    const agent = await stdioClient({ ARCRUN_URL: p.url, ARCRUN_API_KEY: other.apiKey });
    const wfs = structured(await agent.callTool({ name: "list_workflows", arguments: {} }));
    expect(wfs.workflows).toEqual([]);
    await agent.close();
  });

  it("an unreachable platform answers each request with an error instead of hanging", async () => {
    const agent = new Client({ name: "t", version: "1" });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [acrBin, "mcp"],
      env: { PATH: process.env.PATH ?? "", ARCRUN_URL: "http://127.0.0.1:9", ARCRUN_API_KEY: "acr_x" },
      stderr: "pipe",
    });
    await expect(agent.connect(transport)).rejects.toThrow(/did not answer/);
    await transport.close();
  });
});
