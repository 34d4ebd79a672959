"""The trees' carbon figure is above-ground biomass only (Chave et al. 2014): no page, CSV or API field calls it plain
"carbon stored", in English or in Thai, and the 5 cm floor of the equation is said where the figure is explained."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from greensmile.trees import overview

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "greensmile" / "translations" / "th" / "LC_MESSAGES" / "messages.po"
CARBON = re.compile(r"carbon|co₂|co2", re.IGNORECASE)
STORED = re.compile(r"\bstored\b|\bstores\b|กักเก็บ", re.IGNORECASE)


def _messages() -> list[tuple[str, str]]:
    with PO.open("rb") as handle:
        catalogue = read_po(handle)
    found = []
    for message in catalogue:
        if not message.id:
            continue
        english = message.id if isinstance(message.id, str) else " / ".join(message.id)
        thai = message.string if isinstance(message.string, str) else " / ".join(message.string)
        found.append((english, thai))
    return found


def test_no_message_calls_the_figure_stored_carbon_without_above_ground():
    """Every message of the templates and the code (the catalogue holds them all) that says carbon or CO₂ is
    stored also says above ground, and its Thai says เหนือพื้นดิน."""
    stored = [(english, thai) for english, thai in _messages() if CARBON.search(english) and STORED.search(english)]
    assert stored, "the pages do show the stored CO₂"
    for english, thai in stored:
        assert re.search(r"above[- ]ground", english, re.IGNORECASE), english
        assert "เหนือพื้นดิน" in thai, (english, thai)


def test_each_label_of_the_figure_and_its_explanation_say_above_ground_and_5_cm():
    messages = dict(_messages())
    labels = [english for english in messages if "CO₂" in english and "estimate" in english.lower()]
    assert labels and all(re.search(r"above[- ]ground", label, re.IGNORECASE) for label in labels), labels
    explanations = [english for english in messages if "Chave" in english or "%(equation)s" in english]
    assert explanations and all("5 cm" in english and "bove-ground" in english for english in explanations)


def test_no_template_text_outside_the_catalogue_says_stored_carbon():
    for template in (ROOT / "templates").rglob("*.html"):
        text = re.sub(r"\{#.*?#\}", "", template.read_text(encoding="utf-8"), flags=re.DOTALL)
        for line in text.splitlines():
            if CARBON.search(line) and STORED.search(line) and not re.search(r"above|เหนือพื้นดิน", line, re.I):
                raise AssertionError(f"{template.name}: {line.strip()[:160]}")


def test_the_api_and_the_register_csv_say_above_ground(client):
    data = client.get("/api/v1/impact").get_json()
    assert "above-ground" in data["carbon_scope"] and "5 cm" in data["carbon_scope"]
    assert "trees_co2_kg" in data  # the field keeps its name (a public contract); carbon_scope says what it is
    assert not any(STORED.search(str(value)) for value in data.values() if isinstance(value, str))
    assert "above_ground_co2_kg_estimate" in overview.CSV_COLUMNS and "co2_kg_estimate" not in overview.CSV_COLUMNS
