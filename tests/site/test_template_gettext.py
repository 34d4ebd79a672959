"""The templates' _() and ngettext() keep the request's translations at hand, and still follow the locale: a page in
Thai, a message forced into English in the middle of it (an e-mail), and Thai again after."""
from flask import render_template_string
from flask_babel import force_locale

PAGE = "{{ _('Home') }}|{{ ngettext('%(num)s plot', '%(num)s plots', 2) }}"


def test_the_kept_translations_follow_force_locale_and_come_back(app):
    with app.test_request_context("/"):
        thai = render_template_string(PAGE)
        assert thai == render_template_string(PAGE)  # a second render, from the kept translations
        with force_locale("en"):
            assert render_template_string(PAGE) == "Home|2 plots"
        assert render_template_string(PAGE) == thai
    assert thai.split("|")[0] == "หน้าแรก" and "2" in thai and "plots" not in thai


def test_each_request_gets_its_own_language(app):
    with app.test_request_context("/?lang=en"):
        assert render_template_string(PAGE) == "Home|2 plots"
    with app.test_request_context("/"):
        assert render_template_string(PAGE).startswith("หน้าแรก|")
