import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcrProcess, freePort } from "../../cli/test/support/acr-process";

// The console end to end, as a person uses it: the real `acr dev` (workerd, state on disk) on a free port,
// driven by Debian's Chromium. Screenshots land in docs/console/ (linked from the README and docs).
const CHROMIUM = process.env.ARCRUN_CHROMIUM ?? "/usr/bin/chromium";
const root = join(import.meta.dirname, "..", "..");
const shots = join(root, "docs", "console");
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let acr: AcrProcess | undefined;
let browser: Browser | undefined;
let dev: { url: string; apiKey: string; ns: string };
/** The console URL `acr dev` printed. */
let consoleUrl = "";
let encryptionKey: string;
let page: Page;
/** The URL of the execution with retries (revisited at phone width). */
let retriesExecution = "";

/** axe-core on the current page: no serious or critical violation. */
async function expectAccessible(p: Page, where: string): Promise<void> {
  // evaluate is not subject to the page's CSP (which allows no inline script).
  await p.evaluate(axeSource);
  const result = await p.evaluate(async () => {
    const r = await (
      window as unknown as {
        axe: {
          run: (
            o: unknown,
          ) => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown }> }> }>;
        };
      }
    ).axe.run({
      resultTypes: ["violations"],
    });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target) }));
  });
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad, `${where}: ${JSON.stringify(bad)}`).toEqual([]);
}

/** Replaces the CodeMirror document with `text` (as a paste would). */
async function setEditor(p: Page, text: string): Promise<void> {
  await p.locator(".cm-content").click();
  await p.keyboard.press("Control+A");
  await p.keyboard.insertText(text);
}

/** The API as a script would call it (with the key, not the browser's session). */
async function callApi<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${dev.apiKey}` };
  let payload: string | undefined;
  if (typeof body === "string") {
    headers["content-type"] = "application/yaml";
    payload = body;
  } else if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${dev.url}${path}`, { method, headers, body: payload });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

interface ExecutionJson {
  id: string;
  status: string;
  input: unknown;
  resumes?: number;
  nodes: Record<string, { status: string; data?: unknown }>;
}

