// No plaintext secret in any stored byte, log or record (issue 12): `acr serve` as an operator runs it
// (the built CLI, plain workerd, state on disk, `--verbose` so every worker's console output is kept),
// every example deployed and run, credentials set through `acr credential set`, the two signed-webhook
// examples fed real signed deliveries, and a workflow whose upstream echoes its credential back in every
// encoding, with a success and a failure. Then every file of the state folder (raw bytes, SQLite included),
// the process's whole output and every execution record are searched for each secret in each encoding.
import { spawnSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcrProcess, acrBin } from "../../../cli/test/support/acr-process";
import { reportFigures } from "./support/summary";

const examples = join(__dirname, "..", "..", "..", "examples");
const SECRETS = {
  github_hook_secret: `ghs_${randomBytes(12).toString("hex")}`,
  slack_signing_secret: `slk_${randomBytes(12).toString("hex")}`,
  svc: `tok_${randomBytes(12).toString("hex")}`,
};
/** Not a secret: an input value, which must be found in storage (proves the scan reads what is stored). */
const CONTROL = `control_${randomBytes(8).toString("hex")}`;

/** Every encoding we look for: the forms an upstream or a log could carry a secret in. */
function encodings(s: string): Record<string, string> {
  const b = Buffer.from(s);
  return {
    plain: s,
    base64: b.toString("base64").replace(/=+$/, ""),
    base64url: b.toString("base64url"),
    hex: b.toString("hex"),
    "json \\u": [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""),
    "url %": [...s].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join(""),
  };
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

let upstream: Server;
let upstreamUrl: string;
let acr: AcrProcess | undefined;
let cwd: string;
let started: { url: string; apiKey: string; ns: string };

beforeAll(async () => {
  // A careless API: echoes the Authorization header in every encoding; /fail does it with a 500.
  upstream = createServer((req, res) => {
    const auth = String(req.headers.authorization ?? "");
    const token = auth.replace(/^Bearer /, "");
    const body = JSON.stringify({ you_sent: auth, forms: encodings(token) });
    res.writeHead(req.url?.startsWith("/fail") ? 500 : 200, { "content-type": "application/json", "x-echo": auth });
    res.end(body);
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  cwd = mkdtempSync(join(tmpdir(), "arcrun-scan-"));
  acr = AcrProcess.spawn(
    ["--json", "serve", "--address", "127.0.0.1:0", "--state", join(cwd, "state"), "--verbose"].concat([
      "--allow-host",
      upstreamUrl.slice("http://".length),
    ]),
    cwd,
  );
  started = await acr.waitForJson();
}, 120_000);
afterAll(async () => {
  await acr?.stop("SIGTERM");
  upstream?.close();
});

const call = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
  fetch(started.url + path, {
    method,
    headers: { authorization: `Bearer ${started.apiKey}`, ...headers },
    ...(body === undefined ? {} : { body }),
  });
const consent = JSON.stringify({
  confirmed_by_human: true,
  understood: true,
  confirmed_at: new Date().toISOString(),
  via: "flag",
});

describe("secret scan of storage, logs and records (acr serve, every example)", () => {
  it("finds none of the secrets in any encoding; finds the control input (the scan reads storage)", async () => {
    // Credentials go in as users put them: encrypted by the CLI.
    for (const [name, value] of Object.entries(SECRETS)) {
      const r = spawnSync(process.execPath, [acrBin, "credential", "set", name, "--stdin"], {
        cwd,
        input: value,
        encoding: "utf8",
        env: {
          ...process.env,
          NO_COLOR: "1",
          WRANGLER_SEND_METRICS: "false",
          ARCRUN_KEYS_DIR: join(cwd, ".arcrun-keys"),
        },
      });
      expect(r.status, r.stderr).toBe(0);
    }

    const names = readdirSync(examples)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => f.slice(0, -5))
      .sort((a, b) => Number(b === "hello") - Number(a === "hello"));
    const yaml: Record<string, string> = Object.fromEntries(
      names.map((n) => [n, readFileSync(join(examples, `${n}.yaml`), "utf8")]),
    );
    const echo = (name: string, path: string) =>
      `name: ${name}\nflow:\n  - input >> ON_SUCCESS >> call\n  - call >> ON_SUCCESS >> out\nconfig:\n` +
      `  call: { component: http_request, url: '${upstreamUrl}${path}', headers: { authorization: 'Bearer {{ credential.svc }}' } }\n` +
      `  out: { component: set, values: { echoed: '{{ call.body }}', headers: '{{ call.headers }}', control: '{{ input.control }}' } }\n`;
    yaml["echo-ok"] = echo("echo-ok", "/ok");
    yaml["echo-fail"] = echo("echo-fail", "/fail");
    for (const [name, text] of Object.entries(yaml)) {
      const res = await call("PUT", `/v1/workflows/${name}`, text, {
        "content-type": "application/yaml",
        "x-arcrun-exposure-consent": consent,
      });
      expect(res.status, `${name}: ${await res.clone().text()}`).toBeLessThan(300);
    }

    const ids: string[] = [];
    let runs = 0;
    for (const name of Object.keys(yaml)) {
      const file = join(examples, `${name}.input.json`);
      const input = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : { control: CONTROL };
      const res = await call("POST", `/v1/workflows/${name}/runs`, JSON.stringify(input), {
        "content-type": "application/json",
      });
      runs++;
      const body = (await res.json()) as { execution_id?: string };
      if (body.execution_id) ids.push(body.execution_id);
    }
    // Real signed deliveries to the two signed webhooks.
    const hook = (name: string) => `${started.url}/webhooks/named/${started.ns}/${name}/trigger`;
    const push = readFileSync(join(examples, "github-webhook.input.json"), "utf8");
    const gh = await fetch(hook("github-webhook"), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": `sha256=${createHmac("sha256", SECRETS.github_hook_secret).update(push).digest("hex")}`,
      },
      body: push,
    });
    expect(gh.status, await gh.clone().text()).toBe(200);
    const event = JSON.stringify({ type: "event_callback", event: { type: "message", user: "U1", text: "hi" } });
    const ts = String(Math.floor(Date.now() / 1000));
    const slack = await fetch(hook("slack-events"), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": `v0=${createHmac("sha256", SECRETS.slack_signing_secret).update(`v0:${ts}:${event}`).digest("hex")}`,
      },
      body: event,
    });
    expect(slack.status, await slack.clone().text()).toBe(200);
    runs += 2;

    // The echo workflows did get their secret echoed (so the scan can fail) and were answered.
    const records: string[] = [];
    for (const id of ids) {
      const r = await call("GET", `/v1/executions/${id}`);
      expect(r.status).toBe(200);
      records.push(await r.text());
    }
    const list = await call("GET", "/v1/executions?limit=200");
    records.push(await list.text());
    expect(records.join("\n")).toContain("you_sent");

    // Stop first: serve flushes on SIGTERM, so everything it would store is on disk.
    expect(await acr?.stop("SIGTERM")).toBe(0);
    const logs = `${acr?.out ?? ""}\n${acr?.err ?? ""}`;
    acr = undefined;
    const stored = filesUnder(join(cwd, "state")).map((f) => ({ f, bytes: readFileSync(f) }));
    expect(stored.length).toBeGreaterThan(0);

    const places: { where: string; text: string | Buffer }[] = [
      ...stored.map(({ f, bytes }) => ({ where: f.slice(cwd.length + 1), text: bytes })),
      { where: "acr serve output (stdout + stderr, --verbose)", text: logs },
      ...records.map((text, i) => ({ where: `execution record ${i}`, text })),
    ];
    const findings: string[] = [];
    let checks = 0;
    for (const [name, secret] of Object.entries(SECRETS)) {
      for (const [form, needle] of Object.entries(encodings(secret))) {
        for (const p of places) {
          checks++;
          if (p.text.includes(needle)) findings.push(`${name} (${form}) in ${p.where}`);
        }
      }
    }
    const controlFound = stored.some(({ bytes }) => bytes.includes(CONTROL));
    reportFigures("secret scan: serve storage, logs, records", {
      tried: checks,
      breaches: findings.length,
      note: `${runs} runs, ${stored.length} stored files (${Math.round(stored.reduce((n, s) => n + s.bytes.length, 0) / 1024)} KiB), ${Object.keys(SECRETS).length} secrets x 6 encodings`,
    });
    expect(controlFound, "the control input should be somewhere in the stored bytes").toBe(true);
    expect(findings).toEqual([]);
  }, 180_000);
});
