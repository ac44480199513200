import type { Tenant } from "../auth/api-keys";
import type { Env } from "../env";
import { listExecutions, loadExecution } from "../executions/index";
import { subscribeExecutions, type TailEvent } from "./tail-bus";

export interface TailQuery {
  after?: string;
  workflow?: string;
  status?: string;
  limit?: number;
}

/**
 * One poll: executions of this tenant updated after `after` (default: the last minute), oldest first,
 * with their steps. One KV list, plus one read per new or changed execution.
 *
 * @example
 * const { executions, cursor } = await pollTail(env, tenant, { after: "2026-12-05T10:00:00.000Z" });
 */
export async function pollTail(
  env: Env,
  tenant: Tenant,
  q: TailQuery,
): Promise<{ executions: Array<Record<string, unknown>>; cursor: string }> {
  const after = q.after ?? new Date(Date.now() - 60_000).toISOString();
  const { executions } = await listExecutions(env, tenant, {
    workflow: q.workflow,
    status: q.status,
    limit: q.limit ?? 20,
  });
  const fresh = executions.filter((e) => e.updated_at > after).reverse();
  const records = await Promise.all(fresh.map((e) => loadExecution(env, tenant, e.id)));
  const out = records
    .filter((r) => r !== null)
    .map((r) => ({ ...r, status: fresh.find((e) => e.id === r.id)?.status ?? r.status }));
  // ISO times sort as strings: the newest seen becomes the next `after`.
  const cursor = [after, ...fresh.map((e) => e.updated_at)].sort().at(-1) ?? after;
  return { executions: out as Array<Record<string, unknown>>, cursor };
}

/** Whether this platform streams `/v1/tail` (one process: acr dev / acr serve); Cloudflare answers polls. */
export const streamsTail = (env: Env) => env.ARCRUN_ENV === "local";

const CHECK_MS = 100;
const KEEP_ALIVE_MS = 5_000;
const enc = new TextEncoder();
const frame = (e: { json: string; updated_at: string }) =>
  // JSON.stringify never emits a raw newline, so the record is one `data:` line.
  enc.encode(`event: execution\nid: ${e.updated_at}\ndata: ${e.json}\n\n`);

/**
 * `GET /v1/tail` as Server-Sent Events: first what `after` asks for (one poll, when given), then a `ready`
 * event, then each record of this tenant as it is stored, straight from memory (no KV operation). An
 * `execution` event carries the record (as `GET /v1/executions/{id}` returns it) and its `updated_at` as
 * the event id; `: keep-alive` comments every 5 s. The queue is checked every 100 ms, inside this request.
 *
 * @example
 * if (streamsTail(c.env) && wantsStream(c.req.raw)) return tailStream(c.env, c.var.tenant, q);
 */
export function tailStream(env: Env, tenant: Tenant, q: TailQuery): Response {
  const sub = subscribeExecutions(tenant.keyHash, { workflow: q.workflow, status: q.status });
  let closed = false;
  let lastSent = Date.now();
  const close = () => {
    closed = true;
    sub.close();
  };
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      // Subscribed above, before this poll: nothing stored in between is missed (a repeat is possible).
      const backlog = q.after ? await pollTail(env, tenant, q) : { executions: [] };
      controller.enqueue(enc.encode("retry: 2000\n\n"));
      for (const r of backlog.executions) {
        controller.enqueue(frame({ json: JSON.stringify(r), updated_at: String(r.updated_at) }));
      }
      controller.enqueue(enc.encode("event: ready\ndata: {}\n\n"));
    },
    async pull(controller) {
      while (!closed) {
        if (sub.dropped()) {
          // Pulled again after the bus gave up on it (a reader stalled for 5 s): end it; acr tail reopens
          // from its last record, so nothing is lost.
          close();
          return controller.close();
        }
        const events: TailEvent[] = sub.take();
        const now = Date.now();
        try {
          if (events.length > 0) {
            for (const e of events) controller.enqueue(frame(e));
          } else if (now - lastSent >= KEEP_ALIVE_MS) {
            controller.enqueue(enc.encode(": keep-alive\n\n"));
          } else {
            await new Promise((r) => setTimeout(r, CHECK_MS));
            continue;
          }
        } catch {
          // The reader went away between two checks.
          return close();
        }
        lastSent = now;
        return;
      }
    },
    cancel: close,
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
  });
}

/** True when the caller asked for `text/event-stream`. */
export const wantsStream = (req: Request) => (req.headers.get("accept") ?? "").includes("text/event-stream");
