import { describe, expect, it } from "vitest";
import {
  compileExpr,
  compileWorkflow,
  evaluate,
  isTruthy,
  needsResolve,
  readsTriggerMeta,
  resolveValue,
  type Scope,
} from "../src/workflow/index";
import { compileValue } from "../src/workflow/template";
import { testCatalog } from "./fixtures/catalog";

const body = {
  total: 120,
  id: "o-1",
  name: "Ada",
  tags: ["a", "b"],
  items: [{ sku: "x1" }, { sku: "x2" }],
  empty: "",
  zero: 0,
  q: "a b&c",
};
// The engine's scope: the body under trigger.body (compiled plans read it there) and under input.
const scope: Scope = {
  input: body,
  trigger: { headers: { "x-shop": "s1" }, query: { page: "2" }, method: "POST", body },
  check: { success: true, data: { total: 120, id: "o-1", nested: { k: [10, 20, 30] } }, error: null },
  notify: { success: false, data: null, error: { code: "HTTP_500", message: "boom" } },
  each: { index: 3, item: { sku: "x4" } },
  item: { sku: "x4" },
  workflow: { name: "order_alert" },
};
const ev = (src: string, s: Scope = scope) => evaluate(compileExpr(src), s);
const tpl = (text: string, s: Scope = scope) => resolveValue(compileValue(text), s);

describe("expressions", () => {
  const cases: Array<[string, unknown]> = [
    ["check.data.total", 120],
    ["check.data.nested.k[1]", 20],
    ['check["data"]["id"]', "o-1"],
    ["input.items[1].sku", "x2"],
    ["input.items[each.index - 2].sku", "x2"],
    ["check.data.total > 100", true],
    ["check.data.total >= 121", false],
    ["trigger.query.page == 2", true],
    ["trigger.query.page === 2", false],
    ["input.total + 5", 125],
    ['"#" + input.id', "#o-1"],
    ["input.total * 2 - 40 / 4 % 3", 239],
    ["(1 + 2) * 3", 9],
    ["-input.total", -120],
    ["!notify.success && check.success", true],
    ["notify.success || 'fallback'", "fallback"],
    ["input.missing ?? 'dflt'", "dflt"],
    ["check.data.total > 100 ? 'big' : 'small'", "big"],
    ["[1, input.id]", [1, "o-1"]],
    ["notify.error.code", "HTTP_500"],
    ["input.no.such.path", undefined],
    ["nobody.at.all", undefined],
    ["input.tags.length", 2],
    ["input.name.length", 3],
    ["'abc' < 'abd'", true],
    ["null == input.missing", true],
    ["input.empty", ""],
  ];
  for (const [src, want] of cases) {
    it(`${src} → ${JSON.stringify(want)}`, () => expect(ev(src)).toEqual(want));
  }
});

describe("filters", () => {
  const cases: Array<[string, unknown]> = [
    ["input.missing | default: 'anon'", "anon"],
    ["input.empty | default: 7", 7],
    ["input.zero | default: 7", 0],
    ["input.name | default: 'anon'", "Ada"],
    ["input.tags | json", '["a","b"]'],
    ["input.tags | length", 2],
    ["input.name | length", 3],
    ["check.data | length", 3],
    ["input.name | upper", "ADA"],
    ["input.name | lower", "ada"],
    ["input.q | urlencode", "a%20b%26c"],
    ["'  x ' | trim", "x"],
    ["input.tags | first", "a"],
    ["input.tags | last", "b"],
    ["input.tags | join: ', '", "a, b"],
    ["input.tags | join", "a,b"],
    ["trigger.query.page | number", 2],
    ["input.total | string", "120"],
    ["check.data | keys", ["total", "id", "nested"]],
    ["input.missing | default: input.name | upper", "ADA"],
    ["input.a || input.name | upper", "ADA"],
  ];
  for (const [src, want] of cases) {
    it(`${src} → ${JSON.stringify(want)}`, () => expect(ev(src)).toEqual(want));
  }
});

