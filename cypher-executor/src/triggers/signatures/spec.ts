/**
 * `trigger.webhook.signature`: how an `auth: hmac` webhook's sender signs its deliveries. A preset
 * name (`github`, `stripe`, `slack`, `shopify`) or a generic scheme; absent = `X-Arcrun-Signature`.
 */
import { parseDuration } from "../../workflow/duration";

export type SignaturePreset = "github" | "stripe" | "slack" | "shopify" | "twilio";
export const SIGNATURE_PRESETS: SignaturePreset[] = ["github", "stripe", "slack", "shopify", "twilio"];

/** A checked signature scheme, stored in the plan. */
export interface SignatureSpec {
  preset?: SignaturePreset;
  /** Generic scheme: the header holding the signature. */
  header?: string;
  algorithm?: "sha1" | "sha256" | "sha512";
  encoding?: "hex" | "base64";
  /** Text before the signature in the header, e.g. `sha256=`. */
  prefix?: string;
  /** Header holding a Unix timestamp (seconds); then the signed bytes are `{timestamp}.{body}`. */
  timestamp_header?: string;
  /** Replay window for timestamped schemes, ms (default 5 minutes). */
  toleranceMs?: number;
  /** `twilio`: the public URL Twilio calls, when a proxy in front changes what the platform sees. */
  url?: string;
}

const KEYS = ["preset", "header", "algorithm", "encoding", "prefix", "timestamp_header", "tolerance", "url"];

/**
 * Checks the YAML value of `signature`; returns the spec or the problems (message + sub-path).
 *
 * @example
 * checkSignature("stripe").spec // { preset: "stripe" }
 * checkSignature({ header: "X-Sig", algorithm: "sha1", encoding: "base64" }).spec
 */
export function checkSignature(raw: unknown): {
  spec?: SignatureSpec;
  problems: Array<{ message: string; path: string[] }>;
} {
  const problems: Array<{ message: string; path: string[] }> = [];
  const v = typeof raw === "string" ? { preset: raw } : raw;
  if (!v || typeof v !== "object" || Array.isArray(v)) {
    return { problems: [{ message: `signature must be ${SIGNATURE_PRESETS.join(", ")} or a mapping`, path: [] }] };
  }
  const o = v as Record<string, unknown>;
  const spec: SignatureSpec = {};
  for (const key of Object.keys(o)) {
    if (!KEYS.includes(key))
      problems.push({ message: `unknown key "${key}" (expected ${KEYS.join(", ")})`, path: [key] });
  }
  if (o.preset !== undefined) {
    if (!SIGNATURE_PRESETS.includes(o.preset as SignaturePreset)) {
      problems.push({ message: `signature preset must be ${SIGNATURE_PRESETS.join(", ")}`, path: ["preset"] });
    } else spec.preset = o.preset as SignaturePreset;
  }
  const text = (key: "header" | "prefix" | "timestamp_header") => {
    const x = o[key];
    if (x === undefined) return;
    if (typeof x !== "string" || (key !== "prefix" && !/^[A-Za-z0-9-]{1,64}$/.test(x))) {
      problems.push({
        message: `signature.${key} must be ${key === "prefix" ? "text" : "a header name"}`,
        path: [key],
      });
    } else spec[key] = x;
  };
  text("header");
  text("prefix");
  text("timestamp_header");
  if (o.algorithm !== undefined) {
    if (o.algorithm !== "sha1" && o.algorithm !== "sha256" && o.algorithm !== "sha512") {
      problems.push({ message: "signature.algorithm must be sha1, sha256 or sha512", path: ["algorithm"] });
    } else spec.algorithm = o.algorithm;
  }
  if (o.encoding !== undefined) {
    if (o.encoding !== "hex" && o.encoding !== "base64") {
      problems.push({ message: "signature.encoding must be hex or base64", path: ["encoding"] });
    } else spec.encoding = o.encoding;
  }
  if (o.tolerance !== undefined) {
    let ms = 0;
    try {
      ms = parseDuration(o.tolerance as string | number);
    } catch {
      ms = 0;
    }
    if (ms <= 0) {
      problems.push({ message: "signature.tolerance must be a duration such as 5m", path: ["tolerance"] });
    } else spec.toleranceMs = ms;
  }
  if (o.url !== undefined) {
    if (typeof o.url !== "string" || !/^https?:\/\/[^\s]+$/.test(o.url))
      problems.push({ message: "signature.url must be the http(s) URL the sender calls", path: ["url"] });
    else spec.url = o.url;
  }
  if (!spec.preset && !spec.header) problems.push({ message: "signature needs a preset or a header", path: [] });
  return problems.length ? { problems } : { spec, problems };
}
