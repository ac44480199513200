import fc from "fast-check";

/**
 * Generators of hostile workflow documents, template expressions and webhook bodies for the fuzz suites
 * (fuzz-parse.test.ts in process, fuzz-http.test.ts against the running platform). Each mixes valid
 * structure with the tricks of the attack run: YAML anchors and aliases (self-referencing ones included),
 * tags, deep nesting, odd edges, expression syntax with prototype paths, control characters.
 */

const ident = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,8}$/);
const junkText = fc.string({ unit: "binary", maxLength: 40 });
const yamlNoise = fc.constantFrom(
  "&a [*a]",
  "*nowhere",
  "!!binary aGVsbG8=",
  "!!js/function 'function(){}'",
  "!!python/object:os.system ls",
  "{ a: 1, a: 2 }",
  "[[[[[[[[[[",
  "}}}}",
  "? complex key\n  : v",
  "|\n  block",
  "'unterminated",
  '"\\uD800"',
  "\t\ttabbed",
  "--- \n...\n---",
  "%YAML 1.1\n---",
  "<<: *merge",
  "0x7FFFFFFFFFFFFFFFFFFFFF",
  ".nan",
  "~",
  "\u0000\u0001\u001b[31m",
);
const exprPiece = fc.constantFrom(
  "input.x",
  "input['__proto__']",
  "input.constructor.constructor",
  "this",
  "globalThis",
  "process.env",
  "a.b.c.d.e.f",
  "1 +",
  "((((((",
  "input.a ? ",
  ["`$", "{1}`"].join(""),
  "new Date()",
  "x => x",
  "input.x.__proto__.polluted = 1",
  "trigger.headers['authorization']",
  "credential.k",
  "node.data.x",
  "{{",
  "}}",
  "input.list[0].name | upper",
  "!input.ok && input.n >= 3 || null",
  "'\\u0000'",
  "999999999999999999999 * 9e308",
);
export const expression = fc
  .array(fc.oneof(exprPiece, ident, junkText, fc.constantFrom(" ", ".", "[", "]", "(", ")", "'", '"', "+", "?", ":")), {
    maxLength: 8,
  })
  .map((parts) => parts.join(""));

/** A string value that may hold templates. */
export const templated = fc
  .array(
    fc.oneof(
      junkText,
      expression.map((e) => `{{ ${e} }}`),
      fc.constantFrom("{{", "}}", "{{}}", "{{ credential.x }}"),
    ),
    {
      maxLength: 4,
    },
  )
  .map((p) => p.join(""));

const arrow = fc.constantFrom(">>", ">", "->", ">>>", "", " >> ON_SUCCESS >> ", " >> ON_FAIL >> ", " >> IF >> ");
const label = fc.oneof(
  fc.constantFrom("ON_SUCCESS", "ON_FAIL", "ON_COMPLETE", "IF", "FOREACH", "PIPE", "完成後", "for each", "IF(input.x)"),
  ident,
);
const flowEntry = fc.tuple(ident, arrow, label, arrow, ident).map(([a, x, l, y, b]) => `${a} ${x} ${l} ${y} ${b}`);

const componentName = fc.oneof(
  fc.constantFrom("set", "filter", "http_request", "code", "wait", "foreach_control", "no_such_component"),
  ident,
);
const nodeConfig = fc.record(
  {
    component: componentName,
    values: fc.dictionary(ident, fc.oneof(templated, fc.integer(), fc.boolean()), { maxKeys: 3 }),
    url: templated,
    code: fc.constantFrom("return 1", "while(true){}", "return input", "throw new Error('x')", "}"),
    retry: fc.oneof(fc.record({ max: fc.integer({ min: -5, max: 1000 }) }), junkText),
    limits: fc.oneof(fc.record({ timeout_ms: fc.integer({ min: -1, max: 10 ** 9 }) }), junkText),
  },
  { requiredKeys: [] },
);

/** A workflow document as a JS value (serialised to YAML or JSON by the caller). */
export const workflowValue = fc.record(
  {
    name: fc.oneof(ident, junkText),
    description: junkText,
    trigger: fc.oneof(
      fc.record({ webhook: fc.record({ auth: fc.constantFrom("none", "hmac", "api_key", "bogus") }) }),
      fc.record({ cron: fc.constantFrom("* * * * *", "61 * * * *", "nonsense", "*/0 * * * *") }),
      junkText,
    ),
    flow: fc.oneof(fc.array(fc.oneof(flowEntry, junkText), { maxLength: 5 }), junkText),
    config: fc.oneof(fc.dictionary(ident, nodeConfig, { maxKeys: 4 }), junkText),
    history: fc.constantFrom("all", "failed", "none", 3),
  },
  { requiredKeys: [] },
);

