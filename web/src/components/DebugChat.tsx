/**
 * The debug chat beside an app's configuration. It talks to the Service API
 * (`/v1/chat-messages`, streaming) with an app key it creates on first use, so it exercises
 * exactly what API clients get.
 */
import { useRef, useState, type FormEvent } from "react";
import { api, must, type Json } from "../api/client";
import { streamChat, type StreamEvent } from "../stream";
import { ChatMessages, type ChatMessage } from "./ChatMessages";
import { ErrorNote } from "./ui";

async function appKey(appId: string): Promise<string> {
  const stored = sessionStorage.getItem(`yarrow-key-${appId}`);
  if (stored) return stored;
  const key = must(
    await api.POST("/console/api/apps/{app_id}/api-keys", { params: { path: { app_id: appId } } }),
  ) as Json;
  sessionStorage.setItem(`yarrow-key-${appId}`, key.token as string);
  return key.token as string;
}

export function DebugChat({ app, opening }: { app: Json; opening: string }) {
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [query, setQuery] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const conversation = useRef("");
  const abort = useRef<AbortController | null>(null);

  const send = async (e: FormEvent) => {
    e.preventDefault();
    const text = query.trim();
    if (!text || busy) return;
    setQuery("");
    setError(null);
    setBusy(true);
    setMessages((m) => [...m, { role: "user", text }, { role: "assistant", text: "", streaming: true }]);
    const patch = (change: (last: ChatMessage) => ChatMessage) =>
      setMessages((m) => [...m.slice(0, -1), change(m[m.length - 1])]);
    abort.current = new AbortController();
    try {
      const key = await appKey(app.id as string);
      await streamChat(
        "/v1/chat-messages",
        { Authorization: `Bearer ${key}` },
        {
          inputs: {},
          query: text,
          user: "console-debug",
          response_mode: "streaming",
          conversation_id: conversation.current,
        },
        (event: StreamEvent) => {
          if (event.conversation_id) conversation.current = event.conversation_id;
          if (event.event === "message" || event.event === "agent_message")
            patch((last) => ({ ...last, text: last.text + (event.answer ?? "") }));
          else if (event.event === "agent_thought" && event.thought)
            patch((last) => ({ ...last, thoughts: [...(last.thoughts ?? []), String(event.thought)] }));
          else if (event.event === "message_end") {
            const meta = (event.metadata ?? {}) as Json;
            patch((last) => ({ ...last, citations: (meta.retriever_resources as Json[]) ?? [] }));
          } else if (event.event === "error")
            throw new Error(event.message || "The model failed to answer.");
        },
        abort.current.signal,
      );
    } catch (err) {
      if (!(err instanceof DOMException && err.name === "AbortError")) setError(err);
    } finally {
      patch((last) => ({ ...last, streaming: false }));
      setBusy(false);
    }
  };

  return (
    <section className="card chat" aria-label="Debug and preview">
      <div className="row">
        <h2>Debug and preview</h2>
        <div className="spacer" />
        <button
          type="button"
          className="ghost"
          onClick={() => {
            abort.current?.abort();
            conversation.current = "";
            setMessages([]);
          }}
        >
          Restart
        </button>
      </div>
      <ChatMessages opening={opening} messages={messages} />
      <ErrorNote error={error} />
      <form className="row" onSubmit={(e) => void send(e)}>
        <label className="grow">
          <span className="sr-only">Message</span>
          <textarea
            aria-label="Message"
            rows={2}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey) {
                e.preventDefault();
                e.currentTarget.form?.requestSubmit();
              }
            }}
            placeholder="Talk to the bot (Enter sends, Shift+Enter for a new line)"
          />
        </label>
        {busy ? (
          <button type="button" className="secondary" onClick={() => abort.current?.abort()}>Stop</button>
        ) : (
          <button type="submit">Send</button>
        )}
      </form>
    </section>
  );
}
