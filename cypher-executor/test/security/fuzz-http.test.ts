import { createHmac } from "node:crypto";
import { request } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptCredential } from "../../../js-sdk/src/index";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { webhookBody, workflowSource } from "./fuzz-arbitraries";
import { reportFigures } from "./support/summary";

// The same generators against the running platform (workerd, real routes): deploys, validation and
// webhook triggers with hostile bodies and content types. No answer may be a 5xx or carry a stack trace;
// every 4xx is the API's one error shape.

const SEED = Number(process.env.FUZZ_SEED ?? 1212);
const DEPLOYS = Number(process.env.FUZZ_HTTP_DOCS ?? 300);
const HOOKS = Number(process.env.FUZZ_HTTP_HOOKS ?? 300);

let p: TestPlatform;
const tally = { tried: 0, accepted: 0, refused: 0, server_errors: 0, stack_traces: 0 };
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  console.log(`fuzz (HTTP, seed ${SEED}): ${JSON.stringify(tally)}`);
  reportFigures("fuzz: deploys + hostile webhook calls over HTTP", {
    tried: tally.tried,
    refused: tally.refused,
    serverErrors: tally.server_errors,
    breaches: tally.stack_traces,
    note: `${tally.accepted} accepted, ${tally.stack_traces} answers with a stack trace, seed ${SEED}`,
  });
  await p?.dispose();
});

const STACK = /\n\s+at \S|at [\w.<>]+ \(.*:\d+:\d+\)|file:\/\/\//;

/**
 * POST on a fresh connection (no keep-alive): an early answer (401, 404) leaves the body unread and
 * workerd then closes the socket, which a pooled client may already be reusing (a client-side race,
 * not an answer of ours).
 */
function post(url: string, headers: Record<string, string>, body: string | Uint8Array): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0 })));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Checks one answer: < 500, no stack trace, a 4xx in the one error shape. */
async function judge(res: Response, what: string): Promise<void> {
  tally.tried++;
  const text = await res.text();
  if (res.status >= 500) tally.server_errors++;
  expect(res.status, `${what} → ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
  if (STACK.test(text)) tally.stack_traces++;
  expect(text, what).not.toMatch(STACK);
  if (res.status >= 400) {
    tally.refused++;
    // 401 for an unsigned hook and every validation answer is JSON with a code.
    const body = JSON.parse(text) as { error?: { code?: string; message?: string }; valid?: boolean };
    if (body.valid === false) return;
    expect(body.error?.code, `${what}: ${text.slice(0, 200)}`).toMatch(/^[A-Z][A-Z0-9_]*$/);
  } else tally.accepted++;
}

describe("fuzz over HTTP", () => {
  it(`${DEPLOYS} deploys and validations of hostile documents: 4xx with the error shape, never 5xx`, async () => {
    let i = 0;
    await fc.assert(
      fc.asyncProperty(workflowSource, async (source) => {
        const n = i++;
        const headers = { "content-type": "application/yaml" };
        await judge(await p.call("PUT", `/v1/workflows/fz${n}`, source, headers), `PUT #${n}`);
        await judge(await p.call("POST", "/validate", source, headers), `validate #${n}`);
      }),
      { numRuns: DEPLOYS, seed: SEED },
    );
  }, 600_000);

  it(`${HOOKS} webhook calls with hostile bodies, content types and signatures: never 5xx`, async () => {
    const open =
      'name: fz-open\ntrigger:\n  webhook: { auth: none }\nflow:\n  - "input >> ON_SUCCESS >> a"\nconfig:\n  a: { component: set, values: { got: "{{ input }}", q: "{{ trigger.query }}" } }\n';
    const signed =
      'name: fz-signed\ntrigger:\n  webhook: { auth: hmac, secret: fz_secret }\nflow:\n  - "input >> ON_SUCCESS >> a"\nconfig:\n  a: { component: set, values: { got: "{{ input.a }}" } }\n';
    for (const [name, yaml] of [
      ["fz-open", open],
      ["fz-signed", signed],
    ]) {
      const res = await p.call("PUT", `/v1/workflows/${name}`, yaml, { "content-type": "application/yaml" });
      expect(res.status, await res.text()).toBeLessThan(300);
    }
    const secret = "fz-hook-secret";
    const stored = await p.call(
      "PUT",
      "/v1/credentials/fz_secret",
      await encryptCredential(p.encryptionKey, "fz_secret", secret),
    );
    expect(stored.status).toBeLessThan(300);
    let i = 0;
    await fc.assert(
      fc.asyncProperty(
        webhookBody,
        fc.constantFrom("fz-open", "fz-signed", "missing"),
        fc.string({ maxLength: 40 }),
        fc.constantFrom(undefined, "valid", "sha256=00", "sha256=", "md5=x", "sha256=".padEnd(71, "f")),
        async (b, hook, query, sig) => {
          const n = i++;
          const signature =
            sig === "valid" ? `sha256=${createHmac("sha256", secret).update(b.body).digest("hex")}` : sig;
          const res = await post(
            `${p.url}/webhooks/named/${p.ns}/${hook}/trigger?${encodeURIComponent(query)}=${encodeURIComponent(query)}`,
            { "content-type": b.type, ...(signature ? { "x-arcrun-signature": signature } : {}) },
            b.body,
          );
          await judge(res, `hook #${n} ${hook} ${b.type}`);
        },
      ),
      { numRuns: HOOKS, seed: SEED },
    );
  }, 600_000);
});
