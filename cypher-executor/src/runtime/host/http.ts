import { decryptCredential } from "../../credentials";
import { HostError, type SandboxLimits } from "../../lib/wasi-shim";
import { maskSecrets as maskText } from "../mask";
import { outboundFetch } from "../net";
import type { CallContext, ComponentManifest } from "../types";
import { credentialFailure } from "./crypto";
import { checkDestination } from "./ssrf";

/** Largest request body a component may send, and largest response body it may receive. */
export const MAX_HTTP_REQUEST_BYTES = 2 * 1024 * 1024;
export const MAX_HTTP_RESPONSE_BYTES = 5 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const DEFAULT_TIMEOUT_MS = 15_000;

/** `{{ credential.NAME }}` or `{{credential:NAME}}`: replaced inside the host, never seen by WASM. */
const PLACEHOLDER = /\{\{\s*credential\s*[.:]\s*([A-Za-z0-9_.-]+)\s*\}\}/g;
const MASK = "***";

interface HttpRequestJson {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  body?: string | null;
  body_base64?: string | null;
  timeout_ms?: number;
}

/**
 * The `http_request` host function: guarded fetch with credential placeholders substituted just
 * before sending, and any echo of those secrets masked in what comes back.
 */
export function httpRequestHost(ctx: CallContext, manifest: ComponentManifest, limits: SandboxLimits) {
  const allowHosts = (ctx.env.ARCRUN_ALLOW_HOSTS ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  return async (request: unknown): Promise<unknown> => {
    const req = request as HttpRequestJson;
    if (!req || typeof req !== "object" || typeof req.url !== "string") {
      throw new HostError("BAD_HOST_REQUEST", "http_request needs { url, method?, headers?, body? }");
    }
    const secrets = new Map<string, string>();
    const substitute = async (text: string): Promise<string> => {
      for (const m of text.matchAll(PLACEHOLDER)) {
        const name = m[1] as string;
        if (!secrets.has(name)) {
          try {
            secrets.set(name, await decryptCredential(ctx.env, ctx.tenant, name));
          } catch (err) {
            throw credentialFailure(err);
          }
        }
      }
      return text.replace(PLACEHOLDER, (_, name: string) => secrets.get(name) ?? "");
    };

    const method = (req.method ?? "GET").toUpperCase();
    let url: URL;
    try {
      url = new URL(await substitute(req.url));
    } catch (err) {
      if (err instanceof HostError) throw err;
      throw new HostError("BAD_HOST_REQUEST", "http_request: the url is not a valid absolute URL");
    }
    const headers = new Headers();
    const secretHeaders = new Set<string>();
    for (const [k, v] of Object.entries(req.headers ?? {})) {
      if (typeof v !== "string") continue;
      if (PLACEHOLDER.test(v)) secretHeaders.add(k.toLowerCase());
      PLACEHOLDER.lastIndex = 0;
      try {
        headers.set(k, await substitute(v));
      } catch (err) {
        if (err instanceof HostError) throw err;
        throw new HostError("BAD_HOST_REQUEST", `http_request: header "${k}" is not a valid header`);
      }
    }
    let body: BodyInit | undefined;
    const secretBody = typeof req.body === "string" && hasPlaceholder(req.body);
    if (typeof req.body === "string") body = await substitute(req.body);
    else if (typeof req.body_base64 === "string") body = fromBase64(req.body_base64);
    const bodySize =
      typeof body === "string"
        ? new TextEncoder().encode(body).length
        : ((body as Uint8Array | undefined)?.length ?? 0);
    if (bodySize > MAX_HTTP_REQUEST_BYTES) {
      throw new HostError("REQUEST_TOO_LARGE", `http_request bodies are limited to ${MAX_HTTP_REQUEST_BYTES} bytes`);
    }

    const remaining = limits.deadline - Date.now();
    const timeout = Math.max(1, Math.min(req.timeout_ms ?? DEFAULT_TIMEOUT_MS, remaining));
    const signal = AbortSignal.timeout(timeout);
    let res: Response;
    let current = url;
    let currentMethod = method;
    // Error messages name the host, which a placeholder may have filled: they are masked too.
    const masked = (e: HostError): HostError => new HostError(e.code, maskSecrets(e.message, secrets), e.fatal);
    for (let hop = 0; ; hop++) {
      try {
        checkDestination(current, { allowHosts, allowedHosts: manifest.allowed_hosts, env: ctx.env });
      } catch (err) {
        throw err instanceof HostError ? masked(err) : err;
      }
      try {
        res = await outboundFetch(ctx.env, current, {
          method: currentMethod,
          headers,
          body: currentMethod === "GET" || currentMethod === "HEAD" ? undefined : body,
          redirect: "manual",
          signal,
        });
      } catch {
        if (signal.aborted) {
          throw masked(new HostError("TIMEOUT", `http_request to ${current.host} timed out after ${timeout} ms`));
        }
        throw masked(new HostError("HTTP_UNREACHABLE", `http_request could not reach ${current.host}`));
      }
      const location = res.headers.get("location");
      if (res.status < 300 || res.status > 399 || !location || hop >= MAX_REDIRECTS) break;
      const next = new URL(location, current);
      const keepsBody = res.status === 307 || res.status === 308;
      // A 307/308 elsewhere would re-send a body holding a secret (an OAuth client_secret): refuse.
      if (next.origin !== current.origin && keepsBody && secretBody && currentMethod !== "GET") {
        await res.body?.cancel();
        throw masked(
          new HostError(
            "REDIRECT_REFUSED",
            `http_request: ${current.host} redirected (HTTP ${res.status}) a request whose body holds a credential to another origin; not followed`,
          ),
        );
      }
      // A redirect elsewhere must not carry the caller's secrets along.
      if (next.origin !== current.origin) for (const h of secretHeaders) headers.delete(h);
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && currentMethod === "POST")) {
        currentMethod = "GET";
      }
      await res.body?.cancel();
      current = next;
    }

    const bytes = await readCapped(res);
    const mask = (s: string): string => maskSecrets(s, secrets);
    const outHeaders: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      outHeaders[k] = mask(v);
    });
    const text = decodeUtf8(bytes);
    return text !== null
      ? { status: res.status, headers: outHeaders, body: mask(text) }
      : { status: res.status, headers: outHeaders, body_base64: toBase64(maskBytes(bytes, secrets)) };
  };
}