describe("templates", () => {
  it("a string that is exactly one template keeps the JSON type", () => {
    expect(tpl("{{ check.data.total }}")).toBe(120);
    expect(tpl("{{ input.tags }}")).toEqual(["a", "b"]);
    expect(tpl("{{ check.data.total > 100 }}")).toBe(true);
    expect(tpl("{{input.items}}")).toEqual(body.items);
  });

  it("text around templates interpolates; objects become JSON text; missing becomes empty", () => {
    expect(tpl("Order {{ check.data.id }} totals {{ check.data.total }}")).toBe("Order o-1 totals 120");
    expect(tpl("tags={{ input.tags }}")).toBe('tags=["a","b"]');
    expect(tpl("[{{ input.nope }}]")).toBe("[]");
  });

  it("resolves nested objects and arrays; literal-only values need no resolution", () => {
    const v = compileValue({ a: 1, b: ["{{ input.id }}", 2], c: { d: "x {{ item.sku }}" } });
    expect(needsResolve(v)).toBe(true);
    expect(resolveValue(v, scope)).toEqual({ a: 1, b: ["o-1", 2], c: { d: "x x4" } });
    const lit = compileValue({ a: 1, b: ["x", { c: true }] });
    expect(lit).toEqual({ kind: "literal", value: { a: 1, b: ["x", { c: true }] } });
    expect(needsResolve(lit)).toBe(false);
  });

  it("never resolves a credential: the placeholder stays, alone or inside text", () => {
    const s = { ...scope, credential: { slack_bot: "xoxb-SECRET" }, creds: { slack_bot: "xoxb-SECRET" } };
    expect(tpl("{{ credential.slack_bot }}", s)).toBe("{{credential.slack_bot}}");
    expect(tpl("Bearer {{credential.slack_bot}}", s)).toBe("Bearer {{credential.slack_bot}}");
    expect(tpl("Bearer {{ creds.slack_bot }} for {{ input.name }}", s)).toBe("Bearer {{credential.slack_bot}} for Ada");
    expect(tpl("{{ credential.google.access_token }}", s)).toBe("{{credential.google.access_token}}");
    expect(tpl("Bearer {{credential:slack_bot}}", s)).toBe("Bearer {{credential.slack_bot}}");
    expect(
      JSON.stringify(resolveValue(compileValue({ h: { a: "Bearer {{ credential.slack_bot }}" } }), s)),
    ).not.toContain("SECRET");
  });

  it("rewrites credential aliases even when every value of a map is a credential template", () => {
    // An all-literal object collapses into one literal: it must hold the rewritten placeholders.
    const headers = compileValue({ Authorization: "{{ credentials.gh }}", "X-Key": "{{ creds.api.key }}" });
    expect(headers.kind).toBe("literal");
    expect(resolveValue(headers, scope)).toEqual({
      Authorization: "{{credential.gh}}",
      "X-Key": "{{credential.api.key}}",
    });
    expect(resolveValue(compileValue(["{{ creds.gh }}", "x"]), scope)).toEqual(["{{credential.gh}}", "x"]);
  });

  it("cannot reach the prototype chain, even through computed keys", () => {
    const s: Scope = { ...scope, k: "constructor", p: "__proto__" };
    expect(() => compileExpr("input.__proto__")).toThrow(/not readable/);
    expect(() => compileExpr('input["constructor"]')).toThrow(/not readable/);
    expect(() => compileExpr("input.toString()")).toThrow(/Function calls/);
    expect(evaluate(compileExpr("input[k]"), s)).toBeUndefined();
    expect(evaluate(compileExpr("input[p]"), s)).toBeUndefined();
    expect(evaluate(compileExpr("input.name[k]"), s)).toBeUndefined();
    expect(evaluate(compileExpr("input.hasOwnProperty"), s)).toBeUndefined();
    expect(evaluate(compileExpr("input.tags.map"), s)).toBeUndefined();
  });

  it("missing paths never throw", () => {
    for (const src of ["a.b.c.d", "input.items[9].sku", "notify.data.x", "input.total.x.y", "input.name[99]"]) {
      expect(ev(src)).toBeUndefined();
    }
  });

  it("isTruthy: JavaScript's, except an empty array is false", () => {
    expect([0, "", null, undefined, false, [], Number.NaN].map(isTruthy)).toEqual(Array(7).fill(false));
    expect([1, "0", "false", [0], {}, true].map(isTruthy)).toEqual(Array(6).fill(true));
  });
});

