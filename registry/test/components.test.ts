// The generic component test: every registry/components/{name}/cases.json case runs against the
// compiled wasm inside the real executor on workerd (POST /v1/components/{name}/call).
// A case is { name, input, expect: { data } | { data_keys } | { error: { code } } | { pending: true } , limits? }
// (`data_keys`: the data is an object with exactly these keys, for outputs that hold the time or randomness).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exposureConsent, startTestPlatform, type TestPlatform } from "../../cypher-executor/test/support/platform";

interface Case {
  name: string;
  input: unknown;
  limits?: Record<string, number>;
  expect: { data?: unknown; data_keys?: string[]; error?: { code: string }; pending?: boolean };
}

const componentsDir = join(__dirname, "..", "components");
const built = join(__dirname, "..", "..", ".component-builds");
// cli/test/component-tooling.test.ts scaffolds `zz_scaffold_test_*` components (one with a deliberately wrong
// case) and deletes them when done: while both suites run in parallel, those folders are not ours to judge.
const withCases = readdirSync(componentsDir)
  .filter(
    (n) =>
      !n.startsWith("zz_scaffold_test_") &&
      existsSync(join(componentsDir, n, "cases.json")) &&
      existsSync(join(componentsDir, n, "component.json")),
  )
  .sort();

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.dispose());

describe.each(withCases)("component %s", (name) => {
  const cases = JSON.parse(readFileSync(join(componentsDir, name, "cases.json"), "utf8")) as Case[];

  it("is built and listed by GET /v1/components", async () => {
    // `code` runs on the bundled QuickJS interpreter (quickjs.wasm), every other component on its own module.
    const wasm = name === "code" ? "quickjs.wasm" : `${name}.wasm`;
    expect(existsSync(join(built, name, wasm)), `${name} is not built: npm run build -w registry`).toBe(true);
    const res = await p.call("GET", `/v1/components/${name}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { name: string }).name).toBe(name);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_title, c) => {
    const res = await p.call(
      "POST",
      `/v1/components/${name}/call`,
      { input: c.input, ...(c.limits ? { limits: c.limits } : {}) },
      // The cases of components that call out are the developer's own: consent as `--confirm-exposure`.
      exposureConsent(),
    );
    const body = (await res.json()) as { status: string; data?: unknown; error?: { code: string; message: string } };
    if (c.expect.error) {
      expect(body.status, JSON.stringify(body)).toBe("failed");
      expect(body.error?.code).toBe(c.expect.error.code);
    } else if (c.expect.pending) {
      expect(body.status, JSON.stringify(body)).toBe("pending");
    } else if (c.expect.data_keys) {
      expect(body.status, JSON.stringify(body)).toBe("succeeded");
      expect(Object.keys(body.data as object).sort()).toEqual([...c.expect.data_keys].sort());
    } else {
      expect(body.status, JSON.stringify(body)).toBe("succeeded");
      expect(body.data).toEqual(c.expect.data);
    }
  });
});
