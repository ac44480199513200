// The console's execution pages end to end, in Chromium against the real `acr dev`: run with input, node states and
// the timeline, a retried node's attempts, FOREACH elements, resume (waiting, failed) and re-run, the executions list,
// keyboard and phone width on an execution. Screenshots: see support/console.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  callApi as apiWithKey,
  type ConsoleRun,
  type ExecutionJson,
  expectAccessible,
  haveChromium,
  overflowing,
  root,
  shots,
  signIn,
  startConsole,
  tabTo,
} from "./support/console";

let run: ConsoleRun;
const callApi = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
  apiWithKey<T>(run.dev, method, path, body);

describe.skipIf(!haveChromium)("console executions (Chromium)", () => {
  let page: ConsoleRun["page"];
  let dev: ConsoleRun["dev"];
  /** The URL of the execution with retries (revisited with the keyboard and at phone width). */
  let retriesExecution = "";
  beforeAll(async () => {
    run = await startConsole();
    ({ page, dev } = run);
    await signIn(run);
    // http-status sends data to a host known only at run time: deploying it needs a human's consent (the editor
    // test gives it in the page; here it is given as `acr push` sends it).
    await apiWithKey(
      run.dev,
      "PUT",
      "/v1/workflows/http-status",
      readFileSync(join(root, "examples", "http-status.yaml"), "utf8"),
      {
        "x-arcrun-exposure-consent": JSON.stringify({
          confirmed_by_human: true,
          understood: true,
          confirmed_at: new Date().toISOString(),
          typed_name: "http-status",
          via: "typed_name",
        }),
      },
    );
  }, 120_000);

  afterAll(() => run?.stop());

  it("runs with input, then shows node states and the timeline", async () => {
    await page.goto(`${dev.url}/console/workflows/http-status`);
    await page.getByLabel("Input (JSON)").fill('{ "url": "http://127.0.0.1:9/" }');
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.waitForURL(/\/console\/executions\/ex/);
    // A loopback URL is refused (SSRF_BLOCKED): fetch fails, its ON_FAIL branch runs, report is skipped.
    await page.locator('[data-node-id="fetch"][data-state="failed"]').waitFor();
    await page.locator('[data-node-id="explain"][data-state="succeeded"]').waitFor();
    await page.locator('[data-node-id="report"][data-state="skipped"]').waitFor();
    expect(await page.locator("[data-timeline-node]").count()).toBe(4);
    await page.locator('[data-timeline-node="fetch"] button').click();
    await page.getByRole("region", { name: "Node fetch" }).getByText("SSRF_BLOCKED").first().waitFor();
    await page.screenshot({ path: join(shots, "execution-timeline.png") });
    await expectAccessible(page, "execution");
    await page.getByRole("link", { name: "Executions" }).click();
    await page.locator("tbody tr").first().waitFor();
    await expectAccessible(page, "executions");
  });

  it("draws each attempt of a retried node as its own bar, with the node's input, error and log", async () => {
    await page.goto(`${dev.url}/console/workflows/failures`);
    await page.getByLabel("Input (JSON)").fill("{}");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.waitForURL(/\/console\/executions\/ex/);
    await page.locator('[data-node-id="recover"][data-state="succeeded"]').waitFor();
    retriesExecution = page.url();
    // risky: retry { max: 2 } and every call fails (OUTPUT_TOO_LARGE) -> 3 attempts, 2 retried, the last failed.
    const attempts = page.locator('[data-timeline-node="risky"] [data-attempt]');
    expect(await attempts.count()).toBe(3);
    expect(await attempts.evaluateAll((els) => els.map((e) => e.getAttribute("data-outcome")))).toEqual([
      "retried",
      "retried",
      "failed",
    ]);
    expect(await page.locator('[data-timeline-node="recover"] [data-attempt]').count()).toBe(0);
    await page.locator('[data-timeline-node="risky"] button').click();
    const detail = page.getByRole("region", { name: "Node risky" });
    await detail.getByText("OUTPUT_TOO_LARGE").first().waitFor();
    expect(await detail.getByRole("region", { name: "risky input" }).textContent()).toContain("deliberately longer");
    const log = await detail.getByRole("list", { name: "risky log" }).textContent();
    expect(log).toContain("attempt 2 failed, retried");
    expect(log).toContain("failed after 3 attempt(s): OUTPUT_TOO_LARGE");
    expect(log).toContain("handled by an ON_FAIL");
    await page.screenshot({ path: join(shots, "execution-retries.png") });
    await expectAccessible(page, "execution with retries");
  });

  it("shows a FOREACH node's elements: each item, its status and output", async () => {
    const items = [
      { sku: "a", qty: 2, price: 3 },
      { sku: "b", qty: 1, price: 10 },
      { sku: "c", qty: 4, price: 0.5 },
    ];
    const run = await callApi<{ execution_id: string }>("POST", "/v1/workflows/foreach/runs", { items });
    await page.goto(`${dev.url}/console/executions/${run.execution_id}`);
    await page.locator('[data-node-id="line"][data-state="succeeded"]').waitFor();
    expect(await page.locator('[data-timeline-node="line"]').textContent()).toContain("3 elements");
    await page.locator('[data-timeline-node="line"] button').click();
    const rows = page.getByRole("region", { name: "line elements" }).locator("tbody tr");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(3);
    const cells = await rows.evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")),
    );
    expect(cells.map((c) => c[1])).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect(cells[1]?.[2]).toContain('"sku":"b"');
    expect(cells[1]?.[3]).toContain('"total":10');
    expect(cells[2]?.[3]).toContain('"total":2');
    const log = await page.getByRole("list", { name: "line log" }).textContent();
    expect(log).toContain("3 element(s), 3 call(s)");
    expect(log).not.toContain("retried");
    await page.screenshot({ path: join(shots, "execution-foreach.png") });
    await expectAccessible(page, "execution with FOREACH");
  });

  it("resumes a waiting execution with the task's result", async () => {
    await page.goto(`${dev.url}/console/workflows/remind-later`);
    await page.getByLabel("Input (JSON)").fill('{ "note": "stretch", "delay": "1h" }');
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.waitForURL(/\/console\/executions\/ex/);
    const id = page.url().split("/").pop() ?? "";
    await page.locator('[data-node-id="pause"][data-state="waiting"]').waitFor();
    await page.getByText(/Waiting on pause \(task /).waitFor();
    await page.locator('[data-timeline-node="pause"] button').click();
    await page
      .getByRole("region", { name: "Node pause" })
      .getByText(/waiting for task/)
      .waitFor();
    await page.screenshot({ path: join(shots, "execution-waiting.png") });
    await expectAccessible(page, "waiting execution");
    await page.getByLabel("Task result (JSON)").fill('{ "woke": "by hand" }');
    await page.getByRole("button", { name: "Resume with this result" }).click();
    await page.locator('[data-node-id="remind"][data-state="succeeded"]').waitFor();
    const after = await callApi<ExecutionJson>("GET", `/v1/executions/${id}`);
    expect(after.status).toBe("succeeded");
    expect(after.resumes).toBe(1);
    expect(after.nodes.remind?.data).toEqual({ reminder: "stretch", woke: { woke: "by hand" } });
    // Run now is prefilled with the last run's input.
    await page.goto(`${dev.url}/console/workflows/remind-later`);
    await page.waitForFunction(
      () => (document.querySelector("textarea") as HTMLTextAreaElement | null)?.value.includes('"1h"') ?? false,
    );
    expect(JSON.parse(await page.getByLabel("Input (JSON)").inputValue())).toEqual({ note: "stretch", delay: "1h" });
  });

  it("resumes a failed execution once its cause is fixed, then re-runs it with the same input", async () => {
    // The parent calls a subflow that does not exist yet: SUBFLOW_NOT_FOUND, unhandled, so the execution fails.
    const parent = [
      "name: e2e-parent",
      "flow:",
      "  - input >> ON_SUCCESS >> prep",
      "  - prep >> CALLS_SUBFLOW >> child",
      "  - child >> ON_SUCCESS >> output",
      "config:",
      '  prep: { component: set, values: { who: "{{ input.who }}" } }',
      "  child: { workflow: e2e-child }",
      '  output: { component: set, values: { got: "{{ child.data }}" } }',
      "",
    ].join("\n");
    await callApi("PUT", "/v1/workflows/e2e-parent", parent);
    const run = await callApi<{ execution_id: string }>("POST", "/v1/workflows/e2e-parent/runs", { who: "Ada" });
    await page.goto(`${dev.url}/console/executions/${run.execution_id}`);
    await page.locator('[data-node-id="child"][data-state="failed"]').waitFor();
    await page.getByText("SUBFLOW_NOT_FOUND").first().waitFor();
    await callApi(
      "PUT",
      "/v1/workflows/e2e-child",
      'name: e2e-child\nflow:\n  - input >> ON_SUCCESS >> hi\nconfig:\n  hi: { component: set, values: { hi: "{{ input.who }}" } }\n',
    );
    await page.getByRole("button", { name: "Resume", exact: true }).click();
    // Resumed at once: the stored record lags up to a second (one KV write per second per key); the page waits.
    await page.locator('[data-node-id="output"][data-state="succeeded"]').waitFor();
    const resumed = await callApi<ExecutionJson>("GET", `/v1/executions/${run.execution_id}`);
    expect(resumed).toMatchObject({ status: "succeeded", resumes: 1 });
    await page.getByRole("button", { name: "Re-run with the same input" }).click();
    await page.waitForURL(
      (u) => u.pathname.startsWith("/console/executions/") && !u.pathname.endsWith(run.execution_id),
    );
    await page.locator('[data-node-id="output"][data-state="succeeded"]').waitFor();
    const again = await callApi<ExecutionJson>("GET", `/v1/executions/${page.url().split("/").pop()}`);
    expect(again.id).not.toBe(run.execution_id);
    expect(again.input).toEqual({ who: "Ada" });
    expect(again.status).toBe("succeeded");
  });

  it("executions: filters by workflow and status (in the URL) and shows new runs without a reload", async () => {
    /** Waits until the table has rows and every row's `column` reads `value`. */
    const allRowsRead = (column: number, value: string) =>
      page.waitForFunction(
        ([c, v]) => {
          const cells = [...document.querySelectorAll(`tbody tr td:nth-child(${c})`)];
          return cells.length > 0 && cells.every((td) => td.textContent === v);
        },
        [column, value] as const,
      );
    // A list that is not a list: FOREACH_NOT_A_LIST, unhandled, so this execution fails.
    await callApi("POST", "/v1/workflows/foreach/runs", { items: "not a list" });
    await page.goto(`${dev.url}/console/executions`);
    await page.locator("tbody tr").first().waitFor();
    await page.getByLabel("Status").selectOption("failed");
    await page.waitForURL(`${dev.url}/console/executions?status=failed`);
    await allRowsRead(3, "failed");
    await page.getByLabel("Status").selectOption("");
    await page.getByLabel("Workflow").fill("foreach");
    await page.getByLabel("Workflow").press("Enter");
    await page.waitForURL(`${dev.url}/console/executions?workflow=foreach`);
    const rows = page.locator("tbody tr");
    await allRowsRead(2, "foreach");
    const before = await rows.count();
    const run = await callApi<{ execution_id: string }>("POST", "/v1/workflows/foreach/runs", { items: [] });
    await page.getByRole("link", { name: run.execution_id }).waitFor();
    expect(await rows.count()).toBe(before + 1);
    await expectAccessible(page, "executions, filtered");
  });

  it("is usable from the keyboard: graph nodes and timeline rows open with Enter", async () => {
    await page.goto(retriesExecution);
    await page.locator('[data-node-id="risky"]').waitFor();
    expect(await tabTo(page, '.react-flow__node[data-id="risky"]')).toBe(true);
    await page.keyboard.press("Enter");
    await page.getByRole("region", { name: "Node risky" }).waitFor();
    expect(await tabTo(page, '[data-timeline-node="recover"] button')).toBe(true);
    await page.keyboard.press("Enter");
    await page.getByRole("region", { name: "Node recover" }).waitFor();
  });

  it("works at phone width (390 px)", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(retriesExecution);
    await page.locator('[data-timeline-node="risky"] [data-attempt="3"]').waitFor();
    await page.locator('[data-timeline-node="risky"] button').click();
    expect(await overflowing(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByRole("heading", { name: "Timeline" }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, "phone-execution.png"), fullPage: false });
    await expectAccessible(page, "execution at 390 px");
    await page.setViewportSize({ width: 1400, height: 900 });
  });
});
