/**
 * The seed recipes bundled into the executor (from `recipes/auth/*.json` and `recipes/api/*.json`),
 * written by `POST /v1/init/seed`. A test checks that this list matches the folders.
 */

import api_anthropic_messages from "../../../recipes/api/anthropic_messages.json";
import api_discord_post from "../../../recipes/api/discord_post.json";
import api_gemini_generate from "../../../recipes/api/gemini_generate.json";
import api_github_create_issue from "../../../recipes/api/github_create_issue.json";
import api_gmail_send from "../../../recipes/api/gmail_send.json";
import api_google_sheets_append from "../../../recipes/api/google_sheets_append.json";
import api_google_sheets_read from "../../../recipes/api/google_sheets_read.json";
import api_line_push from "../../../recipes/api/line_push.json";
import api_openai_chat from "../../../recipes/api/openai_chat.json";
import api_slack_post from "../../../recipes/api/slack_post.json";
import api_telegram_send from "../../../recipes/api/telegram_send.json";
import api_workers_ai_chat from "../../../recipes/api/workers_ai_chat.json";
import auth_airtable from "../../../recipes/auth/airtable.json";
import auth_anthropic from "../../../recipes/auth/anthropic.json";
import auth_cloudflare from "../../../recipes/auth/cloudflare.json";
import auth_discord from "../../../recipes/auth/discord.json";
import auth_gemini from "../../../recipes/auth/gemini.json";
import auth_github from "../../../recipes/auth/github.json";
import auth_gmail from "../../../recipes/auth/gmail.json";
import auth_google_drive from "../../../recipes/auth/google_drive.json";
import auth_google_oauth from "../../../recipes/auth/google_oauth.json";
import auth_google_sheets from "../../../recipes/auth/google_sheets.json";
import auth_hubspot from "../../../recipes/auth/hubspot.json";
import auth_jira from "../../../recipes/auth/jira.json";
import auth_line from "../../../recipes/auth/line.json";
import auth_linear from "../../../recipes/auth/linear.json";
import auth_mailgun from "../../../recipes/auth/mailgun.json";
import auth_notion from "../../../recipes/auth/notion.json";
import auth_openai from "../../../recipes/auth/openai.json";
import auth_resend from "../../../recipes/auth/resend.json";
import auth_sendgrid from "../../../recipes/auth/sendgrid.json";
import auth_shopify from "../../../recipes/auth/shopify.json";
import auth_slack from "../../../recipes/auth/slack.json";
import auth_stripe from "../../../recipes/auth/stripe.json";
import auth_supabase from "../../../recipes/auth/supabase.json";
import auth_telegram from "../../../recipes/auth/telegram.json";
import auth_trello from "../../../recipes/auth/trello.json";
import auth_twilio from "../../../recipes/auth/twilio.json";
import auth_typeform from "../../../recipes/auth/typeform.json";

export const SEED_AUTH_RECIPES: unknown[] = [
  auth_airtable,
  auth_anthropic,
  auth_cloudflare,
  auth_discord,
  auth_gemini,
  auth_github,
  auth_gmail,
  auth_google_drive,
  auth_google_oauth,
  auth_google_sheets,
  auth_hubspot,
  auth_jira,
  auth_line,
  auth_linear,
  auth_mailgun,
  auth_notion,
  auth_openai,
  auth_resend,
  auth_sendgrid,
  auth_shopify,
  auth_slack,
  auth_stripe,
  auth_supabase,
  auth_telegram,
  auth_trello,
  auth_twilio,
  auth_typeform,
];

export const SEED_API_RECIPES: unknown[] = [
  api_anthropic_messages,
  api_discord_post,
  api_gemini_generate,
  api_github_create_issue,
  api_gmail_send,
  api_google_sheets_append,
  api_google_sheets_read,
  api_line_push,
  api_openai_chat,
  api_slack_post,
  api_telegram_send,
  api_workers_ai_chat,
];
