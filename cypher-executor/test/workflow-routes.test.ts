import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./support/platform";

// POST /validate and POST /cypher/search through the real executor bundle on workerd.
let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.dispose());

const GOOD = `name: hello
trigger:
  cron: "0 9 * * MON-FRI"
flow:
  - "input >> ON_SUCCESS >> greet"
  - "greet >> IF {{ greet.data.loud }} >> shout"
config:
  greet: { component: set, values: { msg: "hi {{ input.name }}", loud: "{{ input.loud }}" } }
  shout: { component: set, values: { msg: "{{ greet.data.msg | upper }}" } }
`;

describe("POST /validate", () => {
  it("requires an API key", async () => {
    const res = await fetch(`${p.url}/validate`, { method: "POST", body: GOOD });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
  });

  it("answers valid with the compiled graph", async () => {
    const res = await p.call("POST", "/validate", GOOD, { "content-type": "application/yaml" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { valid: boolean; errors: unknown[]; graph: { edges: unknown[] } };
    expect(body.valid).toBe(true);
    expect(body.errors).toEqual([]);
    expect(body.graph.edges).toContainEqual({ from: "greet", to: "shout", kind: "IF", condition: "greet.data.loud" });
  });

  it("answers every error with its position, using the platform's real component catalog", async () => {
    const source = readFileSync(join(__dirname, "fixtures", "many-errors.yaml"), "utf8");
    const res = await p.call("POST", "/validate", source, { "content-type": "application/yaml" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { valid: boolean; errors: Array<{ code: string; path: string; pos: unknown }> };
    expect(body.valid).toBe(false);
    expect(body.errors.map((e) => e.code).sort()).toEqual(
      [
        "INVALID_DURATION",
        "INVALID_NAME",
        "UNKNOWN_COMPONENT",
        "UNKNOWN_EDGE_LABEL",
        "UNKNOWN_KEY",
        "UNKNOWN_NODE",
      ].sort(),
    );
    const unknown = body.errors.find((e) => e.code === "UNKNOWN_COMPONENT")!;
    expect(unknown).toMatchObject({ path: "config.fetch.component", pos: { line: 9, column: 16 } });
  });

  it("returns warnings (NOT_UPSTREAM) without blocking", async () => {
    const race = `name: race\nflow:\n  - "input >> ON_SUCCESS >> a"\n  - "input >> ON_SUCCESS >> b"\nconfig:\n  a: { component: set }\n  b: { component: set, values: { x: "{{ a.data.x }}" } }\n`;
    const res = await p.call("POST", "/validate", race, { "content-type": "application/yaml" });
    const body = (await res.json()) as { valid: boolean; warnings: Array<{ code: string; path: string }> };
    expect(body.valid).toBe(true);
    expect(body.warnings).toEqual([expect.objectContaining({ code: "NOT_UPSTREAM", path: "config.b.values.x" })]);
  });

  it("accepts JSON { yaml } from JSON-only clients, and rejects an empty body", async () => {
    const res = await p.call("POST", "/validate", { yaml: GOOD });
    expect(((await res.json()) as { valid: boolean }).valid).toBe(true);
    const empty = await p.call("POST", "/validate", "", { "content-type": "application/yaml" });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { code: string } }).error.code).toBe("EMPTY_BODY");
  });
});

describe("POST /cypher/search {mode: compile}", () => {
  it("requires an API key", async () => {
    const res = await fetch(`${p.url}/cypher/search`, { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
  });

  it("compiles a list of triplets in both syntaxes into one graph", async () => {
    const res = await p.call("POST", "/cypher/search", {
      mode: "compile",
      triplets: ["input >> ON_SUCCESS >> a", "(a)-[:ON_FAIL]->(b:set)", "a >> 對每個 row >> c"],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { mode: string; graph: { nodes: unknown[]; edges: unknown[] } };
    expect(body.mode).toBe("compile");
    expect(body.graph.nodes).toEqual([
      { id: "input", component: "input", role: "trigger" },
      { id: "a", component: null, role: "step" },
      { id: "b", component: "set", role: "step" },
      { id: "c", component: null, role: "step" },
    ]);
    expect(body.graph.edges).toEqual([
      { from: "input", to: "a", kind: "ON_SUCCESS" },
      { from: "a", to: "b", kind: "ON_FAIL" },
      { from: "a", to: "c", kind: "FOREACH", over: "row" },
    ]);
  });

  it("answers in the original arcrun's shape too: cypher.nodes with componentId, and missing components", async () => {
    const res = await p.call("POST", "/cypher/search", {
      triplets: ["(input)-[:ON_SUCCESS]->(a:set)", "(a)-[:ON_SUCCESS]->(b:no_such_part)"],
    });
    const body = (await res.json()) as { cypher: { nodes: unknown[]; edges: unknown[] }; missing: string[] };
    expect(body.missing).toEqual(["no_such_part"]);
    expect(body.cypher.nodes).toEqual([
      { id: "input", role: "trigger", componentId: "input" },
      { id: "a", role: "step", componentId: "set" },
      { id: "b", role: "step", componentId: "no_such_part" },
    ]);
    expect(body.cypher.edges).toHaveLength(2);
  });

  it("takes flow text too, and reports bad entries as one 400 with every problem", async () => {
    const ok = await p.call("POST", "/cypher/search", {
      triplets: '- "input >> NEXT >> a"\n# note\n- "a >> PIPE >> b"\n',
    });
    expect(((await ok.json()) as { graph: { order: string[] } }).graph.order).toEqual(["input", "a", "b"]);
    const bad = await p.call("POST", "/cypher/search", { triplets: ["input >> GO >> a", "a >> ON_SUCCESS"] });
    expect(bad.status).toBe(400);
    const err = (await bad.json()) as { error: { code: string; errors: Array<{ code: string; path: string }> } };
    expect(err.error.code).toBe("INVALID_FLOW");
    expect(err.error.errors.map((e) => [e.code, e.path])).toEqual([
      ["UNKNOWN_EDGE_LABEL", "flow[0]"],
      ["INVALID_FLOW_ENTRY", "flow[1]"],
    ]);
  });

  it("rejects other modes with a field-level error", async () => {
    const res = await p.call("POST", "/cypher/search", { triplets: ["input >> NEXT >> a"], mode: "search" });
    expect(res.status).toBe(400);
    const err = (await res.json()) as { error: { code: string; issues: Array<{ path: string }> } };
    expect(err.error.code).toBe("VALIDATION_FAILED");
    expect(err.error.issues[0]?.path).toBe("mode");
  });
});
