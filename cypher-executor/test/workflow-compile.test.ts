import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileWorkflow, describeFlow, type EdgeKind, type Plan } from "../src/workflow/index";
import { testCatalog } from "./fixtures/catalog";

const fixture = (name: string) => readFileSync(join(__dirname, "fixtures", name), "utf8");

function ok(source: string): Plan {
  const r = compileWorkflow(source, testCatalog);
  if (!r.ok) throw new Error(`expected a valid workflow, got ${JSON.stringify(r.errors, null, 2)}`);
  return r.plan;
}

/** A two-node workflow whose only interesting part is the flow entry under test. */
const withEdge = (entry: string, extraConfig = "") =>
  `name: t\nflow:\n  - "input >> ON_SUCCESS >> a"\n  - ${JSON.stringify(entry)}\nconfig:\n  a: { component: set }\n  b: { component: set }\n${extraConfig}`;

describe("the example workflow of the format spec", () => {
  const plan = ok(fixture("order-alert.yaml"));

  it("compiles every node, with Cypher labels giving components", () => {
    expect(Object.keys(plan.steps).sort()).toEqual([
      "check",
      "fallback",
      "input",
      "lines",
      "notify",
      "quiet",
      "record",
    ]);
    expect(plan.steps.lines!.component).toBe("set");
    expect(plan.steps.notify!.component).toBe("slack_post");
    expect(plan.steps.input!.role).toBe("trigger");
  });

  it("keeps the trigger, retry and limits typed", () => {
    expect(plan.trigger).toEqual({ webhook: { auth: "hmac", secret: "shop_secret" }, cron: "*/15 * * * *" });
    expect(plan.steps.notify!.retry).toEqual({ max: 3, backoff: "exponential", delayMs: 500 });
    expect(plan.steps.notify!.limits).toEqual({ timeout_ms: 10000, max_output_bytes: 65536 });
  });

  it("drops reserved keys from the component input", () => {
    const input = plan.steps.notify!.input;
    expect(input.kind).toBe("object");
    const keys = input.kind === "object" ? input.entries.map(([k]) => k) : [];
    expect(keys).toEqual(["channel", "text", "token"]);
  });

  it("orders the graph topologically and finds the terminal outputs", () => {
    const at = (id: string) => plan.order.indexOf(id);
    for (const e of plan.edges) expect(at(e.from)).toBeLessThan(at(e.to));
    expect(plan.outputs.sort()).toEqual(["fallback", "quiet", "record"]);
    expect(plan.outgoing.check!.map((e) => e.kind)).toEqual(["IF", "ELSE"]);
    expect(plan.incoming.record).toEqual([expect.objectContaining({ from: "lines", kind: "FOREACH", over: "item" })]);
  });

  it("describes itself as JSON", () => {
    const d = describeFlow(plan);
    expect(d.edges).toContainEqual({ from: "check", to: "notify", kind: "IF", condition: "check.data.total > 100" });
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
});

describe("edge labels: every alias, both syntaxes", () => {
  const cases: Array<[string, string, EdgeKind, Record<string, unknown>?]> = [
    ["ON_SUCCESS", "[:ON_SUCCESS]", "ON_SUCCESS"],
    ["PIPE", "[:PIPE]", "ON_SUCCESS"],
    ["NEXT", "[:NEXT]", "ON_SUCCESS"],
    ["完成後", "[:完成後]", "ON_SUCCESS"],
    ["ON_FAIL", "[:ON_FAIL]", "ON_FAIL"],
    ["ON_FAILURE", "[:ON_FAILURE]", "ON_FAIL"],
    ["ON_ERROR", "[:ON_ERROR]", "ON_FAIL"],
    ["失敗時", "[:失敗時]", "ON_FAIL"],
    ["ON_COMPLETE", "[:ON_COMPLETE]", "ON_COMPLETE"],
    ["ON_TRUE", "[:ON_TRUE]", "ON_TRUE"],
    ["ON_FALSE", "[:ON_FALSE]", "ON_FALSE"],
    ["ON_BRANCH(big)", '[:ON_BRANCH {branch: "big"}]', "ON_BRANCH", { branch: "big" }],
    ["分支(big)", "[:ON_BRANCH(big)]", "ON_BRANCH", { branch: "big" }],
    ["FOREACH item", '[:EACH {over: "item"}]', "FOREACH", { over: "item" }],
    ["for each item", "[:FOREACH {over: item}]", "FOREACH", { over: "item" }],
    ["對每個 item", '[:EACH {over: "item"}]', "FOREACH", { over: "item" }],
  ];
  for (const [arrow, cypher, kind, extra] of cases) {
    it(`"a >> ${arrow} >> b" and "(a)-${cypher}->(b)" are ${kind}`, () => {
      const p1 = ok(withEdge(`a >> ${arrow} >> b`));
      const p2 = ok(withEdge(`(a)-${cypher}->(b)`));
      const e1 = p1.edges[1]!;
      const e2 = p2.edges[1]!;
      expect(e1).toMatchObject({ from: "a", to: "b", kind, ...extra });
      expect(e2).toMatchObject({ from: "a", to: "b", kind, ...extra });
    });
  }

  it("IF carries a compiled condition in both syntaxes; ELSE pairs with it", () => {
    const p1 = ok(withEdge("a >> IF {{ a.data.n > 1 }} >> b"));
    expect(p1.edges[1]!.condition?.source).toBe("a.data.n > 1");
    const p2 = ok(withEdge('(a)-[:IF {expr: "a.data.n > 1"}]->(b)'));
    expect(p2.edges[1]).toMatchObject({ kind: "IF", condition: { source: "a.data.n > 1" } });
    const p3 = ok(
      `name: t\nflow:\n  - "input >> NEXT >> a"\n  - "a >> IF {{ a.ok }} >> b"\n  - "a >> ELSE >> c"\nconfig:\n  a: { component: set }\n  b: { component: set }\n  c: { component: set }\n`,
    );
    expect(p3.edges.map((e) => e.kind)).toEqual(["ON_SUCCESS", "IF", "ELSE"]);
  });

  it("CALLS_SUBFLOW makes the target a subflow step", () => {
    const p = ok(`name: t\nflow:\n  - "input >> CALLS_SUBFLOW >> enrich_order"\n`);
    expect(p.steps.enrich_order).toMatchObject({ component: "subflow", subflow: "enrich_order" });
  });

  it("supports chains in both syntaxes: a >> X >> b >> Y >> c", () => {
    const src = (entry: string) =>
      `name: t\nflow:\n  - ${JSON.stringify(entry)}\nconfig:\n  a: { component: set }\n  b: { component: set }\n`;
    const p1 = ok(src("input >> ON_SUCCESS >> a >> ON_FAIL >> b"));
    const p2 = ok(src("(input)-[:ON_SUCCESS]->(a)-[:ON_FAIL]->(b)"));
    for (const p of [p1, p2]) {
      expect(p.edges.map((e) => [e.from, e.kind, e.to])).toEqual([
        ["input", "ON_SUCCESS", "a"],
        ["a", "ON_FAIL", "b"],
      ]);
    }
  });

  it("accepts the trigger aliases as the input node", () => {
    for (const alias of ["trigger", "webhook", "start"]) {
      const p = ok(`name: t\nflow:\n  - "${alias} >> ON_SUCCESS >> a"\nconfig:\n  a: { component: set }\n`);
      expect(p.edges[0]!.from).toBe("input");
    }
  });

  it("lets a node named output give the workflow's output", () => {
    const p = ok(
      `name: t\nflow:\n  - "input >> ON_SUCCESS >> output"\n  - "output >> ON_SUCCESS >> log"\nconfig:\n  output: { component: set }\n  log: { component: set }\n`,
    );
    expect(p.outputs).toEqual(["output"]);
    expect(p.steps.output!.role).toBe("output");
  });

  it("accepts recipes as components", () => {
    ok(`name: t\nflow:\n  - "input >> ON_SUCCESS >> a"\nconfig:\n  a: { component: rec_1a2b3c4d }\n`);
    ok(`name: t\nflow:\n  - "(input)-[:ON_SUCCESS]->(a:telegram_send)"\n`);
  });
});

describe("wild workflows (shapes from the original arcrun) compile", () => {
  it("Chinese labels, FOREACH item aliases, node shorthand and `creds.` credentials", () => {
    const p = ok(fixture("wild-sync.yaml"));
    expect(p.edges.map((e) => e.kind)).toEqual([
      "ON_SUCCESS",
      "ON_SUCCESS",
      "FOREACH",
      "ON_TRUE",
      "ON_FALSE",
      "ON_SUCCESS",
    ]);
    const body = describeFlow(p);
    expect(body.nodes.map((n) => n.id)).toContain("gh_create");
  });
});
