/** Dify SSE chat streams (`/v1/chat-messages`, `/api/chat-messages`) read with fetch. */
import { apiError } from "./api/client";

export interface StreamEvent {
  event: string;
  answer?: string;
  conversation_id?: string;
  message_id?: string;
  message?: string;
  code?: string;
  [key: string]: unknown;
}

/** POST `body` to `url` and call `onEvent` for every data event; resolves when the stream ends. */
export async function streamChat(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  onEvent: (event: StreamEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok || !response.body) throw await apiError(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of frame.split("\n")) {
        if (line.startsWith("data: ")) onEvent(JSON.parse(line.slice(6)) as StreamEvent);
      }
    }
  }
}
