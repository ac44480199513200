/** One Server-Sent Event: its `event` name (default `message`), `id` and `data` lines joined. */
export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/**
 * Reads Server-Sent Events from a response body until it ends; comments (`: keep-alive`) are skipped.
 *
 * @example
 * for await (const e of readEvents(res.body!)) if (e.event === "execution") console.log(JSON.parse(e.data));
 */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, "\n");
    for (let end = buf.indexOf("\n\n"); end !== -1; end = buf.indexOf("\n\n")) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const e: SseEvent = { event: "message", data: "" };
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line === "" || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") e.event = value;
        else if (field === "id") e.id = value;
        else if (field === "data") data.push(value);
      }
      if (data.length === 0) continue;
      e.data = data.join("\n");
      yield e;
    }
  }
}
