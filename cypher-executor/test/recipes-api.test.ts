import { generateKeyPairSync, verify } from "node:crypto";
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

// Each seed API recipe runs against a local stand-in of its service that checks the exact request
// the real service expects (method, path, auth format, headers, body) and answers like it.

type Json = Record<string, any>;
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const serviceAccount = {
  type: "service_account",
  client_email: "robot@demo-project.iam.gserviceaccount.com",
  private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
};

/** Google's token endpoint, faithfully: verifies the RS256 signature of the JWT bearer assertion. */
function googleToken(r: SeenRequest, origin: string, scope: string, sub?: string): Answer {
  const form = new URLSearchParams(r.body);
  if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer")
    return { status: 400, json: { error: "unsupported_grant_type" } };
  const [h, c, s] = (form.get("assertion") ?? "").split(".");
  const ok = verify("RSA-SHA256", Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s ?? "", "base64url"));
  if (!ok) return { status: 400, json: { error: "invalid_grant", error_description: "Invalid JWT Signature." } };
  const header = JSON.parse(Buffer.from(h ?? "", "base64url").toString());
  const claims = JSON.parse(Buffer.from(c ?? "", "base64url").toString());
  const now = Date.now() / 1000;
  if (
    header.alg !== "RS256" ||
    claims.iss !== serviceAccount.client_email ||
    claims.aud !== `${origin}/token` ||
    claims.scope !== scope
  ) {
    return { status: 400, json: { error: "invalid_grant", claims } };
  }
  if (!(claims.iat <= now + 5 && claims.exp > now && claims.exp - claims.iat <= 3600))
    return { status: 400, json: { error: "invalid_grant" } };
  if (sub !== undefined && claims.sub !== sub) return { status: 401, json: { error: "unauthorized_client" } };
  return {
    status: 200,
    json: { access_token: `ya29.${sub ? "mail" : "sheets"}-token`, expires_in: 3599, token_type: "Bearer" },
  };
}

const json = (r: SeenRequest) => JSON.parse(r.body || "null");
const fail = (why: string): Answer => ({ status: 400, json: { error: why } });