describe.skipIf(!haveChromium)("console (Chromium)", () => {
  beforeAll(async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-console-"));
    const port = await freePort();
    // Started as `npm start` starts it (`acr dev`, no --json): the test reads the console URL and the key from the
    // banner a person sees, and signs in with exactly those.
    acr = AcrProcess.spawn(["dev", "--port", String(port), "--state", join(cwd, "state")], cwd);
    const banner = await acr.waitFor((out) => {
      const url = /^ {2}console {2}(\S+)/m.exec(out)?.[1];
      const apiKey = /^ {2}API key {2}(\S+)/m.exec(out)?.[1];
      const ns = /^ {2}ns +(\S+)/m.exec(out)?.[1];
      return url && apiKey && ns && out.includes("Ctrl-C stops") ? { url, apiKey, ns } : undefined;
    });
    consoleUrl = banner.url;
    dev = { url: consoleUrl.replace(/\/console\/$/, ""), apiKey: banner.apiKey, ns: banner.ns };
    encryptionKey = JSON.parse(readFileSync(join(cwd, "state", "secrets.json"), "utf8")).encryptionKey;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    // A missing element fails with its locator well before the test's own timeout.
    page.setDefaultTimeout(10_000);
    mkdirSync(shots, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await acr?.stop("SIGINT");
  });

  it("signs in with the API key and keeps only an HttpOnly session cookie", async () => {
    expect(consoleUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/console\/$/);
    await page.goto(`${dev.url}/`);
    expect(page.url()).toBe(consoleUrl);
    await page.goto(consoleUrl);
    await expectAccessible(page, "sign-in");
    await page.getByLabel("API key").fill(dev.apiKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Workflows" }).waitFor();
    await page.getByRole("link", { name: "hello", exact: true }).waitFor();
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "arcrun_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    expect(session?.value).not.toContain(dev.apiKey);
    const stored = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    );
    expect(stored).toBe("{}{}");
    expect(await page.content()).not.toContain(dev.apiKey);
    await expectAccessible(page, "workflows");
  });

  it("opens an example workflow and draws its graph from the compiled plan", async () => {
    await page.getByRole("link", { name: "hello", exact: true }).click();
    await page.waitForURL(`${dev.url}/console/workflows/hello`);
    await page.locator('[data-node-id="greet"]').waitFor();
    expect(await page.locator(".react-flow__node").count()).toBe(3);
    expect(await page.locator(".react-flow__edge-text").allTextContents()).toEqual(["ON_SUCCESS", "ON_SUCCESS"]);
    await page.getByText("✓ Valid").waitFor();
    await page.screenshot({ path: join(shots, "workflow-graph.png") });
    await expectAccessible(page, "workflow");
  });

  it("shows a broken YAML's error at its line and highlights the node", async () => {
    const source = readFileSync(join(root, "examples", "hello.yaml"), "utf8");
    const broken = source.replace("greet >> ON_SUCCESS >> output", "greet >> ON_SUCESS >> output");
    const line = broken.split("\n").findIndex((l) => l.includes("ON_SUCESS")) + 1;
    await setEditor(page, broken);
    const diag = page.locator(".diagnostic").first();
    await diag.waitFor();
    expect(await diag.textContent()).toContain(`line ${line}, column`);
    expect(await diag.textContent()).toContain("UNKNOWN_EDGE_LABEL");
    await page.locator(".cm-lint-marker-error").first().waitFor();
    // The broken flow line names greet and output: both are outlined on the graph.
    await page.locator('[data-node-id="greet"][data-highlighted="true"]').waitFor();
    await page.locator('[data-node-id="output"][data-highlighted="true"]').waitFor();
    expect(await page.locator('[data-node-id="input"][data-highlighted="true"]').count()).toBe(0);
    expect(await page.getByRole("button", { name: "Deploy" }).isDisabled()).toBe(true);
    await page.screenshot({ path: join(shots, "editor-error.png") });
    await expectAccessible(page, "editor with an error");
  });

  it("deploys a workflow that needs consent only after the name is typed", async () => {
    await page.getByRole("link", { name: "Workflows", exact: true }).click();
    await page.getByRole("link", { name: "New workflow" }).click();
    await page.waitForURL(`${dev.url}/console/new`);
    await page.getByText("✓ Valid").waitFor();
    await expectAccessible(page, "new workflow");
    await setEditor(page, readFileSync(join(root, "examples", "http-status.yaml"), "utf8"));
    await page.locator('[data-node-id="fetch"]').waitFor();
    await page.getByText("✓ Valid").waitFor();
    await page.getByRole("button", { name: "Deploy" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("will send data to");
    const confirm = dialog.getByRole("button", { name: "Confirm and deploy" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByRole("textbox").fill("http-status");
    await page.screenshot({ path: join(shots, "deploy-consent.png") });
    await expectAccessible(page, "consent dialog");
    await confirm.click();
    await page.waitForURL(`${dev.url}/console/workflows/http-status`);
    await page.locator('[data-node-id="explain"]').waitFor();
    const stored = await fetch(`${dev.url}/v1/workflows/http-status`, {
      headers: { authorization: `Bearer ${dev.apiKey}` },
    });
    expect(stored.status).toBe(200);
  });

  it("runs with input, then shows node states and the timeline", async () => {
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

  it("stores a credential encrypted in the page: the server holds an envelope", async () => {
    const secret = "e2e-plaintext-9f3b1c";
    await page.getByRole("link", { name: "Credentials" }).click();
    await page.getByRole("heading", { name: "Set a credential" }).waitFor();
    await expectAccessible(page, "credentials");
    await page.getByLabel("Name").fill("e2e_token");
    await page.getByLabel("Value").fill(secret);
    await page.getByLabel(/Platform encryption key/).fill(encryptionKey);
    await page.getByRole("button", { name: "Encrypt and store" }).click();
    await page.getByRole("status").getByText("Stored e2e_token").waitFor();
    await page.getByRole("cell", { name: "e2e_token", exact: true }).waitFor();
    expect(await page.getByLabel("Value").inputValue()).toBe("");
    expect(await page.getByLabel(/Platform encryption key/).inputValue()).toBe("");
    const html = await page.content();
    const stored = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie,
    );
    for (const leak of [secret, encryptionKey, dev.apiKey]) {
      expect(html).not.toContain(leak);
      expect(stored).not.toContain(leak);
      expect(page.url()).not.toContain(leak);
    }
    const res = await fetch(`${dev.url}/v1/credentials/e2e_token?envelope=1`, {
      headers: { authorization: `Bearer ${dev.apiKey}` },
    });
    const body = (await res.json()) as { envelope?: { encrypted: string; iv: string; kid?: string } };
    expect(body.envelope).toMatchObject({ encrypted: expect.any(String), iv: expect.any(String) });
    expect(JSON.stringify(body)).not.toContain(secret);
    expect(Buffer.from(body.envelope?.encrypted ?? "", "base64").toString("latin1")).not.toContain(secret);
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Delete e2e_token" }).click();
    await page.getByRole("cell", { name: "e2e_token", exact: true }).waitFor({ state: "detached" });
    const gone = await fetch(`${dev.url}/v1/credentials/e2e_token?envelope=1`, {
      headers: { authorization: `Bearer ${dev.apiKey}` },
    });
    expect(gone.status).toBe(404);
  });

  it("the catalogue shows each component's input fields and an example, and each recipe's exposure review", async () => {
    await page.getByRole("link", { name: "Components" }).click();
    const http = page.locator('[data-component="http_request"]');
    await http.locator("summary").click();
    const fields = http.getByRole("table", { name: "http_request input fields" });
    await fields.waitFor();
    expect(await fields.getByRole("row", { name: /url \(required\)/ }).count()).toBe(1);
    // No succeeding test case (every http_request case is an error): the example is built from the schema.
    await http.getByText("(built from the schema)").waitFor();
    const example = JSON.parse(
      (await http.getByRole("region", { name: "http_request example input" }).textContent()) ?? "",
    );
    expect(example).toEqual({ method: "GET", url: "<url>" });
    const set = page.locator('[data-component="set"]');
    await set.locator("summary").click();
    await set.getByText("(from its test cases)").waitFor();
    expect(await set.getByRole("region", { name: "set as a workflow step" }).textContent()).toContain("component: set");

    const tg = page.locator('[data-recipe="telegram_send"]');
    await tg.locator("summary").click();
    await tg.locator('[data-destination="api.telegram.org"]').waitFor();
    expect(await tg.locator('[data-destination="api.telegram.org"]').textContent()).toContain("credential bot_token");
    expect(await tg.locator('[data-finding="CREDENTIAL_IN_URL"]').textContent()).toContain("Notice");
    expect(await tg.textContent()).toContain("POST https://api.telegram.org/bot{{auth.bot_token}}/sendMessage");
    await tg.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, "catalogue-recipe.png") });
    await expectAccessible(page, "catalogue (open cards)");
  });

  it("versions: lists them, diffs two, views an old one and rolls back by deploying it as new", async () => {
    const v1 = await callApi<{ version: number; source: string }>("GET", "/v1/workflows/hello");
    await page.goto(`${dev.url}/console/workflows/hello`);
    await page.getByText("✓ Valid").waitFor();
    await setEditor(page, v1.source.replace('"Hello {{ input.name }}"', '"Hi there, {{ input.name }}"'));
    await page.getByText("✓ Valid · unsaved changes").waitFor();
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page
      .getByRole("status")
      .getByText(`Deployed hello v${v1.version + 1}`)
      .waitFor();
    const versions = page.getByRole("region", { name: "Versions" });
    await versions.getByText(`v${v1.version + 1}`, { exact: true }).waitFor();
    expect(await versions.getByRole("listitem").count()).toBe(v1.version + 1);

    await versions.getByRole("button", { name: `Diff with current (version ${v1.version})` }).click();
    const diff = versions.getByRole("figure");
    await diff.waitFor();
    const lines = (await diff.locator("pre > div").allTextContents()).filter((l) => !l.startsWith(" "));
    expect(lines).toEqual([
      '-       message: "Hello {{ input.name }}"',
      '+       message: "Hi there, {{ input.name }}"',
    ]);
    await expectAccessible(page, "versions with a diff");

    await versions.getByRole("link", { name: `View / roll back version ${v1.version}` }).click();
    await page.waitForURL(`${dev.url}/console/workflows/hello?version=${v1.version}`);
    await page.getByText("(old version)").waitFor();
    await expectAccessible(page, "an old version");
    const rows = page.getByRole("region", { name: "Versions" }).getByRole("listitem");
    expect(await rows.filter({ hasText: "viewing" }).locator("span.font-mono").textContent()).toBe(`v${v1.version}`);
    const currentRow = rows.filter({ has: page.getByText("current", { exact: true }) });
    expect(await currentRow.locator("span.font-mono").textContent()).toBe(`v${v1.version + 1}`);
    await page.getByRole("button", { name: "Deploy this version as new" }).click();
    await page.waitForURL(`${dev.url}/console/workflows/hello`);
    await page
      .getByRole("status")
      .getByText(`Deployed hello v${v1.version + 2}`)
      .waitFor();
    const now = await callApi<{ version: number; source: string }>("GET", "/v1/workflows/hello");
    expect(now.version).toBe(v1.version + 2);
    expect(now.source).toBe(v1.source);
  });

  it("is usable from the keyboard: links, graph nodes, timeline rows, and leaving the editor", async () => {
    /** Presses Tab until the focused element matches `test` (at most 40 times); false when it never does. */
    const tabTo = async (test: string) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press("Tab");
        if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, test)) return true;
      }
      return false;
    };
    await page.goto(`${dev.url}/console/`);
    await page.getByRole("link", { name: "hello", exact: true }).waitFor();
    expect(await tabTo('a[href="/console/workflows/hello"]')).toBe(true);
    await page.keyboard.press("Enter");
    await page.waitForURL(`${dev.url}/console/workflows/hello`);
    await page.locator(".cm-content").focus();
    await page.keyboard.press("Escape");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => !document.activeElement?.closest(".cm-editor"))).toBe(true);

    await page.goto(retriesExecution);
    await page.locator('[data-node-id="risky"]').waitFor();
    expect(await tabTo('.react-flow__node[data-id="risky"]')).toBe(true);
    await page.keyboard.press("Enter");
    await page.getByRole("region", { name: "Node risky" }).waitFor();
    expect(await tabTo('[data-timeline-node="recover"] button')).toBe(true);
    await page.keyboard.press("Enter");
    await page.getByRole("region", { name: "Node recover" }).waitFor();
  });

  it("works at phone width (390 px): workflow and execution pages", async () => {
    /** Elements sticking out past the viewport (the canvas and the editor scroll inside themselves). */
    const overflow = () =>
      page.evaluate(() =>
        [...document.querySelectorAll("body *")]
          .filter((e) => e.getBoundingClientRect().right > 391 && !e.closest(".react-flow, .cm-scroller"))
          .slice(0, 5)
          .map((e) => `${e.tagName}.${e.className}`.slice(0, 120)),
      );
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${dev.url}/console/workflows/hello`);
    await page.locator('[data-node-id="greet"]').waitFor();
    expect(await overflow()).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(shots, "phone.png"), fullPage: false });
    await expectAccessible(page, "workflow at 390 px");
    await page.goto(retriesExecution);
    await page.locator('[data-timeline-node="risky"] [data-attempt="3"]').waitFor();
    await page.locator('[data-timeline-node="risky"] button').click();
    expect(await overflow()).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByRole("heading", { name: "Timeline" }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, "phone-execution.png"), fullPage: false });
    await expectAccessible(page, "execution at 390 px");
    await page.setViewportSize({ width: 1400, height: 900 });
  });

  it("signs out: the old session cookie is refused", async () => {
    const before = (await page.context().cookies()).find((c) => c.name === "arcrun_session")?.value;
    expect(before).toBeTruthy();
    const who = await fetch(`${dev.url}/v1/whoami`, { headers: { cookie: `arcrun_session=${before}` } });
    expect(who.status).toBe(200);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    const after = await fetch(`${dev.url}/v1/whoami`, { headers: { cookie: `arcrun_session=${before}` } });
    expect(after.status).toBe(401);
    expect((await page.context().cookies()).find((c) => c.name === "arcrun_session")).toBeUndefined();
  });
});
