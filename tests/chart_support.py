"""What a page's charts (ui/chart.py) hand the browser, read from an AppTest run, and a click on one of
them sent back as ui/chart.js sends it."""

from __future__ import annotations

import json

from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.testing.v1 import AppTest


def _components(at: AppTest) -> list:
    return [element for element in at.get("bidi_component") if element.proto.component_name == "chart"]


def chart_keys(at: AppTest) -> list[str]:
    """The keys of the page's charts, in page order."""
    return [element.proto.id.rsplit("-", 1)[-1] for element in _components(at)]


def chart_data(at: AppTest, key: str | None = None) -> dict:
    """What the chart `key` (or the page's only chart) hands its component: config, bundle URL, height,
    locale, topology and the figure, sent as JSON text and decoded here as chart.js decodes it."""
    found = [element for element in _components(at) if key is None or element.proto.id.endswith(f"-{key}")]
    assert len(found) == 1, (key, chart_keys(at))
    data = json.loads(found[0].proto.json)
    return {**data, "figure": json.loads(data["figure_json"])}


def figures(at: AppTest) -> list[dict]:
    """The figures of the page's charts, in page order."""
    return [json.loads(json.loads(element.proto.json)["figure_json"]) for element in _components(at)]


def click_chart(at: AppTest, point: dict, key: str | None = None) -> AppTest:
    """Run the page as the browser does after a click on the chart `key` (or the page's only chart):
    the component's trigger "click" ({location, customdata}) set for one run, every other widget as it is."""
    [element] = [element for element in _components(at) if key is None or element.proto.id.endswith(f"-{key}")]
    states = at._tree.get_widget_states()
    trigger = states.widgets.add()
    trigger.id = _make_trigger_id(element.proto.id, "events")
    trigger.json_trigger_value = json.dumps([{"event": "click", "value": point}])
    return at._run(states)
