import { readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { sealCredential } from "../src/credentials/envelope";
import type { TestPlatform } from "./support/platform";

/** What a stand-in saw. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: string;
}

/** How a stand-in answers: a status and JSON, or never (to test timeouts). */
export type Answer = { status: number; json?: unknown; text?: string; location?: string } | "hang";

/** A local stand-in for an outside service on 127.0.0.1, recording every request. */
export interface StandIn {
  origin: string;
  host: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * Starts a stand-in server; `answer` sees each request and decides the reply.
 *
 * @example
 * const s = await startStandIn((r) => ({ status: 200, json: { ok: true } }));
 */
export async function startStandIn(answer: (r: SeenRequest) => Answer | Promise<Answer>): Promise<StandIn> {
  const seen: SeenRequest[] = [];
  const hanging = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://x");
      const r: SeenRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      seen.push(r);
      let a: Answer;
      try {
        a = await answer(r);
      } catch (err) {
        a = { status: 500, json: { error: `stand-in failed: ${String(err)}` } };
      }
      if (a === "hang") {
        const t = setTimeout(() => res.end(), 60_000);
        hanging.add(() => {
          clearTimeout(t);
          res.destroy();
        });
        return;
      }
      res.writeHead(a.status, {
        "content-type": a.text !== undefined ? "text/plain" : "application/json",
        ...(a.location ? { location: a.location } : {}),
      });
      res.end(a.text ?? JSON.stringify(a.json ?? {}));
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((ok) => {
        for (const h of hanging) h();
        server.close(() => ok());
      }),
  };
}

const root = join(__dirname, "..", "..");

/** Reads a seed recipe file. */
export function seedFile<T = Record<string, unknown>>(kind: "auth" | "api", name: string): T {
  return JSON.parse(readFileSync(join(root, "recipes", kind, `${name}.json`), "utf8")) as T;
}

export function seedNames(kind: "auth" | "api"): string[] {
  return readdirSync(join(root, "recipes", kind))
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Points every URL of a recipe at a stand-in, keeping the path: `https://api.x.com/a` → `http://127.0.0.1:N/a`. */
export function localize<T extends Record<string, unknown>>(recipe: T, s: StandIn): T {
  const swap = (u: string) => u.replace(/^https:\/\/[^/]+/, s.origin);
  const out: Record<string, unknown> = structuredClone(recipe);
  for (const k of ["endpoint", "base_url"]) if (typeof out[k] === "string") out[k] = swap(out[k] as string);
  const te = out.token_exchange as { endpoint: string } | undefined;
  if (te) te.endpoint = swap(te.endpoint);
  if (out.allowed_hosts || out.primitive) out.allowed_hosts = [s.host];
  return out as T;
}

export const consent = () => ({ confirmed_by_human: true, understood: true, confirmed_at: new Date().toISOString() });

/** Encrypts and stores a credential through the real API, as a client would. */
export async function storeCredential(
  p: TestPlatform,
  name: string,
  plaintext: string,
  apiKey = p.apiKey,
): Promise<void> {
  const env = await sealCredential(p.encryptionKey, name, plaintext);
  const res = await fetch(`${p.url}/v1/credentials/${encodeURIComponent(name)}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(env),
  });
  if (res.status >= 300) throw new Error(`storing credential ${name}: ${res.status} ${await res.text()}`);
}

/** Pushes an auth recipe and an API recipe (with consent) for the platform's first tenant. */
export async function pushPair(
  p: TestPlatform,
  auth: Record<string, unknown> | null,
  api: Record<string, unknown> | null,
) {
  if (auth) {
    const res = await p.call("PUT", `/v1/auth-recipes/${auth.service}`, { recipe: auth, exposure_consent: consent() });
    if (res.status >= 300) throw new Error(`auth push: ${res.status} ${await res.text()}`);
  }
  if (api) {
    const res = await p.call("PUT", `/v1/recipes/${api.canonical_id}`, { recipe: api, exposure_consent: consent() });
    if (res.status >= 300) throw new Error(`api push: ${res.status} ${await res.text()}`);
  }
}
