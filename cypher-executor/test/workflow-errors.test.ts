import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileWorkflow, type Diagnostic } from "../src/workflow/index";
import { testCatalog } from "./fixtures/catalog";

/** A workflow with the given flow entries and config block (indented two spaces). */
const wf = (flow: string[], config: string, top = "name: t\n") =>
  `${top}flow:\n${flow.map((f) => `  - ${JSON.stringify(f)}`).join("\n")}\nconfig:\n${config}`;
const A = "  a: { component: set }\n";
const AB = `${A}  b: { component: set }\n`;
const IN_A = "input >> ON_SUCCESS >> a";

type Expected = { code: string; path?: string; line: number; column: number; flowColumn?: number; message?: RegExp };

// Each case: the source, and the diagnostics it must produce (exactly these, in this order).
const cases: Array<[string, string, Expected[]]> = [
  ["YAML syntax", "name: t\nflow: [\n", [{ code: "YAML_SYNTAX", line: 3, column: 1 }]],
  ["not a mapping", "- a\n- b\n", [{ code: "NOT_A_MAPPING", path: "", line: 1, column: 1 }]],
  [
    "unknown top-level key, with a suggestion",
    `name: t\nflwo: []\nflow:\n  - "${IN_A}"\nconfig:\n${A}`,
    [{ code: "UNKNOWN_KEY", path: "flwo", line: 2, column: 1, message: /did you mean "flow"/ }],
  ],
  [
    "missing name and flow",
    "description: x\n",
    [
      { code: "MISSING_FIELD", path: "name", line: 1, column: 1 },
      { code: "MISSING_FIELD", path: "flow", line: 1, column: 1 },
    ],
  ],
  [
    "bad workflow name",
    wf([IN_A], A, "name: Order Alert\n"),
    [{ code: "INVALID_NAME", path: "name", line: 1, column: 7 }],
  ],
  [
    "bad node name",
    wf([IN_A], `${A}  9x: { component: set }\n`),
    [{ code: "INVALID_NODE_NAME", path: "config.9x", line: 6, column: 3 }],
  ],
  [
    "configuring the trigger node",
    wf([IN_A], `${A}  trigger: { component: set }\n`),
    [{ code: "RESERVED_NODE_NAME", path: "config.trigger", line: 6, column: 3 }],
  ],
  [
    "flow entry without a label",
    wf(["input >> a"], A),
    [
      { code: "INVALID_FLOW_ENTRY", path: "flow[0]", line: 3, column: 5, flowColumn: 1 },
      { code: "UNREACHABLE_NODE", path: "config.a", line: 5, column: 3 },
    ],
  ],
  [
    "unknown edge label (never silently PIPE)",
    wf(["input >> ON_SUCESS >> a"], A),
    [
      {
        code: "UNKNOWN_EDGE_LABEL",
        path: "flow[0]",
        line: 3,
        column: 5,
        flowColumn: 10,
        message: /did you mean ON_SUCCESS/,
      },
      { code: "UNREACHABLE_NODE", path: "config.a", line: 5, column: 3 },
    ],
  ],
  [
    "unknown Cypher relationship type",
    wf(["(input)-[:GOES_TO]->(a)"], A),
    [
      { code: "UNKNOWN_EDGE_LABEL", path: "flow[0]", line: 3, column: 5, flowColumn: 11 },
      { code: "UNREACHABLE_NODE", path: "config.a", line: 5, column: 3 },
    ],
  ],
  [
    "IF without a condition",
    wf([IN_A, "a >> IF >> b"], AB),
    [
      { code: "INVALID_EDGE_LABEL", path: "flow[1]", line: 4, column: 5, flowColumn: 6 },
      { code: "UNREACHABLE_NODE", path: "config.b", line: 7, column: 3 },
    ],
  ],
  [
    "unknown node in the flow",
    wf([IN_A, "a >> ON_SUCCESS >> bb"], AB),
    [
      { code: "UNKNOWN_NODE", path: "flow[1]", line: 4, column: 5, flowColumn: 20, message: /did you mean "b"/ },
      { code: "UNREACHABLE_NODE", path: "config.b", line: 7, column: 3 },
    ],
  ],
  [
    "unknown node in a template",
    wf([IN_A], '  a: { component: set, x: "total: {{ chek.data.total }}" }\n'),
    [{ code: "UNKNOWN_NODE", path: "config.a.x", line: 5, column: 38 }],
  ],
  [
    "unknown component, with a suggestion",
    wf([IN_A], "  a:\n    component: sett\n"),
    [{ code: "UNKNOWN_COMPONENT", path: "config.a.component", line: 6, column: 16, message: /did you mean "set"/ }],
  ],
  [
    "unknown component in a Cypher label",
    wf(["(input)-[:ON_SUCCESS]->(a:nope)"], "  {}\n"),
    [{ code: "UNKNOWN_COMPONENT", path: "flow[0]", line: 3, column: 5, flowColumn: 25 }],
  ],
  [
    "config entry without a component",
    wf([IN_A], "  a:\n    x: 1\n"),
    [{ code: "MISSING_COMPONENT", path: "config.a", line: 5, column: 3 }],
  ],
  [
    "Cypher label conflicting with component:",
    wf(["(input)-[:ON_SUCCESS]->(a:set)"], "  a:\n    component: code\n"),
    [{ code: "CONFLICTING_COMPONENT", path: "config.a.component", line: 6, column: 16 }],
  ],
  [
    "two conflicting Cypher labels",
    wf(["(input)-[:ON_SUCCESS]->(a:set)", "(input)-[:ON_FAIL]->(a:code)"], "  {}\n"),
    [{ code: "CONFLICTING_COMPONENT", path: "flow[1]", line: 4, column: 5, flowColumn: 22 }],
  ],
  [
    "cycle",
    wf([IN_A, "a >> ON_SUCCESS >> b", "b >> ON_SUCCESS >> a"], AB),
    [{ code: "CYCLE", path: "flow[2]", line: 5, column: 5, flowColumn: 1, message: /a → b → a/ }],
  ],
  [
    "node unreachable from input",
    wf([IN_A], `${A}  lonely: { component: set }\n`),
    [{ code: "UNREACHABLE_NODE", path: "config.lonely", line: 6, column: 3 }],
  ],
  [
    "bad expression in a template",
    wf([IN_A], '  a:\n    component: set\n    x: "{{ input.a + }}"\n'),
    [{ code: "INVALID_EXPRESSION", path: "config.a.x", line: 7, column: 22 }],
  ],
  [
    "bad expression in an IF",
    wf([IN_A, "a >> IF {{ a.data.n >< 2 }} >> b"], AB),
    [{ code: "INVALID_EXPRESSION", path: "flow[1]", line: 4, column: 5, flowColumn: 22 }],
  ],
  [
    "function calls are not expressions",
    wf([IN_A], '  a:\n    component: set\n    x: "{{ input.f(1) }}"\n'),
    [{ code: "INVALID_EXPRESSION", path: "config.a.x", line: 7, column: 11, message: /Function calls/ }],
  ],
  [
    "prototype access",
    wf([IN_A], '  a:\n    component: set\n    x: "{{ input.constructor }}"\n'),
    [{ code: "INVALID_EXPRESSION", path: "config.a.x", line: 7, column: 11, message: /not readable/ }],
  ],
  [
    "unknown filter",
    wf([IN_A], '  a:\n    component: set\n    x: "{{ input.a | shout }}"\n'),
    [{ code: "UNKNOWN_FILTER", path: "config.a.x", line: 7, column: 22 }],
  ],
  [
    "credential inside an expression",
    wf([IN_A], "  a:\n    component: set\n    x: \"{{ 'Bearer ' + credential.tok }}\"\n"),
    [{ code: "CREDENTIAL_IN_EXPRESSION", path: "config.a.x", line: 7, column: 12 }],
  ],
  [
    "unclosed template",
    wf([IN_A], '  a:\n    component: set\n    x: "hello {{ input.a"\n'),
    [{ code: "INVALID_TEMPLATE", path: "config.a.x", line: 7, column: 15 }],
  ],
  [
    "bad cron",
    wf([IN_A], A, 'name: t\ntrigger:\n  cron: "61 * * * *"\n'),
    [{ code: "INVALID_CRON", path: "trigger.cron", line: 3, column: 9, message: /minute 61/ }],
  ],
  [
    "hmac webhook without a secret",
    wf([IN_A], A, "name: t\ntrigger:\n  webhook: { auth: hmac }\n"),
    [{ code: "INVALID_TRIGGER", path: "trigger.webhook", line: 3, column: 12 }],
  ],
  [
    "bad duration",
    wf([IN_A], "  a:\n    component: set\n    retry: { max: 2, delay: 5 parsecs }\n"),
    [{ code: "INVALID_DURATION", path: "config.a.retry.delay", line: 7, column: 29 }],
  ],
  [
    "bad retry",
    wf([IN_A], "  a:\n    component: set\n    retry: { max: 99, backoff: linear }\n"),
    [
      { code: "INVALID_RETRY", path: "config.a.retry.max", line: 7, column: 19 },
      { code: "INVALID_RETRY", path: "config.a.retry.backoff", line: 7, column: 32 },
    ],
  ],
  [
    "bad limits",
    wf([IN_A], "  a:\n    component: set\n    limits: { timeout_ms: -1, memory: 3 }\n"),
    [
      { code: "INVALID_LIMITS", path: "config.a.limits.timeout_ms", line: 7, column: 27 },
      { code: "INVALID_LIMITS", path: "config.a.limits.memory", line: 7, column: 31 },
    ],
  ],
  [
    "literal input violating the component's input_schema",
    wf([IN_A], "  a:\n    component: slack_post\n    channel: 5\n    attempts: 9\n    mode: loud\n"),
    [
      { code: "SCHEMA_VIOLATION", path: "config.a.text", line: 5, column: 3, message: /"text" is required/ },
      { code: "SCHEMA_VIOLATION", path: "config.a.channel", line: 7, column: 14, message: /must be string/ },
      { code: "SCHEMA_VIOLATION", path: "config.a.attempts", line: 8, column: 15, message: /≤ 5/ },
      { code: "SCHEMA_VIOLATION", path: "config.a.mode", line: 9, column: 11, message: /one of/ },
    ],
  ],
  [
    "ELSE without IF",
    wf([IN_A, "a >> ELSE >> b"], AB),
    [{ code: "ELSE_WITHOUT_IF", path: "flow[1]", line: 4, column: 5, flowColumn: 5 }],
  ],
  [
    "edge into input",
    wf([IN_A, "a >> ON_SUCCESS >> input"], A),
    [
      { code: "CYCLE", path: "flow[1]", line: 4, column: 5, flowColumn: 1 },
      { code: "INVALID_EDGE", path: "flow[1]", line: 4, column: 5, flowColumn: 20 },
    ],
  ],
  [
    "config that is not a mapping",
    'name: t\nflow:\n  - "input >> ON_SUCCESS >> a"\nconfig:\n  - a\n',
    [
      { code: "UNKNOWN_NODE", path: "flow[0]", line: 3, column: 5, flowColumn: 24 },
      { code: "INVALID_TYPE", path: "config", line: 5, column: 3 },
    ],
  ],
  [
    "unknown webhook key, with a suggestion",
    'name: t\ntrigger:\n  webhook: { auth: none, secert: x }\nflow:\n  - "(input)-[:ON_SUCCESS]->(a:set)"\n',
    [{ code: "UNKNOWN_KEY", path: "trigger.webhook.secert", line: 3, column: 26, message: /did you mean "secret"/ }],
  ],
  ["duplicate keys", "name: t\nname: u\nflow: []\n", [{ code: "YAML_SYNTAX", line: 2, column: 1 }]],
  ["unresolved alias", "name: t\nflow: *nothing\n", [{ code: "YAML_SYNTAX", line: 1, column: 1 }]],
  ["a mapping as a key", "name: t\nflow: []\n? { a: 1 }\n: x\n", [{ code: "YAML_SYNTAX", line: 3, column: 3 }]],
  [
    "bad subflow name",
    'name: t\nflow:\n  - "input >> CALLS_SUBFLOW >> Enrich"\n',
    [{ code: "INVALID_NAME", path: "flow[0]", line: 3, column: 5, flowColumn: 27 }],
  ],
  [
    "flow entry that is not a string",
    "name: t\nflow:\n  - 42\n",
    [{ code: "INVALID_FLOW_ENTRY", path: "flow[0]", line: 3, column: 5 }],
  ],
  [
    "unquoted flow entry that YAML reads as a mapping",
    "name: t\nflow:\n  - a >> IF {{ a.ok ? 1 : 2 }} >> b\n",
    [{ code: "INVALID_FLOW_ENTRY", path: "flow[0]", line: 3, column: 5, message: /quote it/ }],
  ],
  [
    "absurdly nested expression",
    wf([IN_A], `  a: { component: set, x: "{{ ${"(".repeat(3000)}1${")".repeat(3000)} }}" }\n`),
    [{ code: "INVALID_EXPRESSION", path: "config.a.x", line: 5, column: 30, message: /nested too deeply/ }],
  ],
  [
    "YAML nested deeper than the stack allows",
    wf([IN_A], `  a: { component: set, values: { v: ${"[".repeat(500)}${"]".repeat(500)} } }\n`),
    [{ code: "YAML_SYNTAX", line: 5, column: 98, message: /nested deeper than 64 levels/ }],
  ],
  [
    "__proto__ as a config key",
    wf([IN_A], "  a:\n    component: set\n    __proto__: { polluted: true }\n"),
    [{ code: "RESERVED_KEY", path: "config.a.__proto__", line: 7, column: 5 }],
  ],
];

