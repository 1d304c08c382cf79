/**
 * Markdown for model replies, safe by construction: markdown-it with `html: false` never passes
 * raw HTML through (a reply's `<script>` or `<img onerror=…>` stays text), images are not
 * rendered (no requests from model output), links must pass markdown-it's URL check (no
 * `javascript:`), and DOMPurify, allowing only the tags markdown-it emits, checks the result once
 * more before it reaches the page. Nothing here sets `innerHTML` on a live element: the sanitizer
 * hands back a DocumentFragment parsed in an inert document.
 */
import DOMPurify from 'dompurify';
import MarkdownIt from 'markdown-it';

const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: true }).disable('image');

const ALLOWED_TAGS = [
  'p', 'br', 'strong', 'em', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'a', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
];
const ALLOWED_ATTR = ['href', 'title', 'start', 'class'];

/** The reply text as sanitized DOM nodes. */
export function renderMarkdown(text: string): DocumentFragment {
  const fragment = DOMPurify.sanitize(markdown.render(text), {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#)/i,
    RETURN_DOM_FRAGMENT: true,
  });
  for (const link of fragment.querySelectorAll('a')) {
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
  }
  return fragment;
}

/** Replaces `element`'s children with the rendered reply. */
export function renderMarkdownInto(element: HTMLElement, text: string): void {
  element.replaceChildren(renderMarkdown(text));
}
