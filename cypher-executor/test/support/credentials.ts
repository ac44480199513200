import { createHash, createHmac } from "node:crypto";
import { KV_BINDINGS } from "../../../cli/src/platform/local";
import type { TestPlatform } from "./platform";

/**
 * Asks the platform (inside workerd, through decryptCredential) whether credential `name` decrypts
 * to `expected`, via the local-only verify route. Only a hash travels; the plaintext never comes back.
 */
export async function verifyCredential(
  p: Pick<TestPlatform, "url" | "apiKey" | "adminToken">,
  name: string,
  expected: string,
  apiKey = p.apiKey,
): Promise<{ status: number; match?: boolean; code?: string; message?: string }> {
  const res = await fetch(`${p.url}/v1/_local/credentials/${encodeURIComponent(name)}/verify`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${apiKey}`,
      "x-arcrun-admin-token": p.adminToken,
      "content-type": "application/json",
    },
    body: JSON.stringify({ sha256: createHash("sha256").update(expected, "utf8").digest("hex") }),
  });
  const body = (await res.json()) as { match?: boolean; error?: { code: string; message: string } };
  return res.ok
    ? { status: res.status, match: body.match }
    : { status: res.status, code: body.error?.code, message: body.error?.message };
}

/** Every key, value and metadata of every KV namespace, as strings (for "no plaintext anywhere" checks). */
export async function allKvValues(p: Pick<TestPlatform, "platform">): Promise<string[]> {
  const out: string[] = [];
  for (const binding of KV_BINDINGS) {
    const kv = await p.platform.mf.getKVNamespace(binding);
    let cursor: string | undefined;
    for (;;) {
      const page = await kv.list(cursor ? { cursor } : {});
      for (const k of page.keys) {
        out.push(`${binding} ${k.name} ${JSON.stringify(k.metadata ?? null)} ${(await kv.get(k.name)) ?? ""}`);
      }
      if (page.list_complete) break;
      cursor = page.cursor;
    }
  }
  return out;
}

/**
 * Uses credential `name` the way a workflow step does: the built-in `platform_crypto` component computes
 * HMAC-SHA256(secret, message), its WASM asking the host for the secret through `crypto_decrypt`.
 * Returns null when that component is not built into this executor.
 */
export async function hmacThroughComponent(
  p: Pick<TestPlatform, "url" | "apiKey">,
  name: string,
  message: string,
  apiKey = p.apiKey,
): Promise<{ status: number; result?: string; text: string } | null> {
  const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
  if ((await fetch(`${p.url}/v1/components/platform_crypto`, { headers })).status !== 200) return null;
  const res = await fetch(`${p.url}/v1/components/platform_crypto/call`, {
    method: "POST",
    headers,
    body: JSON.stringify({ input: { op: "hmac", algorithm: "sha256", key_credential: name, value: message } }),
  });
  const text = await res.text();
  const body = JSON.parse(text) as { data?: { result?: string } };
  return { status: res.status, result: body.data?.result, text };
}

/** The HMAC-SHA256 hex that {@link hmacThroughComponent} must return. */
export function expectedHmac(secret: string, message: string): string {
  return createHmac("sha256", secret).update(message, "utf8").digest("hex");
}

/** Workflow name of {@link deploySigningWorkflow} for a credential. */
export function signingWorkflowName(credential: string): string {
  return `sign_with_${credential.toLowerCase().replace(/[^a-z0-9_-]/g, "_")}`.slice(0, 64);
}

/**
 * Stores a workflow whose one step signs `input.message` with HMAC-SHA256 keyed by credential `credential`
 * (platform_crypto, which asks the host for the secret through crypto_decrypt).
 */
export async function deploySigningWorkflow(
  p: Pick<TestPlatform, "url">,
  apiKey: string,
  credential: string,
): Promise<string> {
  const name = signingWorkflowName(credential);
  const yaml = [
    `name: ${name}`,
    "flow:",
    '  - "input >> ON_SUCCESS >> sign"',
    "config:",
    `  sign: { component: platform_crypto, op: hmac, algorithm: sha256, key_credential: "${credential}", value: "{{ input.message }}" }`,
    "",
  ].join("\n");
  const res = await fetch(`${p.url}/v1/workflows/${name}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/yaml" },
    body: yaml,
  });
  if (!res.ok) throw new Error(`deploying ${name} failed: ${res.status} ${await res.text()}`);
  return name;
}

/** Runs the signing workflow; `result` is the HMAC hex when the run succeeded, `text` the whole answer. */
export async function runSigningWorkflow(
  p: Pick<TestPlatform, "url">,
  apiKey: string,
  credential: string,
  message: string,
): Promise<{ status: string; result?: string; text: string }> {
  const res = await fetch(`${p.url}/v1/workflows/${signingWorkflowName(credential)}/runs`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ message }),
  });
  const text = await res.text();
  const body = JSON.parse(text) as { status?: string; output?: { result?: string } };
  return { status: body.status ?? `HTTP ${res.status}`, result: body.output?.result, text };
}
