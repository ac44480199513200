import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Answer,
  localize,
  pushPair,
  type SeenRequest,
  type StandIn,
  seedFile,
  startStandIn,
  storeCredential,
} from "./recipes-helpers";
import { startTestPlatform, type TestPlatform } from "./support/platform";

// The AI API recipes (Workers AI REST, OpenAI, Anthropic, Gemini) against stand-ins that accept only the
// request each service documents (method, path, auth header, version header, body shape) and answer in
// the service's documented response shape.

type Json = Record<string, any>;
const json = (r: SeenRequest) => JSON.parse(r.body || "null");
const refuse = (status: number, why: string): Answer => ({ status, json: { error: why } });
const userPrompt = (messages: unknown) =>
  Array.isArray(messages) && messages.length === 1 && messages[0].role === "user" ? messages[0].content : undefined;

let p: TestPlatform;
let s: StandIn;
beforeAll(async () => {
  s = await startStandIn((r) => {
    const b = r.body ? json(r) : {};
    if (!(r.headers["content-type"] ?? "").startsWith("application/json")) return refuse(415, "content-type");
    switch (`${r.method} ${r.path}`) {
      case "POST /client/v4/accounts/acc123/ai/run/@cf/meta/llama-4-scout-17b-16e-instruct":
        if (r.headers.authorization !== "Bearer cf-token") return refuse(401, "auth");
        if (typeof userPrompt(b.messages) !== "string") return refuse(400, "messages");
        return {
          status: 200,
          json: { result: { response: `cf: ${userPrompt(b.messages)}` }, success: true, errors: [] },
        };
      case "POST /v1/chat/completions":
        if (r.headers.authorization !== "Bearer sk-test") return refuse(401, "auth");
        if (b.model !== "gpt-4o-mini" || typeof userPrompt(b.messages) !== "string") return refuse(400, "body");
        return {
          status: 200,
          json: {
            id: "chatcmpl-1",
            object: "chat.completion",
            model: b.model,
            choices: [
              {
                index: 0,
                message: { role: "assistant", content: `oa: ${userPrompt(b.messages)}` },
                finish_reason: "stop",
              },
            ],
            usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
          },
        };
      case "POST /v1/messages":
        if (r.headers["x-api-key"] !== "sk-ant-test" || r.headers.authorization) return refuse(401, "auth");
        if (r.headers["anthropic-version"] !== "2023-06-01") return refuse(400, "anthropic-version");
        if (b.model !== "claude-sonnet-4-5" || typeof b.max_tokens !== "number" || !userPrompt(b.messages))
          return refuse(400, "body");
        return {
          status: 200,
          json: {
            id: "msg_1",
            type: "message",
            role: "assistant",
            model: b.model,
            content: [{ type: "text", text: `an: ${userPrompt(b.messages)}` }],
            stop_reason: "end_turn",
            usage: { input_tokens: 3, output_tokens: 2 },
          },
        };
      case "POST /v1beta/models/gemini-2.0-flash:generateContent": {
        if (r.headers["x-goog-api-key"] !== "AIza-test") return refuse(403, "auth");
        const text = b.contents?.[0]?.parts?.[0]?.text;
        if (typeof text !== "string") return refuse(400, "contents");
        return {
          status: 200,
          json: {
            candidates: [{ content: { role: "model", parts: [{ text: `ge: ${text}` }] }, finishReason: "STOP" }],
            usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
          },
        };
      }
      default:
        return refuse(404, `no route ${r.method} ${r.path}`);
    }
  });
  p = await startTestPlatform({ allowHosts: ["127.0.0.1"] });
  await storeCredential(p, "cf", "cf-token");
  await storeCredential(p, "oa", "sk-test");
  await storeCredential(p, "an", "sk-ant-test");
  await storeCredential(p, "ge", "AIza-test");
});
afterAll(async () => {
  await p?.dispose();
  await s?.close();
});

async function run(api: string, authService: string, input: Json): Promise<{ out: Json; seen: SeenRequest }> {
  await pushPair(p, localize(seedFile("auth", authService), s), localize(seedFile("api", api), s));
  const before = s.seen.length;
  const res = await p.call("POST", `/v1/recipes/${api}/run`, { input });
  const out = (await res.json()) as Json;
  if (res.status !== 200) throw new Error(`${api}: ${res.status} ${JSON.stringify(out)}`);
  return { out, seen: s.seen.slice(before).at(-1) as SeenRequest };
}

describe("AI API recipes against stand-ins of their services", () => {
  it("workers_ai_chat: POST /accounts/{id}/ai/run/{model} with a Bearer API token", async () => {
    const { out, seen } = await run("workers_ai_chat", "cloudflare", {
      account_id: "acc123",
      prompt: "hi",
      credential: "cf",
    });
    expect(json(seen)).toEqual({ messages: [{ role: "user", content: "hi" }], max_tokens: 1024, temperature: 0.2 });
    expect(out).toMatchObject({ status: 200, text: "cf: hi" });
  });

  it("openai_chat: POST /v1/chat/completions with model and messages", async () => {
    const { out, seen } = await run("openai_chat", "openai", { model: "gpt-4o-mini", prompt: "hi", credential: "oa" });
    expect(json(seen)).toEqual({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    expect(out).toMatchObject({ text: "oa: hi", finish_reason: "stop", model: "gpt-4o-mini" });
  });

  it("anthropic_messages: POST /v1/messages with x-api-key, anthropic-version and max_tokens", async () => {
    const { out, seen } = await run("anthropic_messages", "anthropic", {
      model: "claude-sonnet-4-5",
      prompt: "hi",
      credential: "an",
    });
    expect(json(seen)).toEqual({
      model: "claude-sonnet-4-5",
      max_tokens: 1024,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(out).toMatchObject({ text: "an: hi", stop_reason: "end_turn" });
  });

  it("gemini_generate: POST /v1beta/models/{model}:generateContent with x-goog-api-key", async () => {
    const { out, seen } = await run("gemini_generate", "gemini", {
      model: "gemini-2.0-flash",
      prompt: "hi",
      credential: "ge",
    });
    expect(json(seen)).toEqual({ contents: [{ role: "user", parts: [{ text: "hi" }] }] });
    expect(out).toMatchObject({ text: "ge: hi", finish_reason: "STOP" });
  });
});
