// Every workflow in examples/ deploys and runs green through the HTTP API on the real platform.
// An example's sample input lives beside it as {name}.input.json (none = an empty body).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./support/platform";

const dir = join(__dirname, "..", "..", "examples");
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => f.slice(0, -".yaml".length))
  .sort();
// Subflow examples call these by name: deploy them first.
const order = [...names].sort((a, b) => Number(b === "hello") - Number(a === "hello"));

let p: TestPlatform;
const deployErrors = new Map<string, string>();
beforeAll(async () => {
  p = await startTestPlatform();
  for (const name of order) {
    const res = await p.call("PUT", `/v1/workflows/${name}`, readFileSync(join(dir, `${name}.yaml`), "utf8"), {
      "content-type": "application/yaml",
      // Examples sending data to run-time hosts (http-status) need consent, as `acr push --confirm-exposure` gives.
      "x-arcrun-exposure-consent": JSON.stringify({
        confirmed_by_human: true,
        understood: true,
        confirmed_at: new Date().toISOString(),
        via: "flag",
      }),
    });
    if (res.status >= 300) deployErrors.set(name, await res.text());
  }
});
afterAll(() => p?.dispose());

describe("examples/", () => {
  it("has one workflow per file, named as the file", () => {
    for (const name of names) {
      expect(readFileSync(join(dir, `${name}.yaml`), "utf8")).toMatch(new RegExp(`^name: ${name}$`, "m"));
    }
  });

  it.each(names)("%s deploys and runs green", async (name) => {
    expect(deployErrors.get(name), `examples/${name}.yaml does not deploy`).toBeUndefined();
    const inputFile = join(dir, `${name}.input.json`);
    const input = existsSync(inputFile) ? JSON.parse(readFileSync(inputFile, "utf8")) : {};
    const res = await p.call("POST", `/v1/workflows/${name}/runs`, input);
    const body = (await res.json()) as {
      status: string;
      error?: unknown;
      nodes?: Record<string, { status: string; error?: unknown }>;
    };
    const failed = Object.entries(body.nodes ?? {}).filter(([, n]) => n.status === "failed" && !("handled" in n));
    expect(body.status, JSON.stringify({ error: body.error, failed })).toBe("succeeded");
  });
});