let p: TestPlatform;
let s: StandIn;
beforeAll(async () => {
  s = await startStandIn((r) => {
    const auth = r.headers.authorization ?? "";
    const ct = r.headers["content-type"] ?? "";
    switch (`${r.method} ${r.path}`) {
      case "POST /token": {
        const claims = JSON.parse(
          Buffer.from(new URLSearchParams(r.body).get("assertion")?.split(".")[1] ?? "", "base64url").toString() ||
            "{}",
        );
        return claims.sub
          ? googleToken(r, s.origin, "https://www.googleapis.com/auth/gmail.send", "boss@example.com")
          : googleToken(r, s.origin, "https://www.googleapis.com/auth/spreadsheets");
      }
      case "POST /bot123456:ABC-DEF/sendMessage":
        if (!ct.startsWith("application/json")) return fail("content-type");
        return {
          status: 200,
          json: { ok: true, result: { message_id: 7, chat: { id: json(r).chat_id }, text: json(r).text } },
        };
      case "POST /v2/bot/message/push":
        if (auth !== "Bearer line-token") return { status: 401, json: { message: "Authentication failed" } };
        return { status: 200, json: { sentMessages: [{ id: "461230966842064897", quoteToken: "q" }], echo: json(r) } };
      case "POST /api/chat.postMessage":
        if (auth !== "Bearer xoxb-1") return { status: 200, json: { ok: false, error: "invalid_auth" } };
        return { status: 200, json: { ok: true, channel: json(r).channel, ts: "1503435956.000247", echo: json(r) } };
      case "POST /api/v10/channels/998877/messages":
        if (auth !== "Bot discord-token") return { status: 401, json: { message: "401: Unauthorized", code: 0 } };
        return { status: 200, json: { id: "1100", channel_id: "998877", content: json(r).content } };
      case "POST /repos/octo/hello/issues":
        if (auth !== "Bearer ghp_x") return { status: 401, json: { message: "Bad credentials" } };
        if (
          r.headers.accept !== "application/vnd.github+json" ||
          r.headers["x-github-api-version"] !== "2022-11-28" ||
          !r.headers["user-agent"]
        ) {
          return fail("github headers");
        }
        return {
          status: 201,
          json: { id: 1, number: 1347, html_url: "https://github.com/octo/hello/issues/1347", echo: json(r) },
        };
      case "POST /v4/spreadsheets/SHEET1/values/Sheet1!A1%3AC1:append":
        if (auth !== "Bearer ya29.sheets-token") return { status: 401, json: { error: { code: 401 } } };
        if (r.query.get("valueInputOption") !== "USER_ENTERED") return fail("valueInputOption is required");
        return {
          status: 200,
          json: { spreadsheetId: "SHEET1", updates: { updatedRange: "Sheet1!A2:C2", updatedRows: 1, echo: json(r) } },
        };
      case "GET /v4/spreadsheets/SHEET1/values/Sheet1!A1%3AB2":
        if (auth !== "Bearer ya29.sheets-token") return { status: 401, json: { error: { code: 401 } } };
        return {
          status: 200,
          json: {
            range: "Sheet1!A1:B2",
            majorDimension: "ROWS",
            values: [
              ["a", "b"],
              ["1", "2"],
            ],
          },
        };
      case "POST /gmail/v1/users/me/messages/send":
        if (auth !== "Bearer ya29.mail-token") return { status: 401, json: { error: { code: 401 } } };
        return { status: 200, json: { id: "18c0", threadId: "18c0", labelIds: ["SENT"], echo: json(r) } };
      default:
        return { status: 404, json: { error: `no route ${r.method} ${r.path}` } };
    }
  });
  p = await startTestPlatform({ allowHosts: ["127.0.0.1"] });
  await storeCredential(p, "tg", "123456:ABC-DEF");
  await storeCredential(p, "line", "line-token");
  await storeCredential(p, "slack", "xoxb-1");
  await storeCredential(p, "discord", "discord-token");
  await storeCredential(p, "gh", "ghp_x");
  await storeCredential(p, "gsa", JSON.stringify(serviceAccount));
  await storeCredential(p, "mailbox", "boss@example.com");
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
  const seen = s.seen
    .slice(before)
    .filter((r) => r.path !== "/token")
    .at(-1) as SeenRequest;
  return { out, seen };
}

describe("seed API recipes against stand-ins of their services", () => {
  it("telegram_send: POST /bot<token>/sendMessage with chat_id and text", async () => {
    const { out, seen } = await run("telegram_send", "telegram", { chat_id: 42, text: "hi", credential: "tg" });
    expect(json(seen)).toEqual({ chat_id: 42, text: "hi" });
    expect(out).toMatchObject({ status: 200, ok: true, message_id: 7, chat_id: 42 });
  });

  it("line_push: POST /v2/bot/message/push, Bearer channel token, messages array", async () => {
    const { out, seen } = await run("line_push", "line", { to: "U4af4980629", text: "hello", credential: "line" });
    expect(json(seen)).toEqual({ to: "U4af4980629", messages: [{ type: "text", text: "hello" }] });
    expect(seen.headers["content-type"]).toBe("application/json");
    expect(out.sent_messages).toEqual([{ id: "461230966842064897", quoteToken: "q" }]);
  });

  it("slack_post: POST /api/chat.postMessage, Bearer bot token, JSON with charset", async () => {
    const { out, seen } = await run("slack_post", "slack", {
      channel: "C123",
      text: "deploy done",
      credential: "slack",
    });
    expect(seen.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(json(seen)).toEqual({ channel: "C123", text: "deploy done" });
    expect(out).toMatchObject({ ok: true, ts: "1503435956.000247", channel: "C123" });
  });

  it("discord_post: POST /api/v10/channels/{id}/messages with `Authorization: Bot …`", async () => {
    const { out, seen } = await run("discord_post", "discord", {
      channel_id: "998877",
      content: "gm",
      credential: "discord",
    });
    expect(json(seen)).toEqual({ content: "gm" });
    expect(out).toMatchObject({ message_id: "1100", channel_id: "998877" });
  });

  it("github_create_issue: POST /repos/{owner}/{repo}/issues with GitHub's headers", async () => {
    const { out, seen } = await run("github_create_issue", "github", {
      owner: "octo",
      repo: "hello",
      title: "Found a bug",
      body: "It breaks",
      credential: "gh",
    });
    expect(json(seen)).toEqual({ title: "Found a bug", body: "It breaks" });
    expect(out).toMatchObject({ status: 201, number: 1347, url: "https://github.com/octo/hello/issues/1347" });
  });

  it("google_sheets_append: signed JWT exchanged at the token endpoint, then POST …/values/{range}:append", async () => {
    const tokenCallsBefore = s.seen.filter((r) => r.path === "/token").length;
    const { out, seen } = await run("google_sheets_append", "google_sheets", {
      spreadsheet_id: "SHEET1",
      range: "Sheet1!A1:C1",
      values: [["a", 1, true]],
      credentials: { service_account: "gsa" },
    });
    expect(seen.method).toBe("POST");
    expect(seen.query.get("insertDataOption")).toBe("INSERT_ROWS");
    expect(json(seen)).toEqual({ values: [["a", 1, true]] });
    expect(out).toMatchObject({ updated_range: "Sheet1!A2:C2", updated_rows: 1 });
    expect(s.seen.filter((r) => r.path === "/token").length).toBe(tokenCallsBefore + 1);
  });

  it("google_sheets_read: GET …/values/{range}, reusing the cached token", async () => {
    const tokenCallsBefore = s.seen.filter((r) => r.path === "/token").length;
    const { out, seen } = await run("google_sheets_read", "google_sheets", {
      spreadsheet_id: "SHEET1",
      range: "Sheet1!A1:B2",
      credentials: { service_account: "gsa" },
    });
    expect(seen.method).toBe("GET");
    expect(seen.body).toBe("");
    // The token came from the auth_service_account component (its oauth2:* cache key), not a host shortcut.
    const kv = await p.platform.mf.getKVNamespace("CREDENTIALS_KV");
    const names = (await kv.list()).keys.map((k) => k.name);
    expect(names).toEqual(
      expect.arrayContaining([expect.stringMatching(/:oauth2:google_sheets:gsa:robot@demo-project/)]),
    );
    expect(out.values).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    expect(s.seen.filter((r) => r.path === "/token").length).toBe(tokenCallsBefore);
  });

  it("gmail_send: delegated JWT (sub), POST users/me/messages/send with a base64url RFC 822 message", async () => {
    const { out, seen } = await run("gmail_send", "gmail", {
      to: "bob@example.com",
      subject: "Grüße",
      text: "Hello Bob",
      credentials: { service_account: "gsa", subject: "mailbox" },
    });
    const raw = Buffer.from(json(seen).raw, "base64url").toString("utf8");
    expect(raw).toContain("To: bob@example.com\r\n");
    expect(raw).toContain(`Subject: =?UTF-8?B?${Buffer.from("Grüße").toString("base64")}?=\r\n`);
    expect(raw.endsWith("\r\n\r\nHello Bob")).toBe(true);
    expect(json(seen).raw).not.toMatch(/[+/=]/);
    expect(out).toMatchObject({ message_id: "18c0", thread_id: "18c0" });
  });

  it("a wrong service-account key is refused by the token endpoint's signature check", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    await storeCredential(p, "gsa_wrong", JSON.stringify({ ...serviceAccount, private_key: other }));
    const res = await p.call("POST", "/v1/recipes/google_sheets_read/run", {
      input: { spreadsheet_id: "SHEET1", range: "Sheet1!A1:B2", credentials: { service_account: "gsa_wrong" } },
    });
    expect(res.status).toBe(502);
    expect(((await res.json()) as Json).error).toMatchObject({
      code: "TOKEN_EXCHANGE_FAILED",
      diagnosis: "BAD_CREDENTIAL",
    });
  });

  it("missing required inputs are named before any call", async () => {
    const res = await p.call("POST", "/v1/recipes/telegram_send/run", { input: { credential: "tg" } });
    expect(res.status).toBe(422);
    expect(((await res.json()) as Json).error).toMatchObject({ code: "INPUT_REQUIRED", missing: ["chat_id", "text"] });
  });
});
