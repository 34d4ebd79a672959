"""A plot code texted to the network's LINE Official Account is answered with what the plot's QR page says."""
from __future__ import annotations

from flask_babel import gettext as _

from greensmile.i18n import format_date_for
from greensmile.plots import services as plots
from greensmile.plots.codes import InvalidPlotCode, normalise_code
from greensmile.public import services
from greensmile.urls import public_url


def _code_in(text: str) -> str | None:
    """A well-formed plot code in a short message: the whole text ("7k3 9q2"), or one word of it ("แปลง 7K39Q2?")."""
    words = [word.strip("?!.,:;()\"'") for word in text.split()]
    for candidate in [text, *words, *(a + b for a, b in zip(words, words[1:]))]:
        try:
            return normalise_code(candidate)
        except InvalidPlotCode:
            continue
    return None


def answer(text: str, locale: str) -> str | None:
    """The plot's status, in the reader's language; None when the text names no plot code (another answer then)."""
    code = _code_in(text or "")
    if code is None:
        return None
    plot = plots.get_by_code(code)
    if plot is None:
        return _("No plot has the code %(code)s. Check the code under the QR label.", code=code)
    page = services.public_page(plot)
    lines = [f"{plot.code} · {plot.owner.display_name}" if page.named else plot.code, page.status.label]
    if page.main and page.main.valid_until and page.status.value in (
            "certified", "certified_with_conditions", "in_conversion"):
        lines.append(_("Valid until %(date)s", date=format_date_for(page.main.valid_until, locale)))
    lines.append(public_url("public.plot", code=plot.code))
    return "\n".join(lines)
