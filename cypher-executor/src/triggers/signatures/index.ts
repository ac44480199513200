/**
 * Verifies a signed webhook delivery the way its sender signs it (GitHub, Stripe, Slack, Shopify,
 * Twilio, or a generic HMAC scheme) before anything runs. The signed bytes are the raw body exactly as
 * received; comparisons are constant time; timestamped schemes refuse deliveries outside the
 * replay window (default 5 minutes).
 */
import type { Tenant } from "../../auth/api-keys";
import type { Env } from "../../env";
import { ApiError } from "../../http/errors";
import { timingSafeEqual, toHex } from "../../utils/crypto";
import { verifyHmac, webhookSecret } from "../hmac";
import type { SignatureSpec } from "./spec";
import { twilioSignedText } from "./twilio";

export { checkSignature, SIGNATURE_PRESETS, type SignatureSpec } from "./spec";

const DEFAULT_TOLERANCE_MS = 5 * 60_000;
const encoder = new TextEncoder();

/**
 * Checks one delivery of an `auth: hmac` webhook; throws 401 (SIGNATURE_REQUIRED, SIGNATURE_MISMATCH,
 * SIGNATURE_EXPIRED) on a missing, wrong or stale signature.
 *
 * @example
 * await verifyWebhookSignature(env, tenant, { auth: "hmac", secret: "gh", signature: { preset: "github" } }, raw, req);
 */
export async function verifyWebhookSignature(
  env: Env,
  tenant: Tenant,
  webhook: { secret?: string; signature?: SignatureSpec },
  body: ArrayBuffer,
  req: { headers: Headers; url: string },
  now = Date.now(),
): Promise<void> {
  const spec = webhook.signature;
  const headers = req.headers;
  if (!spec) return verifyHmac(env, tenant, webhook.secret, body, headers.get("x-arcrun-signature"));
  switch (spec.preset) {
    case "github":
      return check(env, tenant, webhook.secret, body, {
        header: "X-Hub-Signature-256",
        given: strip(headers.get("x-hub-signature-256"), "sha256="),
        hash: "SHA-256",
        encoding: "hex",
      });
    case "shopify":
      return check(env, tenant, webhook.secret, body, {
        header: "X-Shopify-Hmac-Sha256",
        given: headers.get("x-shopify-hmac-sha256")?.trim(),
        hash: "SHA-256",
        encoding: "base64",
      });
    case "slack": {
      const ts = fresh(headers.get("x-slack-request-timestamp"), "X-Slack-Request-Timestamp", spec, now);
      return check(env, tenant, webhook.secret, body, {
        header: "X-Slack-Signature",
        given: strip(headers.get("x-slack-signature"), "v0="),
        hash: "SHA-256",
        encoding: "hex",
        before: `v0:${ts}:`,
      });
    }
    case "stripe": {
      // Stripe-Signature: t=1700000000,v1=<hex>[,v1=<hex> during secret rotation][,v0=…]
      const parts = (headers.get("stripe-signature") ?? "").split(",").map((p) => p.trim().split("="));
      const t = parts.find(([k]) => k === "t")?.[1] ?? null;
      const v1 = parts.filter(([k]) => k === "v1").map(([, v]) => v ?? "");
      const ts = fresh(t, "Stripe-Signature t=", spec, now);
      return check(env, tenant, webhook.secret, body, {
        header: "Stripe-Signature",
        given: v1.length ? v1 : undefined,
        hash: "SHA-256",
        encoding: "hex",
        before: `${ts}.`,
      });
    }
    case "twilio":
      return check(env, tenant, webhook.secret, body, {
        header: "X-Twilio-Signature",
        given: headers.get("x-twilio-signature")?.trim(),
        hash: "SHA-1",
        encoding: "base64",
        data: encoder.encode(await twilioSignedText(spec.url ?? req.url, body, headers.get("content-type"))),
      });
    default: {
      const ts = spec.timestamp_header
        ? fresh(headers.get(spec.timestamp_header), spec.timestamp_header, spec, now)
        : undefined;
      const hash = spec.algorithm === "sha1" ? "SHA-1" : spec.algorithm === "sha512" ? "SHA-512" : "SHA-256";
      return check(env, tenant, webhook.secret, body, {
        header: spec.header ?? "X-Signature",
        given: strip(headers.get(spec.header ?? ""), spec.prefix ?? ""),
        hash,
        encoding: spec.encoding ?? "hex",
        before: ts === undefined ? undefined : `${ts}.`,
      });
    }
  }
}

function strip(value: string | null, prefix: string): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  return v.startsWith(prefix) ? v.slice(prefix.length) : undefined;
}

/** The timestamp when it is inside the replay window; 401 otherwise. */
function fresh(value: string | null, header: string, spec: SignatureSpec, now: number): string {
  const ts = value?.trim() ?? "";
  if (!/^\d{1,12}$/.test(ts)) {
    throw new ApiError(401, "SIGNATURE_REQUIRED", `Send ${header} (Unix seconds) with the signature`, { header });
  }
  const skew = Math.abs(now - Number(ts) * 1000);
  if (skew > (spec.toleranceMs ?? DEFAULT_TOLERANCE_MS)) {
    throw new ApiError(401, "SIGNATURE_EXPIRED", `${header} is outside the replay window`, { header });
  }
  return ts;
}

async function check(
  env: Env,
  tenant: Tenant,
  secretName: string | undefined,
  body: ArrayBuffer,
  o: {
    header: string;
    given: string | string[] | undefined;
    hash: "SHA-1" | "SHA-256" | "SHA-512";
    encoding: "hex" | "base64";
    before?: string;
    /** The signed bytes when the scheme does not sign the body (Twilio: URL + sorted parameters). */
    data?: Uint8Array;
  },
): Promise<void> {
  const given = typeof o.given === "string" ? [o.given] : (o.given ?? []);
  if (given.length === 0 || given.every((g) => g === "")) {
    throw new ApiError(401, "SIGNATURE_REQUIRED", `Send the ${o.header} signature header`, { header: o.header });
  }
  const secret = await webhookSecret(env, tenant, secretName);
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: o.hash }, false, [
    "sign",
  ]);
  // The raw bytes as received, behind the scheme's prefix (timestamp): never a re-encoded body.
  let signed: Uint8Array = o.data ?? new Uint8Array(body);
  if (o.before) {
    const head = encoder.encode(o.before);
    const joined = new Uint8Array(head.length + signed.length);
    joined.set(head);
    joined.set(signed, head.length);
    signed = joined;
  }
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, signed));
  const expected = o.encoding === "hex" ? toHex(mac) : btoa(String.fromCharCode(...mac));
  let ok = false;
  for (const g of given) {
    // Every candidate is compared in full: no early exit that would time the match.
    if (timingSafeEqual(expected, o.encoding === "hex" ? g.toLowerCase() : g)) ok = true;
  }
  if (!ok) {
    throw new ApiError(401, "SIGNATURE_MISMATCH", `${o.header} does not match the body`, { header: o.header });
  }
}
