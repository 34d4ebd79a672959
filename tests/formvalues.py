"""What a page's form would send back as it stands: the value of every field a browser shows filled in."""
from __future__ import annotations

from html.parser import HTMLParser


class _Values(HTMLParser):
    def __init__(self, action: str | None):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.values = action, action is None, {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.action is not None:
            self.inside = (a.get("action") or "").split("#")[0] == self.action
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.setdefault(name, []).append(a.get("value", "on"))
            elif kind != "file":
                self.values[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            text = self.values[self._textarea]  # a browser drops the newline that opens a textarea
            self.values[self._textarea] = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self.action is not None:
            self.inside = False


def form_values(page: str, action: str | None = None) -> dict:
    """{name: value} of the form posting to `action` (every form on the page without it); checkboxes as lists."""
    parser = _Values(action)
    parser.feed(page)
    return parser.values
