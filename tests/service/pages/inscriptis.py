"""An inscriptis-like rendering of a test page (written here, independent of service.html)."""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------------
# An inscriptis-like rendering (written here, independent of service.html): one line per block, no
# wrapping, list items as "* " or "1. " indented by their nesting, paragraphs set off by blank lines.

_BLOCKS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "article",
    "section",
    "header",
    "footer",
    "aside",
    "nav",
    "main",
    "table",
    "tr",
    "blockquote",
    "time_block",
    "form",
}
_SPACED = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "table"}


def inscriptis_like(markup: str) -> str:
    import lxml.html

    root = lxml.html.document_fromstring(markup)
    out: list[str] = []
    line: list[str] = []
    indent = [0]

    def flush(blank: bool = False) -> None:
        if line and line[-1] in {"* "} | {f"{n}. " for n in range(1, 100)} and len(line) == 1:
            return  # a list bullet stays on the line of the item's first block ("1. Ann says:")
        text = " ".join("".join(line).split())
        line.clear()
        if text:
            out.append(" " * indent[-1] + text)
        if blank and out and out[-1] != "":
            out.append("")

    def walk(el, list_kind: str | None = None, number: int = 0) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in {"script", "style", "head", "title"} or not tag:
            if el.tail:
                line.append(el.tail)
            return
        block = tag in _BLOCKS
        if block:
            flush(tag in _SPACED)
        if tag == "br":
            flush()
        pushed = False
        if tag in {"ul", "ol", "blockquote"}:
            indent.append(indent[-1] + 3)
            pushed = True
        if tag == "li":
            line.append("* " if list_kind != "ol" else f"{number}. ")
        if el.text:
            line.append(el.text)
        k = 0
        for child in el:
            if child.tag == "li":
                k += 1
            walk(child, tag if tag in {"ul", "ol"} else list_kind, k)
        if block:
            flush(tag in _SPACED)
        if tag in {"td", "th", "a", "span", "time", "b", "strong", "cite", "abbr"}:
            line.append(" ")
        if pushed:
            indent.pop()
        if el.tail:
            line.append(el.tail)

    body = root.find("body")
    walk(body if body is not None else root)
    flush()
    return "\n".join(out).strip("\n") + "\n"