function hasPlaceholder(text: string): boolean {
  PLACEHOLDER.lastIndex = 0;
  const found = PLACEHOLDER.test(text);
  PLACEHOLDER.lastIndex = 0;
  return found;
}

/** Replaces every occurrence of a secret, in each encoding `runtime/mask` knows, with `***`. */
export function maskSecrets(text: string, secrets: Map<string, string>): string {
  return secrets.size === 0 ? text : maskText(text, secrets.values(), MASK);
}

function maskBytes(bytes: Uint8Array, secrets: Map<string, string>): Uint8Array {
  if (secrets.size === 0) return bytes;
  let latin1 = "";
  for (const b of bytes) latin1 += String.fromCharCode(b);
  const utf8AsLatin1 = new Map([...secrets].map(([k, v]) => [k, String.fromCharCode(...new TextEncoder().encode(v))]));
  const masked = maskSecrets(latin1, utf8AsLatin1);
  return Uint8Array.from(masked, (c) => c.charCodeAt(0));
}

async function readCapped(res: Response): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > MAX_HTTP_RESPONSE_BYTES) {
    await res.body?.cancel();
    throw new HostError("RESPONSE_TOO_LARGE", `the response is larger than ${MAX_HTTP_RESPONSE_BYTES} bytes`);
  }
  if (!res.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_HTTP_RESPONSE_BYTES) {
      await reader.cancel();
      throw new HostError("RESPONSE_TOO_LARGE", `the response is larger than ${MAX_HTTP_RESPONSE_BYTES} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

function fromBase64(s: string): Uint8Array {
  try {
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    throw new HostError("BAD_HOST_REQUEST", "http_request: body_base64 is not valid base64");
  }
}

function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