// Errors come back in source order (line, column, column inside the flow string).
describe("every error code, with its position", () => {
  for (const [title, source, expected] of cases) {
    it(title, () => {
      const r = compileWorkflow(source, testCatalog);
      expect(r.ok).toBe(false);
      const errors = (r as { errors: Diagnostic[] }).errors;
      expect(errors.map((e) => e.code)).toEqual(expected.map((e) => e.code));
      expected.forEach((want, i) => {
        const got = errors[i]!;
        if (want.path !== undefined) expect(got.path).toBe(want.path);
        expect(got.pos).toEqual({
          line: want.line,
          column: want.column,
          ...(want.flowColumn !== undefined ? { flowColumn: want.flowColumn } : {}),
        });
        if (want.message) expect(got.message).toMatch(want.message);
        expect(got.message.length).toBeGreaterThan(10);
      });
    });
  }

  it("reports all errors of a bad file at once", () => {
    const source = readFileSync(join(__dirname, "fixtures", "many-errors.yaml"), "utf8");
    const r = compileWorkflow(source, testCatalog);
    expect(r.ok).toBe(false);
    const codes = (r as { errors: Diagnostic[] }).errors.map((e) => e.code).sort();
    expect(codes).toEqual(
      [
        "INVALID_DURATION",
        "INVALID_NAME",
        "UNKNOWN_COMPONENT",
        "UNKNOWN_EDGE_LABEL",
        "UNKNOWN_KEY",
        "UNKNOWN_NODE",
      ].sort(),
    );
  });

  it("never throws, whatever the input", () => {
    for (const s of [
      "",
      "null",
      "[]",
      "name: 5\nflow: 3\nconfig: []\n",
      "flow:\n  - 42\n  - null\n",
      "{{",
      "name: t\nflow: ['(a']\n",
    ]) {
      const r = compileWorkflow(s, testCatalog);
      expect(r.ok).toBe(false);
    }
  });
});

