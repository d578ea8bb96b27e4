/** A conversation: answers are markdown rendered through the sanitiser, with citations. */
import { useEffect, useRef } from "react";
import type { Json } from "../api/client";
import { renderMarkdown } from "../markdown";

export interface ChatMessage {
  role: "user" | "assistant";
  text: string;
  streaming?: boolean;
  thoughts?: string[];
  citations?: Json[];
  id?: string;
  rating?: string | null;
}

export function ChatMessages(props: {
  opening: string;
  messages: ChatMessage[];
  onRate?: (index: number, rating: "like" | "dislike") => void;
}) {
  const { opening, messages, onRate } = props;
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "nearest" });
  }, [messages]);
  return (
    <div className="messages" role="log" aria-live="polite" aria-label="Conversation">
      {opening && <div className="message assistant opening">{opening}</div>}
      {messages.map((m, i) => (
        <div key={i} className={`message ${m.role}`} data-streaming={m.streaming || undefined}>
          {m.role === "user" ? (
            <p>{m.text}</p>
          ) : (
            <>
              {m.thoughts?.map((t, j) => (
                <details key={j} className="thought"><summary>Thought</summary>{t}</details>
              ))}
              <div className="markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(m.text) }} />
              {m.citations && m.citations.length > 0 && (
                <ol className="citations" aria-label="Citations">
                  {m.citations.map((c, j) => (
                    <li key={j}>
                      <strong>{c.document_name ?? c.dataset_name ?? "Source"}</strong>
                      {typeof c.score === "number" && <span className="muted"> score {c.score.toFixed(2)}</span>}
                      <p className="muted">{String(c.content ?? "").slice(0, 200)}</p>
                    </li>
                  ))}
                </ol>
              )}
              {onRate && m.id && !m.streaming && (
                <div className="row feedback">
                  <button type="button" className="ghost" aria-pressed={m.rating === "like"} onClick={() => onRate(i, "like")}>Helpful</button>
                  <button type="button" className="ghost" aria-pressed={m.rating === "dislike"} onClick={() => onRate(i, "dislike")}>Not helpful</button>
                </div>
              )}
            </>
          )}
        </div>
      ))}
      <div ref={end} />
    </div>
  );
}
