// The component routes of the real executor bundle on workerd: GET /v1/components and
// POST /v1/components/{name}/call (what `acr component test` uses).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./support/platform";

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.dispose());

describe("GET /v1/components", () => {
  it("lists the bundled components with their schemas and capabilities", async () => {
    const res = await p.call("GET", "/v1/components");
    expect(res.status).toBe(200);
    const { components } = (await res.json()) as {
      components: { name: string; input_schema: object; capabilities: string[] }[];
    };
    const set = components.find((c) => c.name === "set");
    expect(set).toMatchObject({ capabilities: [], input_schema: { type: "object" } });
    // Test components are never bundled into the executor.
    expect(components.map((c) => c.name)).not.toContain("probe");
  });

  it("answers one manifest, or COMPONENT_NOT_FOUND", async () => {
    expect(((await (await p.call("GET", "/v1/components/set")).json()) as { name: string }).name).toBe("set");
    const res = await p.call("GET", "/v1/components/nope");
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("COMPONENT_NOT_FOUND");
  });

  it("needs an API key", async () => {
    expect((await fetch(`${p.url}/v1/components`)).status).toBe(401);
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await (await fetch(`${p.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/components", "/v1/components/{name}", "/v1/components/{name}/call"]),
    );
  });
});

describe("POST /v1/components/{name}/call", () => {
  it("runs the compiled wasm and answers its data", async () => {
    const res = await p.call("POST", "/v1/components/set/call", { input: { values: { greeting: "hi", n: [1, 2] } } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "succeeded", data: { greeting: "hi", n: [1, 2] }, host_calls: 0 });
  });

  it("a runtime failure answers 422 with the one error shape", async () => {
    const res = await p.call("POST", "/v1/components/set/call", {
      input: { values: "x".repeat(2000) },
      limits: { max_output_bytes: 100 },
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("OUTPUT_TOO_LARGE");
  });

  it("an unknown component is 404; a bad body is 400 VALIDATION_FAILED", async () => {
    expect((await p.call("POST", "/v1/components/nope/call", { input: {} })).status).toBe(404);
    const bad = await p.call("POST", "/v1/components/set/call", { limits: { fuel: -1 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("VALIDATION_FAILED");
  });

  it("debug options need the local platform's admin token", async () => {
    const denied = await p.call("POST", "/v1/components/set/call", { input: {}, debug: { repeat: 2 } });
    expect(denied.status).toBe(403);
    const ok = await p.call(
      "POST",
      "/v1/components/set/call",
      {
        input: { values: "marker-in-memory-1234" },
        debug: { scan_memory_for: ["marker-in-memory-1234", "never-there-5678"] },
      },
      { "x-arcrun-admin-token": p.adminToken },
    );
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { memory_contains: boolean[] }).memory_contains).toEqual([true, false]);
  });
});

describe("the component worker arcrun-set (generated from registry/template)", () => {
  it("answers POST / with the output and GET / with the manifest", async () => {
    const worker = await p.platform.mf.getWorker("arcrun-set");
    const res = await worker.fetch("http://component/", { method: "POST", body: JSON.stringify({ values: { a: 1 } }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ data: { a: 1 } });
    const manifest = await worker.fetch("http://component/");
    expect(((await manifest.json()) as { name: string }).name).toBe("set");
    const bad = await worker.fetch("http://component/", { method: "POST", body: "not json" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("INVALID_JSON");
  });
});