function yamlScalar(v: unknown): string {
  return JSON.stringify(v);
}

/** Serialises a value as block YAML, splicing raw YAML noise in at random places. */
function toYaml(v: unknown, noise: string[], indent = ""): string {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => {
        const extra = noise.length && Math.abs(hash(k)) % 3 === 0 ? ` ${noise.pop()}` : "";
        if (x && typeof x === "object") return `${indent}${k}:${extra}\n${toYaml(x, noise, `${indent}  `)}`;
        return `${indent}${k}: ${extra ? extra.trim() : yamlScalar(x)}`;
      })
      .join("\n");
  }
  if (Array.isArray(v)) {
    if (!v.length) return `${indent}[]`;
    return v.map((x) => `${indent}- ${yamlScalar(x)}`).join("\n");
  }
  return `${indent}${yamlScalar(v)}`;
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}

/** A nearly valid workflow: the spec's shape, with fuzzed templates, labels and components. */
export const nearlyValid = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9_-]{1,12}$/),
    fc.constantFrom("ON_SUCCESS", "ON_FAIL", "ON_COMPLETE", "PIPE", "IF(input.x > 1)", "FOREACH", "BOGUS"),
    templated,
    componentName,
    fc.constantFrom("none", "hmac", "api_key"),
  )
  .map(
    ([name, lbl, tpl, comp, auth]) =>
      `name: ${name}\ntrigger:\n  webhook: { auth: ${auth}${auth === "hmac" ? ", secret: s" : ""} }\nflow:\n  - "input >> ON_SUCCESS >> a"\n  - "a >> ${lbl} >> b"\nconfig:\n  a: { component: set, values: { v: ${JSON.stringify(tpl)} } }\n  b: { component: ${comp}, values: { w: ${JSON.stringify(tpl)} } }\n`,
  );

/** A workflow source text: nearly valid, YAML (with noise), JSON, truncated or raw junk. */
export const workflowSource = fc.oneof(
  { weight: 4, arbitrary: nearlyValid },
  {
    weight: 5,
    arbitrary: fc.tuple(workflowValue, fc.array(yamlNoise, { maxLength: 3 })).map(([v, n]) => toYaml(v, [...n])),
  },
  { weight: 2, arbitrary: workflowValue.map((v) => JSON.stringify(v)) },
  {
    weight: 1,
    arbitrary: fc.tuple(workflowValue, fc.nat()).map(([v, cut]) => {
      const t = toYaml(v, []);
      return t.slice(0, cut % (t.length + 1));
    }),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 300 }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 50, max: 3000 })
      .map((d) => `name: deep\nconfig:\n  a: { component: set, values: { v: ${"[".repeat(d)}${"]".repeat(d)} } }\n`),
  },
);

/** A webhook request body with a content type, including lies (JSON sent as text, form sent as JSON). */
export const webhookBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => ({ type: "application/json", body: JSON.stringify(v) })),
  fc.string({ unit: "binary", maxLength: 200 }).map((s) => ({ type: "application/json", body: s })),
  fc.string({ maxLength: 200 }).map((s) => ({ type: "application/x-www-form-urlencoded", body: s })),
  fc.string({ maxLength: 200 }).map((s) => ({ type: "text/plain", body: s })),
  fc.uint8Array({ maxLength: 200 }).map((b) => ({ type: "application/octet-stream", body: b })),
  fc
    .constantFrom("multipart/form-data; boundary=x", "application/xml", "", "application/json; charset=utf-16")
    .map((t) => ({
      type: t,
      body: '{"a":1}',
    })),
  fc
    .integer({ min: 100, max: 20000 })
    .map((d) => ({ type: "application/json", body: `${"[".repeat(d)}${"]".repeat(d)}` })),
  fc
    .integer({ min: 100, max: 20000 })
    .map((d) => ({ type: "application/json", body: `${'{"a":'.repeat(d)}1${"}".repeat(d)}` })),
  fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}').map((b) => ({
    type: "application/json",
    body: b,
  })),
);
