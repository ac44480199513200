import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../../cypher-executor/test/support/platform";
// @ts-expect-error: a plain .mjs script without types
import { renderTypes } from "../scripts/gen-types.mjs";
import { ArcrunClient, OPERATIONS } from "../src/index";

// Operations the SDK deliberately does not wrap (keep short, say why).
const EXCLUDED: Record<string, string> = {
  // Browser console sign-in: an HttpOnly cookie a program cannot use; SDK callers send the key itself.
  createSession: "console cookie sessions",
  deleteSession: "console cookie sessions",
  // Prometheus text for scrapers, not JSON for programs.
  getMetrics: "Prometheus scrape endpoint",
};

let p: TestPlatform;
let doc: { paths: Record<string, Record<string, { operationId?: string }>> };
beforeAll(async () => {
  p = await startTestPlatform();
  doc = (await (await fetch(`${p.url}/openapi.json`)).json()) as typeof doc;
});
afterAll(() => p?.dispose());

it("every operationId of /openapi.json has an SDK method (or a commented exclusion)", () => {
  const client = new ArcrunClient({ url: p.url, apiKey: "k" }) as unknown as Record<string, unknown>;
  const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
  expect(ids.length).toBeGreaterThanOrEqual(42);
  const missing = ids.filter((id) => !id || (!(id in OPERATIONS) && !(id in EXCLUDED)));
  expect(missing, "operationIds without an SDK method: add them to OPERATIONS in js-sdk/src/client.ts").toEqual([]);
  const unresolved = Object.entries(OPERATIONS).filter(([, path]) => {
    const fn = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], client);
    return typeof fn !== "function";
  });
  expect(unresolved).toEqual([]);
});

it("src/generated/openapi.ts is what openapi-typescript makes of /openapi.json (npm run gen -w js-sdk)", async () => {
  const committed = readFileSync(join(import.meta.dirname, "..", "src", "generated", "openapi.ts"), "utf8");
  expect(committed).toBe(await renderTypes(doc));
});