describe("warnings never block a workflow", () => {
  const RACE = `name: t
flow:
  - "input >> ON_SUCCESS >> a"
  - "input >> ON_SUCCESS >> b"
  - "b >> IF {{ a.data.ok }} >> c"
config:
  a: { component: set }
  b: { component: set, x: "{{ a.data.x }}", own: "{{ b.data.y }}" }
  c: { component: set, y: "{{ b.data.y }} {{ a.data.z }}" }
`;

  it("reading a node that does not always run first is NOT_UPSTREAM, with its position", () => {
    const r = compileWorkflow(RACE, testCatalog);
    expect(r.ok).toBe(true);
    const warnings = r.warnings ?? [];
    expect(warnings.map((w) => [w.code, w.path, w.pos])).toEqual([
      ["NOT_UPSTREAM", "flow[2]", { line: 5, column: 5, flowColumn: 12 }],
      ["NOT_UPSTREAM", "config.b.x", { line: 8, column: 31 }],
      ["NOT_UPSTREAM", "config.b.own", { line: 8, column: 54 }],
      ["NOT_UPSTREAM", "config.c.y", { line: 9, column: 46 }],
    ]);
    expect(warnings[1]!.message).toMatch(/"a", which does not run before "b"/);
  });

  it("upstream reads, the IF's own source node, item aliases and built-ins do not warn", () => {
    const r = compileWorkflow(
      `name: t\nflow:\n  - "input >> ON_SUCCESS >> a"\n  - "a >> IF {{ a.data.n > 1 }} >> b"\n  - "b >> for each row >> c"\nconfig:\n  a: { component: set }\n  b: { component: set, v: "{{ a.data.n }} {{ input.q }}" }\n  c: { component: set, v: "{{ row.id }} {{ each.index }} {{ a.data.n }} {{ workflow.name }}" }\n`,
      testCatalog,
    );
    expect(r.ok).toBe(true);
    expect(r.warnings).toBeUndefined();
  });
});
