import { z } from "@hono/zod-openapi";

/** The OpenAPI schema of the one error shape (see ApiError). */
export const ErrorSchema = z
  .object({
    error: z
      .object({
        code: z.string().openapi({ example: "UNAUTHORIZED" }),
        message: z.string().openapi({ example: "Invalid API key" }),
      })
      .passthrough(),
  })
  .openapi("Error");

/** Standard error responses to spread into a route's `responses`. */
export const errorResponses = {
  400: { description: "Invalid request", content: { "application/json": { schema: ErrorSchema } } },
  401: { description: "Missing or invalid API key", content: { "application/json": { schema: ErrorSchema } } },
} as const;

export const bearerSecurity = [{ bearerAuth: [] }];