describe("templates inside a compiled workflow", () => {
  const plan = (() => {
    const r = compileWorkflow(
      `name: t
flow:
  - "input >> ON_SUCCESS >> check"
  - "check >> for each line >> rec"
config:
  check: { component: set, total: "{{ trigger.total }}", shop: "{{ webhook.headers['x-shop'] }}", m: "{{ start.method }}" }
  rec: { component: set, sku: "{{ line.sku }}", short: "{{ check.total }}", i: "{{ each.index }}" }
`,
      testCatalog,
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.plan;
  })();

  it("trigger aliases read the body, or headers/query/method", () => {
    expect(resolveValue(plan.steps.check!.input, scope)).toEqual({ total: 120, shop: "s1", m: "POST" });
  });

  it("`node.field` is shorthand for `node.data.field`; the FOREACH alias and `each` are in scope", () => {
    const s = { ...scope, line: { sku: "L1" }, each: { index: 0 } };
    expect(resolveValue(plan.steps.rec!.input, s)).toEqual({ sku: "L1", short: 120, i: 0 });
  });
});

describe("the input node inside a compiled workflow", () => {
  it("reads the body from trigger.body, so the input node's own result under `input` does not matter", () => {
    const r = compileWorkflow(
      `name: t\nflow:\n  - "input >> ON_SUCCESS >> a"\nconfig:\n  a: { component: set, t: "{{ input.total }}", all: "{{ input }}", m: "{{ trigger.method }}" }\n`,
      testCatalog,
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const s = { ...scope, input: { success: true, data: body, error: null } };
    expect(resolveValue(r.plan.steps.a!.input, s)).toEqual({ t: 120, all: body, m: "POST" });
  });
});

describe("readsTriggerMeta: whether the engine must copy the request's headers, query, method and path", () => {
  const planOf = (config: string, flow = '"input >> ON_SUCCESS >> a"') => {
    const r = compileWorkflow(`name: t\nflow:\n  - ${flow}\nconfig:\n${config}`, testCatalog);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.plan;
  };
  it("is false when templates read only the body (input.x, trigger.body, webhook.x, trigger, trigger[k])", () => {
    expect(readsTriggerMeta(planOf('  a: { component: set, x: "{{ input.n * 2 }}", y: "n={{ webhook.n }}" }\n'))).toBe(
      false,
    );
    expect(readsTriggerMeta(planOf('  a: { component: set, all: "{{ input }}", b: "{{ trigger.body }}" }\n'))).toBe(
      false,
    );
    // `trigger` alone and a computed key are the body too (the format's refPolicy prefixes `body`).
    expect(
      readsTriggerMeta(planOf('  a: { component: set, t: "{{ trigger }}", k: "{{ trigger[input.key] }}" }\n')),
    ).toBe(false);
  });
  it("is true for headers, query, method or path, in a value, a list or an IF condition", () => {
    expect(readsTriggerMeta(planOf("  a: { component: set, h: \"{{ trigger.headers['x-shop'] }}\" }\n"))).toBe(true);
    expect(readsTriggerMeta(planOf('  a: { component: set, v: ["{{ trigger.query.page }}"] }\n'))).toBe(true);
    expect(readsTriggerMeta(planOf('  a: { component: set, p: "at {{ webhook.path }}" }\n'))).toBe(true);
    const cond = planOf("  a: { component: set, x: 1 }\n", "\"input >> IF {{ trigger.method == 'POST' }} >> a\"");
    expect(readsTriggerMeta(cond)).toBe(true);
  });
});

describe("a plan restored from JSON (as cached in KV) evaluates the same", () => {
  it("keeps every compiled template and condition usable after JSON.parse(JSON.stringify(plan))", () => {
    const r = compileWorkflow(
      `name: t\nflow:\n  - "input >> ON_SUCCESS >> a"\n  - "a >> IF {{ a.data.n > 1 && input.flag }} >> b"\nconfig:\n  a: { component: set, n: "{{ input.n | number }}", s: "n={{ input.n }}", l: [1, "{{ input.flag }}"] }\n  b: { component: set }\n`,
      testCatalog,
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const restored = JSON.parse(JSON.stringify(r.plan)) as typeof r.plan;
    const body2 = { n: "5", flag: true };
    const s = { trigger: { body: body2 }, a: { success: true, data: { n: 5 }, error: null } };
    expect(resolveValue(restored.steps.a!.input, s)).toEqual(resolveValue(r.plan.steps.a!.input, s));
    expect(resolveValue(restored.steps.a!.input, s)).toEqual({ n: 5, s: "n=5", l: [1, true] });
    expect(evaluate(restored.edges[1]!.condition!, s)).toBe(true);
  });
});
