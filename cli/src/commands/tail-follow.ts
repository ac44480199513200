import { ApiCallError, type ApiClient } from "../api/client.js";
import { readEvents } from "../api/sse.js";
import { color } from "../ui/color.js";
import { UserError } from "../ui/errors.js";
import type { Record } from "./tail.js";

interface FollowOptions {
  workflow?: string;
  status?: string;
  interval: number;
  once?: boolean;
  since?: string;
}

/**
 * Follows `GET /v1/tail` until Ctrl-C: as a Server-Sent Events stream where the platform streams (acr dev /
 * acr serve: records arrive as they are stored, no KV operation), else by polling every `interval` seconds
 * (Cloudflare: one KV list per poll). A stream that ends (platform restarted) is reopened from the last
 * event's time, for up to a minute; a platform that is not there at the start ends the command with the
 * usual "cannot reach" error. The
 * "following" line goes to stderr (with --json too), once the platform is ready to deliver.
 *
 * @example
 * await follow(api, { interval: 2 }, (e) => console.log(e.id));
 */
export async function follow(api: ApiClient, o: FollowOptions, show: (e: Record) => void): Promise<void> {
  let after = o.since ?? new Date().toISOString();
  const abort = new AbortController();
  let stopped = false;
  process.once("SIGINT", () => {
    stopped = true;
    abort.abort();
  });
  let announced = "";
  /** When a stream that was open ended; undefined while connected. */
  let lostAt: number | undefined;
  let connected = false;
  const lost = () => {
    lostAt = Date.now();
    console.error(color.dim("… the platform went away; reconnecting (up to 60 s)"));
  };
  const announce = (how: string) => {
    if (o.once || announced === how) return;
    announced = how;
    console.error(color.dim(`following executions (${how}; Ctrl-C stops) …`));
  };
  while (!stopped) {
    const q = new URLSearchParams({ after });
    if (o.workflow) q.set("workflow", o.workflow);
    if (o.status) q.set("status", o.status);
    const path = `/v1/tail?${q}`;
    if (o.once) {
      const r = await api.request<{ executions: Record[]; cursor: string }>("GET", path);
      for (const e of r.executions) show(e);
      return;
    }
    let answer: Response | { executions: Record[]; cursor: string };
    try {
      answer = await api.openStream<{ executions: Record[]; cursor: string }>(path, abort.signal);
    } catch (err) {
      if (stopped) return;
      // A platform that answered before may be restarting (acr dev): wait for it up to a minute.
      if (connected && lostAt === undefined) lost();
      if (!(err instanceof UserError) || err instanceof ApiCallError || lostAt === undefined) throw err;
      if (Date.now() - lostAt > RECONNECT_MS) throw err;
      await sleep(o.interval * 1000, abort.signal);
      continue;
    }
    if (lostAt !== undefined && announced) console.error(color.dim("… reconnected"));
    lostAt = undefined;
    connected = true;
    if (answer instanceof Response) {
      try {
        for await (const ev of readEvents(answer.body as ReadableStream<Uint8Array>)) {
          if (ev.event === "ready") announce("live stream");
          if (ev.event !== "execution") continue;
          const e = JSON.parse(ev.data) as Record;
          show(e);
          if (ev.id && ev.id > after) after = ev.id;
        }
      } catch (err) {
        if (stopped) return;
        if (!(err instanceof Error)) throw err;
      }
      if (stopped) return;
      // The stream ended (the platform stopped or restarted): reopen it from the last record seen.
      lost();
      await sleep(o.interval * 1000, abort.signal);
      continue;
    }
    announce(`polling every ${o.interval} s`);
    for (const e of answer.executions) show(e);
    after = answer.cursor;
    await sleep(o.interval * 1000, abort.signal);
  }
}

const RECONNECT_MS = 60_000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });
