"""Words on the pages: a standard by its name (not its internal code), and English plurals that agree."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.extensions import db
from tests.certification.helpers import certified, make_cycle
from tests.conftest import login
from tests.factories import PASSWORD


def test_the_plot_page_names_the_standard_and_its_version(client, given):
    with given():
        cycle = make_cycle()
        certified(cycle)
        db.session.scalar(sa.select(User).where(User.email == "farmer@example.com")).locale = "en"
    login(client, "farmer@example.com", PASSWORD)
    page = client.get(f"/plots/{cycle.plot.code}").get_data(as_text=True).replace("&#39;", "'")
    assert "pgs-organic" not in page
    assert "The network's PGS organic charter, version 1" in page


def test_one_certified_plot_is_not_plots_in_english(client, given):
    with given():
        cycle = make_cycle()
        certified(cycle)
    page = client.get("/impact?lang=en").get_data(as_text=True)
    assert "1 certified plot," in page and "1 certified plots" not in page
