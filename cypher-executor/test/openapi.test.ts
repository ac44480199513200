import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./support/platform";

// Every route of GET /openapi.json must carry an operationId (the SDKs' method names hang on it) and a tag.
// Generic on purpose: a route added anywhere without them fails here.
//
// Naming rule for operationId: lowerCamelCase `<verb><Resource>`, unique in the document.
//   GET collection -> list<Resources> (listWorkflows), GET item -> get<Resource> (getExecution),
//   POST collection -> create<Resource> (createKey, createRun), PUT item -> set<Resource> (setCredential;
//   workflows: deployWorkflow), DELETE item -> delete<Resource> / revoke<Resource> for keys,
//   POST action sub-route -> <action><Resource> (resumeExecution, rerunExecution, callComponent, testRecipe).
//   Two routes for one action differ by a suffix: ...ByNamespace, ...Get.

const METHODS = ["get", "put", "post", "patch", "delete"] as const;
interface Operation {
  operationId?: string;
  tags?: string[];
}

let p: TestPlatform;
let doc: { paths: Record<string, Record<string, Operation>> };
beforeAll(async () => {
  p = await startTestPlatform();
  doc = (await (await fetch(`${p.url}/openapi.json`)).json()) as typeof doc;
});
afterAll(() => p?.dispose());

function operations(): { route: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ route: `${m.toUpperCase()} ${path}`, op: item[m] as Operation })),
  );
}

it("every route has a lowerCamelCase operationId, unique in the document", () => {
  const ops = operations();
  expect(ops.length).toBeGreaterThanOrEqual(42);
  const missing = ops.filter(({ op }) => !op.operationId).map(({ route }) => route);
  expect(missing, "routes without operationId").toEqual([]);
  const badName = ops.filter(({ op }) => !/^[a-z][a-zA-Z0-9]*$/.test(op.operationId ?? "")).map((o) => o.route);
  expect(badName, "operationIds not in lowerCamelCase").toEqual([]);
  const seen = new Map<string, string>();
  const dupes: string[] = [];
  for (const { route, op } of ops) {
    const id = op.operationId as string;
    if (seen.has(id)) dupes.push(`${id}: ${seen.get(id)} and ${route}`);
    seen.set(id, route);
  }
  expect(dupes, "duplicate operationIds").toEqual([]);
});

it("every route has at least one tag", () => {
  const untagged = operations()
    .filter(({ op }) => !op.tags?.length)
    .map(({ route }) => route);
  expect(untagged, "routes without tags").toEqual([]);
});

it("names follow the rule for the core routes", () => {
  const byRoute = new Map(operations().map(({ route, op }) => [route, op.operationId]));
  expect(byRoute.get("GET /v1/workflows")).toBe("listWorkflows");
  expect(byRoute.get("GET /v1/executions/{id}")).toBe("getExecution");
  expect(byRoute.get("POST /v1/executions/{id}/resume")).toBe("resumeExecution");
  expect(byRoute.get("PUT /v1/workflows/{name}")).toBe("deployWorkflow");
});
