"""A procedure's Markdown as safe HTML (issue 14 §3).

Two locks, not one: markdown-it renders with raw HTML disabled (``<script>`` typed into a procedure comes
out as text), and nh3 (the Ammonia sanitiser) then keeps only a short list of tags and attributes, so
even a Markdown construct that smuggles something through (a ``javascript:`` link, an image from anywhere)
is cut. No ``style`` attribute and no script survive, so the result passes the Content-Security-Policy;
links gain ``rel="noopener noreferrer"``. The preview in the editor and the published page use this one
function, so what a manager previews is exactly what colleagues read.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# Markdown a procedure may use: headings, lists, emphasis, quotes, code, tables, links and rules.
ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
    "s",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
# No javascript:, data: or vbscript: links: a procedure points at web pages, mail and phone numbers.
ALLOWED_SCHEMES = {"http", "https", "mailto", "tel"}

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")


# A procedure is shown inside a page that has its own <h1> and a section <h2>: its headings start at <h3>,
# so the page keeps one <h1> and a heading outline that screen readers can follow.
HEADING_OFFSET = 2


def markdown_render(text: str) -> str:
    """``text`` (Markdown) as sanitised HTML, safe to mark safe in a template."""
    env: dict = {}
    tokens = _markdown.parse(text or "", env)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + HEADING_OFFSET, 6)}"
    html = _markdown.renderer.render(tokens, _markdown.options, env)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
