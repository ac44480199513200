import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consent, type StandIn, startStandIn } from "./recipes-helpers";
import { startTestPlatform, type TestPlatform } from "./support/platform";

// Workflows written the way the original arcrun's users wrote them (fixtures/original/), validated and
// run against loopback stand-ins, with the answers the original gave.

type Json = Record<string, any>;
const fixture = (name: string) => readFileSync(join(__dirname, "fixtures", "original", `${name}.yaml`), "utf8");

let p: TestPlatform;
let s: StandIn;
beforeAll(async () => {
  s = await startStandIn((r) =>
    r.path === "/records"
      ? { status: 200, json: { records: [{ id: "a" }, { id: "b" }, { id: "c" }] } }
      : { status: 404, json: { error: "no route" } },
  );
  p = await startTestPlatform({ allowHosts: ["127.0.0.1"] });
});
afterAll(async () => {
  await p?.dispose();
  await s?.close();
});

async function validate(name: string): Promise<Json> {
  const res = await p.call("POST", "/validate", fixture(name), { "content-type": "application/yaml" });
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
}

async function deploy(name: string, yaml = fixture(name)): Promise<Response> {
  return p.call("PUT", `/v1/workflows/${name}`, yaml, {
    "content-type": "application/yaml",
    "x-arcrun-exposure-consent": JSON.stringify(consent()),
  });
}

async function run(name: string, input: Json): Promise<Json> {
  const put = await deploy(name);
  expect(put.status, await put.clone().text()).toBeLessThan(300);
  const res = await p.call("POST", `/v1/workflows/${name}/runs`, input);
  return (await res.json()) as Json;
}

describe("the original's result convention: success:false fails the node", () => {
  it("routes a refusal to ON_FAIL with the error as the message", async () => {
    const bad = await run("refuse-bad-input", { email: "nope" });
    expect(bad.status).toBe("succeeded");
    expect(bad.nodes.check.status).toBe("failed");
    expect(bad.nodes.check.error).toMatchObject({ code: "COMPONENT_FAILED", message: "email is required" });
    expect(bad.nodes.accepted.status).toBe("skipped");
    expect(bad.output).toEqual({ status: "rejected", reason: "email is required" });

    const good = await run("refuse-bad-input", { email: "ada@example.com" });
    expect(good.output).toEqual({ status: "accepted", email: "ada@example.com" });
    expect(good.nodes.rejected.status).toBe("skipped");
  });

  it("an unhandled refusal fails the execution after the step's retries", async () => {
    const r = await run("unhandled-refusal", {});
    expect(r.status).toBe("failed");
    expect(r.error).toMatchObject({ code: "COMPONENT_FAILED", message: "upstream said no", node: "check" });
    expect(r.nodes.check.attempts).toBe(3);
    expect(r.nodes.done?.status).not.toBe("succeeded");
  });
});

describe("code bodies are code", () => {
  it("a `{{` inside JavaScript validates and runs as text", async () => {
    const v = await validate("skip-templates-in-code");
    expect(v.errors).toEqual([]);
    expect(v.valid).toBe(true);
    const r = await run("skip-templates-in-code", { text: "keep\nskip {{ me\nalso keep" });
    expect(r.status).toBe("succeeded");
    expect(r.output).toEqual({ kept: ["keep", "also keep"], count: 2 });
  });
});

