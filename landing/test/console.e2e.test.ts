// The console end to end, as a person uses it: the real `acr dev` (workerd, state on disk) on a free port,
// driven by Debian's Chromium: sign-in, the workflow editor and graph, deploy with consent, versions, credentials,
// the catalogue, phone width, keyboard, sign-out. Executions: console-executions.e2e.test.ts.
// Screenshots: docs/console/ with ARCRUN_SCREENSHOTS=docs (linked from the README and docs), else a temp folder.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  callApi as apiWithKey,
  type ConsoleRun,
  expectAccessible,
  haveChromium,
  overflowing,
  root,
  setEditor,
  shots,
  startConsole,
  tabTo,
} from "./support/console";

let run: ConsoleRun;
const callApi = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
  apiWithKey<T>(run.dev, method, path, body);

describe.skipIf(!haveChromium)("console (Chromium)", () => {
  let page: ConsoleRun["page"];
  let dev: ConsoleRun["dev"];
  let consoleUrl: string;
  let encryptionKey: string;
  beforeAll(async () => {
    run = await startConsole();
    ({ page, dev, consoleUrl, encryptionKey } = run);
  }, 120_000);

  afterAll(() => run?.stop());

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

  it("is usable from the keyboard: links, and leaving the editor", async () => {
    await page.goto(`${dev.url}/console/`);
    await page.getByRole("link", { name: "hello", exact: true }).waitFor();
    expect(await tabTo(page, 'a[href="/console/workflows/hello"]')).toBe(true);
    await page.keyboard.press("Enter");
    await page.waitForURL(`${dev.url}/console/workflows/hello`);
    await page.locator(".cm-content").focus();
    await page.keyboard.press("Escape");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => !document.activeElement?.closest(".cm-editor"))).toBe(true);
  });

  it("works at phone width (390 px)", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${dev.url}/console/workflows/hello`);
    await page.locator('[data-node-id="greet"]').waitFor();
    expect(await overflowing(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(shots, "phone.png"), fullPage: false });
    await expectAccessible(page, "workflow at 390 px");
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
