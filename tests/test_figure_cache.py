"""ui.figure_cache: a figure is built once per process for equal inputs — frames by content — and again
whenever anything it is built from differs (issue 15)."""

from __future__ import annotations

import json
from datetime import date

import plotly.io as pio
import polars as pl
import pytest

from queries.metrics import Metric
from ui import figure_cache
from present.figures import region_bars
from ui.chart import FigureJson, built_json, figure_json

CALLS: list[tuple] = []


def counted(frame: pl.DataFrame, *, title: str, day: date | None = None, metric: Metric | None = None, shapes=None) -> dict:
    CALLS.append((frame.height, title))
    return {"rows": frame.height, "title": title}


def regions(coverage: float = 0.5) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "code": ["R1", "R2"],
            "name": ["Đồng bằng sông Hồng", "Tây Nguyên"],
            "coverage": [coverage, 0.25],
            "cumulative": [500, 250],
            "denominator": [1000, 1000],
        }
    )


@pytest.fixture(autouse=True)
def fresh_cache():
    figure_cache._shared.clear()
    CALLS.clear()
    yield
    figure_cache._shared.clear()


def test_equal_inputs_share_one_build_and_one_object():
    first = figure_cache.shared(counted, regions(), title="Vùng", day=date(2021, 4, 27), metric=Metric.cards_delivered)
    again = figure_cache.shared(counted, regions(), title="Vùng", day=date(2021, 4, 27), metric=Metric.cards_delivered)
    assert again is first and len(CALLS) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"frame": regions(0.51)},  # one number in the data (a new batch, another database)
        {"title": "Vùng kinh tế"},
        {"day": date(2021, 4, 28)},
        {"metric": Metric.applications_received},
    ],
)
def test_anything_it_is_built_from_makes_a_new_figure(change):
    base = {"frame": regions(), "title": "Vùng", "day": date(2021, 4, 27), "metric": Metric.cards_delivered}
    figure_cache.shared(counted, base["frame"], title=base["title"], day=base["day"], metric=base["metric"])
    changed = {**base, **change}
    figure_cache.shared(counted, changed["frame"], title=changed["title"], day=changed["day"], metric=changed["metric"])
    assert len(CALLS) == 2


def test_a_frame_counts_by_content():
    figure_cache.shared(counted, regions(), title="Vùng")
    figure_cache.shared(counted, pl.DataFrame(regions().to_dict()), title="Vùng")  # equal content, another object
    assert len(CALLS) == 1
    figure_cache.shared(counted, regions().select(["name", "code", "coverage", "cumulative", "denominator"]), title="Vùng")
    assert len(CALLS) == 2  # another schema
    figure_cache.shared(counted, regions().head(0), title="Vùng")
    assert len(CALLS) == 3


def test_small_structures_count_by_value_large_ones_by_identity():
    labels = [{"name": "QĐ. Hoàng Sa", "lon": 111.957, "lat": 16.421}]
    figure_cache.shared(counted, regions(), title="Vùng", shapes=labels)
    figure_cache.shared(counted, regions(), title="Vùng", shapes=[dict(labels[0])])  # equal, another object
    assert len(CALLS) == 1
    # The outlines (a FeatureCollection of many coordinates): never walked, keyed by the shared object.
    outlines = {"type": "FeatureCollection", "features": [{"id": str(i), "coordinates": [[i, i], [i, i + 1]]} for i in range(63)]}
    figure_cache.shared(counted, regions(), title="Vùng", shapes=outlines)
    figure_cache.shared(counted, regions(), title="Vùng", shapes=outlines)
    assert len(CALLS) == 2
    figure_cache.shared(counted, regions(), title="Vùng", shapes={**outlines})
    assert len(CALLS) == 3


def test_a_lambda_is_refused():
    with pytest.raises(TypeError):
        figure_cache.shared(lambda: 1)


def test_a_shared_figure_is_the_figure_the_builder_makes():
    cached = figure_cache.shared(region_bars, regions(), title="So sánh 6 vùng", denominator_label="dân số")
    assert pio.to_json(cached) == pio.to_json(region_bars(regions(), title="So sánh 6 vùng", denominator_label="dân số"))


def test_a_figure_is_kept_as_its_json_height_and_bundle():
    figure = region_bars(regions(), title="Vùng", denominator_label="dân số")
    figure.update_layout(height=480)
    spec = figure_json(figure)
    assert isinstance(spec, FigureJson) and spec.height == 480 and spec.bundle == "basic"
    sent, built = json.loads(spec.spec), json.loads(pio.to_json(figure, validate=False))
    assert sent["data"] == built["data"]  # the traces as built; the layout gets Streamlit's theme (tests/test_chart.py)
    assert {k: v for k, v in sent["layout"].items() if k not in ("template", "title")} == {
        k: v for k, v in built["layout"].items() if k not in ("template", "title")
    }

    def with_height():
        return figure

    assert figure_cache.shared(built_json, with_height) == spec
    figure.update_layout(height=None)
    with pytest.raises(ValueError):
        figure_json(figure)
