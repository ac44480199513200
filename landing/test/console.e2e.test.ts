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
let encryptionKey: string;
let page: Page;

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

describe.skipIf(!haveChromium)("console (Chromium)", () => {
  beforeAll(async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-console-"));
    const port = await freePort();
    acr = AcrProcess.spawn(["--json", "dev", "--port", String(port), "--state", join(cwd, "state")], cwd);
    const started = await acr.waitForJson<typeof dev & { keyFile: string }>();
    dev = started;
    // The platform key lives outside the state folder (cli/src/platform/secrets-store.ts).
    encryptionKey = JSON.parse(readFileSync(started.keyFile, "utf8")).encryptionKey;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    mkdirSync(shots, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await acr?.stop("SIGINT");
  });

  it("signs in with the API key and keeps only an HttpOnly session cookie", async () => {
    await page.goto(`${dev.url}/`);
    expect(page.url()).toBe(`${dev.url}/console/`);
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
    expect(await page.getByRole("button", { name: "Deploy" }).isDisabled()).toBe(true);
    await page.screenshot({ path: join(shots, "editor-error.png") });
  });

  it("deploys a workflow that needs consent only after the name is typed", async () => {
    await page.getByRole("link", { name: "Workflows", exact: true }).click();
    await page.getByRole("link", { name: "New workflow" }).click();
    await page.waitForURL(`${dev.url}/console/new`);
    await page.getByText("✓ Valid").waitFor();
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
    const res = await fetch(`${dev.url}/v1/credentials/e2e_token?envelope=1`, {
      headers: { authorization: `Bearer ${dev.apiKey}` },
    });
    const body = (await res.json()) as { envelope?: { encrypted: string; iv: string; kid?: string } };
    expect(body.envelope).toMatchObject({ encrypted: expect.any(String), iv: expect.any(String) });
    expect(JSON.stringify(body)).not.toContain(secret);
    expect(Buffer.from(body.envelope?.encrypted ?? "", "base64").toString("latin1")).not.toContain(secret);
  });

  it("the catalogue lists the components", async () => {
    await page.getByRole("link", { name: "Components" }).click();
    await page.getByText("http_request", { exact: true }).first().waitFor();
    await expectAccessible(page, "catalogue");
  });

  it("works at phone width (390 px)", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${dev.url}/console/workflows/hello`);
    await page.locator('[data-node-id="greet"]').waitFor();
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll("body *")]
        .filter((e) => e.getBoundingClientRect().right > 391 && !e.closest(".react-flow, .cm-scroller"))
        .slice(0, 5)
        .map((e) => `${e.tagName}.${e.className}`.slice(0, 120)),
    );
    expect(wide).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(shots, "phone.png"), fullPage: false });
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
