/**
 * Twilio's request signature (X-Twilio-Signature): base64 HMAC-SHA1 with the account's auth token over
 * the full URL Twilio called, followed, for a form POST, by every parameter as `name + value`, sorted
 * by name (a repeated name: its values sorted). A JSON delivery carries `bodySHA256` (hex SHA-256 of the
 * raw body) in the URL instead, and only the URL is signed.
 * https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
import { ApiError } from "../../http/errors";
import { timingSafeEqual, toHex } from "../../utils/crypto";

const utf8 = new TextDecoder();

/**
 * The text Twilio signs for this delivery; 401 when a JSON delivery's `bodySHA256` does not match its body.
 *
 * @example
 * await twilioSignedText("https://example.com/sms?x=1", new TextEncoder().encode("To=%2B1&Body=hi").buffer, "application/x-www-form-urlencoded")
 * // "https://example.com/sms?x=1BodyhiTo+1"
 */
export async function twilioSignedText(url: string, body: ArrayBuffer, contentType: string | null): Promise<string> {
  const bodyHash = new URL(url).searchParams.get("bodySHA256");
  if (bodyHash !== null) {
    // The raw bytes as received, never a re-decoded text.
    const actual = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", body)));
    if (!timingSafeEqual(actual, bodyHash.toLowerCase())) {
      throw new ApiError(401, "SIGNATURE_MISMATCH", "bodySHA256 does not match the body", {
        header: "X-Twilio-Signature",
      });
    }
    return url;
  }
  if (!/^application\/x-www-form-urlencoded/i.test(contentType ?? "")) return url;
  const byName = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(utf8.decode(body))) {
    const list = byName.get(k);
    if (list) list.push(v);
    else byName.set(k, [v]);
  }
  let text = url;
  // Code-unit order, as Twilio's own libraries sort (case-sensitive).
  for (const name of [...byName.keys()].sort()) {
    for (const v of [...new Set(byName.get(name))].sort()) text += name + v;
  }
  return text;
}
