/**
 * The end-user web app (`/chat/{code}`): an anonymous visitor with a passport (Dify's web-app API
 * under `/api`), streaming answers, a conversation list, and feedback on answers.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { apiError, type Json } from "../api/client";
import { ChatMessages, type ChatMessage } from "../components/ChatMessages";
import { ErrorNote } from "../components/ui";
import { streamChat } from "../stream";

class WebApi {
  constructor(readonly code: string) {}
  private passport = "";

  async headers(): Promise<Record<string, string>> {
    const key = `yarrow-passport-${this.code}`;
    this.passport ||= localStorage.getItem(key) ?? "";
    if (!this.passport) {
      const r = await fetch("/api/passport", { headers: { "X-App-Code": this.code } });
      if (!r.ok) throw await apiError(r);
      this.passport = ((await r.json()) as Json).access_token as string;
      localStorage.setItem(key, this.passport);
    }
    return { "X-App-Code": this.code, Authorization: `Bearer ${this.passport}` };
  }

  async call(path: string, init: RequestInit = {}): Promise<Json> {
    const headers = { ...(await this.headers()), "Content-Type": "application/json" };
    const r = await fetch(`/api${path}`, { ...init, headers });
    if (r.status === 401 && this.passport) {
      localStorage.removeItem(`yarrow-passport-${this.code}`); // expired: start a new visit
      this.passport = "";
    }
    if (!r.ok) throw await apiError(r);
    return r.status === 204 ? {} : ((await r.json()) as Json);
  }
}

export function WebChatPage({ code }: { code: string }) {
  const web = useRef(new WebApi(code)).current;
  const [site, setSite] = useState<Json | null>(null);
  const [params, setParams] = useState<Json>({});
  const [conversations, setConversations] = useState<Json[]>([]);
  const [conversationId, setConversationId] = useState("");
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [query, setQuery] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const loadConversations = useCallback(async () => {
    setConversations(((await web.call("/conversations?limit=50")).data as Json[]) ?? []);
  }, [web]);

  useEffect(() => {
    (async () => {
      const found = await web.call("/site");
      setSite(found.site as Json);
      document.title = String((found.site as Json).title ?? "Chat");
      setParams(await web.call("/parameters"));
      await loadConversations();
    })().catch(setError);
  }, [web, loadConversations]);

  const open = async (id: string) => {
    setError(null);
    try {
      const found = await web.call(`/messages?conversation_id=${encodeURIComponent(id)}&limit=100`);
      const history: ChatMessage[] = [];
      for (const m of (found.data as Json[]) ?? []) {
        history.push({ role: "user", text: m.query as string });
        history.push({ role: "assistant", text: m.answer as string, id: m.id as string, rating: (m.feedback as Json)?.rating });
      }
      setConversationId(id);
      setMessages(history);
    } catch (e) {
      setError(e);
    }
  };

  const rate = async (index: number, rating: "like" | "dislike") => {
    const message = messages[index];
    if (!message.id) return;
    const next = message.rating === rating ? null : rating;
    try {
      await web.call(`/messages/${message.id}/feedbacks`, { method: "POST", body: JSON.stringify({ rating: next }) });
      setMessages((all) => all.map((m, i) => (i === index ? { ...m, rating: next } : m)));
    } catch (e) {
      setError(e);
    }
  };

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
    let started = conversationId;
    try {
      await streamChat(
        "/api/chat-messages",
        await web.headers(),
        { inputs: {}, query: text, response_mode: "streaming", conversation_id: conversationId },
        (event) => {
          if (event.conversation_id && !started) {
            started = event.conversation_id;
            setConversationId(started);
          }
          if (event.message_id) patch((last) => ({ ...last, id: event.message_id }));
          if (event.event === "message" || event.event === "agent_message")
            patch((last) => ({ ...last, text: last.text + (event.answer ?? "") }));
          else if (event.event === "message_end") {
            const meta = (event.metadata ?? {}) as Json;
            patch((last) => ({ ...last, citations: (meta.retriever_resources as Json[]) ?? [] }));
          } else if (event.event === "error") throw new Error(event.message || "The answer failed.");
        },
      );
      await loadConversations();
    } catch (err) {
      setError(err);
    } finally {
      patch((last) => ({ ...last, streaming: false }));
      setBusy(false);
    }
  };

  const suggested = (params.suggested_questions as string[]) ?? [];
  return (
    <div className="webapp">
      <aside className="card conversations" aria-label="Conversations">
        <button type="button" onClick={() => { setConversationId(""); setMessages([]); }}>New chat</button>
        <ul>
          {conversations.map((c) => (
            <li key={c.id}>
              <button type="button" className="ghost" aria-current={c.id === conversationId || undefined} onClick={() => void open(c.id as string)}>
                {(c.name as string) || "Untitled"}
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <main id="main" className="card chat">
        <h1>{site?.title ?? "Chat"}</h1>
        {site?.description && <p className="muted">{site.description}</p>}
        <ChatMessages opening={(params.opening_statement as string) ?? ""} messages={messages} onRate={(i, r) => void rate(i, r)} />
        {messages.length === 0 && suggested.length > 0 && (
          <div className="row" aria-label="Suggested questions">
            {suggested.map((q) => <button key={q} type="button" className="secondary" onClick={() => setQuery(q)}>{q}</button>)}
          </div>
        )}
        <ErrorNote error={error} />
        <form className="row" onSubmit={(e) => void send(e)}>
          <label className="grow">
            <span className="sr-only">Message</span>
            <textarea aria-label="Message" rows={2} value={query} onChange={(e) => setQuery(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && !e.shiftKey) {
                  e.preventDefault();
                  e.currentTarget.form?.requestSubmit();
                }
              }} />
          </label>
          <button type="submit" disabled={busy}>Send</button>
        </form>
      </main>
    </div>
  );
}