describe("typed data flow", () => {
  it("legacy reads of an http_request's JSON fields answer as the original, with a warning", async () => {
    const v = await validate("graph-query");
    expect(v.valid).toBe(true);
    const codes = (v.warnings as Json[]).map((w) => w.code);
    expect(codes).toContain("DEPRECATED_COMPONENT");
    const legacy = (v.warnings as Json[]).filter((w) => w.code === "LEGACY_HTTP_FIELD");
    expect(legacy).toHaveLength(2);
    expect(legacy[0]!.message).toContain('did you mean "fetch.data.json.records"?');
    expect(legacy[0]!.message).toContain("status, ok, headers, body, json");
    expect(legacy[0]!.pos).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });

    const r = await run("graph-query", { base: s.origin });
    expect(r.status).toBe("succeeded");
    expect(r.output).toEqual({ count: 3, first: [{ id: "a" }, { id: "b" }, { id: "c" }], status: 200 });
  });

  it("a field the producing step never outputs is a warning with a did-you-mean", async () => {
    const v = await validate("typo");
    expect(v.valid).toBe(true);
    const w = (v.warnings as Json[]).find((x) => x.code === "UNKNOWN_OUTPUT_FIELD");
    expect(w?.message).toBe(
      '"pick" never outputs "cuont": filter answers items, count, total (did you mean "pick.data.count"?)',
    );
    expect(w?.path).toBe("config.out.values.n");
  });

  it("an unresolved template yields null and a warning recorded on the node", async () => {
    const r = await run("unresolved", {});
    expect(r.status).toBe("succeeded");
    expect(r.output).toEqual({ nickname: null, line: "Hi !" });
    expect(r.nodes.greet.warnings).toEqual([
      {
        code: "UNRESOLVED_TEMPLATE",
        message: '{{ input.nickname }} resolved to nothing: the step got null (or "" inside text)',
      },
    ]);
  });
});

describe("trigger_workflow", () => {
  it("starts a workflow of the same tenant without waiting, or waiting with wait: true", async () => {
    expect((await deploy("notify-child")).status).toBeLessThan(300);
    const r = await run("fan-out", { text: "hi" });
    expect(r.status, JSON.stringify(r)).toBe("succeeded");
    expect(r.output.later_mode).toBe("fire_and_forget");
    expect(r.output.now_output).toEqual({ text: "HI", by: "trigger_workflow" });
    let child: Json = {};
    for (let i = 0; i < 50 && child.status !== "succeeded"; i++) {
      await new Promise((w) => setTimeout(w, 50));
      const res = await p.call("GET", `/v1/executions/${r.output.later_id}`);
      if (res.status === 200) child = (await res.json()) as Json;
    }
    expect(child).toMatchObject({ workflow: "notify-child", status: "succeeded", output: { text: "HI" } });
  });

  it("is cycle-safe", async () => {
    expect((await deploy("pong")).status).toBeLessThan(300);
    const r = await run("ping", {});
    expect(r.status).toBe("failed");
    expect(JSON.stringify(r.error)).toContain("TRIGGER_CYCLE");
  });

  it("never reaches another tenant's workflow", async () => {
    const other = await p.newKey();
    const as = (method: string, path: string, body: string, type: string) =>
      fetch(`${p.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${other.apiKey}`, "content-type": type },
        body,
      });
    const yaml = fixture("ping")
      .replace("name: ping", "name: outsider")
      .replace("workflow_name: pong", "workflow_name: notify-child");
    expect((await as("PUT", "/v1/workflows/outsider", yaml, "application/yaml")).status).toBe(201);
    const r = (await (await as("POST", "/v1/workflows/outsider/runs", "{}", "application/json")).json()) as Json;
    expect(r.status).toBe("failed");
    expect(r.error).toMatchObject({ code: "WORKFLOW_NOT_FOUND", node: "call" });
  });
});

describe("redeploys", () => {
  it("a byte-identical redeploy returns the current version: 200, no new version", async () => {
    const yaml = fixture("unresolved").replace("name: unresolved", "name: redeploy");
    const first = await deploy("redeploy", yaml);
    expect(first.status).toBe(201);
    for (let i = 0; i < 3; i++) {
      const again = await deploy("redeploy", yaml);
      expect(again.status).toBe(200);
      expect(((await again.json()) as Json).version).toBe(1);
    }
    const changed = await deploy("redeploy", `${yaml}\n# edited\n`);
    expect(((await changed.json()) as Json).version).toBe(2);
    const versions = (await (await p.call("GET", "/v1/workflows/redeploy/versions")).json()) as Json;
    expect(versions.versions).toHaveLength(2);
  });
});
