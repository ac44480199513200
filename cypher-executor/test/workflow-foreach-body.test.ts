// Issue 13, deploy-time checks of FOREACH bodies: a `wait` in a FOREACH body is refused at deploy time
// with its place (it failed at run time with FOREACH_ITEM_PENDING); a subflow body runs the other
// workflow once per element (it failed at run time with COMPONENT_NOT_FOUND).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./support/platform";

const SQ = `name: sq
flow:
  - input >> ON_SUCCESS >> a
config:
  a: { component: set, values: { v: "{{ input.v }}", doubled: "{{ input.v * 2 }}" } }
`;

interface Diagnostic {
  code: string;
  message: string;
  path?: string;
  pos?: { line: number; column: number };
}

let p: TestPlatform;
const deploy = (name: string, yaml: string) =>
  p.call("PUT", `/v1/workflows/${name}`, yaml, { "content-type": "application/yaml" });

beforeAll(async () => {
  p = await startTestPlatform();
  expect((await deploy("sq", SQ)).status).toBe(201);
});
afterAll(() => p?.dispose());

describe("FOREACH bodies", () => {
  it("a wait as a FOREACH body is refused at deploy time, naming the edge's line", async () => {
    const yaml =
      "name: waits\nflow:\n  - input >> ON_SUCCESS >> list\n  - list >> FOREACH item >> pause\n" +
      "config:\n  list: { component: set, values: { items: [1, 2] } }\n  pause: { component: wait, duration: 1s }\n";
    const res = await deploy("waits", yaml);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; diagnostics: Diagnostic[] } };
    expect(body.error.code).toBe("WORKFLOW_INVALID");
    const d = body.error.diagnostics.find((x) => x.code === "FOREACH_BODY_CANNOT_WAIT");
    expect(d?.path).toBe("flow[1]");
    expect(d?.pos?.line).toBe(4);
    expect(d?.message).toContain("cannot wait");
    // Nothing was stored.
    expect((await p.call("GET", "/v1/workflows/waits")).status).toBe(404);
  });

  it("a subflow body (component: subflow) runs the workflow once per element", async () => {
    const yaml =
      "name: each_sq\nflow:\n  - input >> ON_SUCCESS >> list\n  - list >> FOREACH item >> sub\n" +
      "config:\n  list: { component: set, values: { items: [1, 2, 3] } }\n" +
      "  sub: { component: subflow, workflow: sq, v: '{{ item }}' }\n";
    expect((await deploy("each_sq", yaml)).status).toBe(201);
    const r = (await (await p.call("POST", "/v1/workflows/each_sq/runs", {})).json()) as {
      status: string;
      output: unknown;
      nodes: Record<string, { attempts: number }>;
    };
    expect(r.status).toBe("succeeded");
    expect(r.output).toEqual([
      { v: 1, doubled: 2 },
      { v: 2, doubled: 4 },
      { v: 3, doubled: 6 },
    ]);
  });

  it("a subflow node outside a FOREACH works with component: subflow too; without workflow it is refused", async () => {
    const yaml =
      "name: one_sq\nflow:\n  - input >> ON_SUCCESS >> sub\nconfig:\n  sub: { component: subflow, workflow: sq, v: 5 }\n";
    expect((await deploy("one_sq", yaml)).status).toBe(201);
    const r = (await (await p.call("POST", "/v1/workflows/one_sq/runs", {})).json()) as { output: unknown };
    expect(r.output).toEqual({ v: 5, doubled: 10 });
    const bad = await deploy("no_wf", yaml.replace("workflow: sq, ", "").replace("one_sq", "no_wf"));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("needs `workflow: <name>`");
  });
});
