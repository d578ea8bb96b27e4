/**
 * Markdown to sanitised HTML. Model output and documents are untrusted: DOMPurify removes
 * scripts, event-handler attributes, `javascript:`/`data:` URLs, iframes, forms and styles; links
 * open in a new tab without an opener.
 */
import DOMPurify from "dompurify";
import { marked } from "marked";

const purify = DOMPurify(window);
purify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

export function renderMarkdown(text: string): string {
  const html = marked.parse(text, { async: false, gfm: true, breaks: true });
  return purify.sanitize(html, {
    FORBID_TAGS: ["style", "iframe", "form", "input", "button", "object", "embed", "svg", "math"],
    FORBID_ATTR: ["style"],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#|\/(?!\/))/i,
  });
}
