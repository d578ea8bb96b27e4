/** The console API client, typed from Yarrow's own OpenAPI schema (`npm run gen:api`). */
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** An API failure in Dify's error shape, with a message fit to show a person. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

export function cookie(name: string): string {
  const found = document.cookie.split("; ").find((c) => c.startsWith(`${name}=`));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

const PLAIN: Record<number, string> = {
  400: "The request was not accepted.",
  401: "Please sign in again.",
  403: "You do not have permission to do that.",
  404: "That item no longer exists.",
  409: "That conflicts with something that already exists.",
  413: "That is too large.",
  429: "Too many requests: wait a moment and try again.",
  502: "An upstream service failed.",
  503: "A service is unavailable right now.",
};

/** Turn a failed response into an ApiError whose message is plain words. */
export async function apiError(response: Response): Promise<ApiError> {
  let code = "error";
  let message = "";
  try {
    const body = (await response.clone().json()) as { code?: string; message?: string };
    code = body.code ?? code;
    message = body.message ?? "";
  } catch {
    // not JSON: fall back to the status text below
  }
  const fallback = PLAIN[response.status] ?? `The server answered ${response.status}.`;
  return new ApiError(message || fallback, response.status, code);
}

/** Called when the session is gone (the app shows the sign-in page). */
let onSignedOut: () => void = () => undefined;
export function setSignedOutHandler(handler: () => void): void {
  onSignedOut = handler;
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (UNSAFE.has(request.method)) request.headers.set("X-CSRF-Token", cookie("csrf_token"));
    return request;
  },
  async onResponse({ response, request }) {
    if (response.ok) return response;
    const path = new URL(request.url).pathname;
    if (response.status === 401 && !path.endsWith("/login") && !path.endsWith("/setup")) {
      onSignedOut();
    }
    throw await apiError(response);
  },
};

export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });
api.use(csrf);

/** Unwrap an openapi-fetch result (errors were already thrown by the middleware). */
export function must<T>(result: { data?: T }): T {
  return result.data as T;
}

/** Any JSON object a route returns (the console routes return loose dictionaries). */
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
