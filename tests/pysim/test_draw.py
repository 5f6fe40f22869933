"""Figures drawn from simulator state say what the cluster holds, in the picture and in words."""

import xml.etree.ElementTree as ET

from pysim import kafka
from pysim.course.draw import distribution_figure, log_figure

SVG = "{http://www.w3.org/2000/svg}"


def _cluster_with_two_groups():
    kafka.reset_all(seed=3)
    c = kafka.cluster("draw:9092")
    c.create_topic("orders", 2)
    p = kafka.Producer({"bootstrap.servers": "draw:9092", "partitioner": "murmur2_random"})
    for i in range(9):
        p.produce("orders", key=f"order-{i % 3}", value=str(i))
    p.flush()
    c.commit("billing", "orders", 0, c.watermarks("orders", 0)[1])
    c.commit("analytics", "orders", 0, 1)
    return c


def test_log_figure_draws_every_record_and_the_group_positions():
    c = _cluster_with_two_groups()
    fig = log_figure(c, "orders", groups=["billing", "analytics"])
    root = ET.fromstring(fig.svg)
    assert root.get("role") == "img"
    texts = [t.text for t in root.iter(SVG + "text")]
    for p in (0, 1):
        for rec in c.records("orders", p):
            assert str(rec.offset) in texts
    high0 = c.watermarks("orders", 0)[1]
    assert f"billing → {high0}" in texts and "analytics → 1" in texts
    assert len(list(root.iter(SVG + "rect"))) == sum(len(c.records("orders", p)) for p in (0, 1))
    # The text alternative says the same thing.
    assert f"group billing will read offset {high0} next" in fig.text
    assert "group billing has no committed offset" in fig.text   # partition 1
    assert root.find(SVG + "desc").text == fig.text


def test_log_figure_truncates_to_the_newest_records_and_says_so():
    kafka.reset_all(seed=0)
    c = kafka.cluster("draw-long:9092")
    c.create_topic("t", 1)
    p = kafka.Producer({"bootstrap.servers": "draw-long:9092"})
    for i in range(30):
        p.produce("t", key="k", value=str(i))
    fig = log_figure(c, "t", max_cells=5)
    texts = [t.text for t in ET.fromstring(fig.svg).iter(SVG + "text")]
    assert "25" in texts and "29" in texts and "24" not in texts and "…" in texts
    assert "offsets 25 to 29 (older ones not drawn)" in fig.text


def test_same_state_same_picture():
    a = log_figure(_cluster_with_two_groups(), "orders", groups=["billing"]).svg
    b = log_figure(_cluster_with_two_groups(), "orders", groups=["billing"]).svg
    assert a == b


def test_distribution_figure_bars_follow_counts():
    fig = distribution_figure([10, 30, 20])
    root = ET.fromstring(fig.svg)
    heights = [float(r.get("height")) for r in root.iter(SVG + "rect")]
    assert heights[1] == max(heights) and heights[0] == heights[1] / 3
    assert "partition 1 has 30" in fig.text and "1.50 times the mean" in fig.text
    assert fig.html().count("<details") == 1


def test_cells_can_show_values_and_unknown_fields_are_refused():
    c = _cluster_with_two_groups()
    texts = [t.text for t in ET.fromstring(log_figure(c, "orders", fields=("key", "value")).svg).iter(SVG + "text")]
    assert all(str(i) in texts for i in range(9))       # the values "0".."8"
    import pytest
    with pytest.raises(ValueError, match="headers"):
        log_figure(c, "orders", fields=("headers",))


def test_compacted_log_lists_the_survivors_and_dashes_tombstones():
    kafka.reset_all(seed=0)
    c = kafka.cluster("draw-compact:9092")
    c.create_topic("state", 1, config={"cleanup.policy": "compact", "segment.bytes": "300",
                                        "min.cleanable.dirty.ratio": "0.01"})
    p = kafka.Producer({"bootstrap.servers": "draw-compact:9092"})
    for key, value in [("a", "1"), ("b", "1"), ("a", "2"), ("b", None), ("a", "3"), ("c", "1"),
                       ("c", "2"), ("d", "1"), ("d", "2")]:
        p.produce("state", key=key, value=value)
        p.flush()
    before = log_figure(c, "state", fields=("key", "value"))
    assert "only at" not in before.text                      # offsets 0..8, no gaps yet
    c.run_log_cleaner()
    survivors = c.records("state", 0)
    offsets = [r.offset for r in survivors]
    assert offsets[-1] - offsets[0] + 1 > len(offsets)       # the cleaner left gaps
    fig = log_figure(c, "state", fields=("key", "value"))
    for rec in survivors:
        assert f"offset {rec.offset} (key {rec.key.decode()}" in fig.text
    tombstones = [r for r in survivors if r.value is None]
    assert tombstones and f"offset {tombstones[0].offset} (key b, a tombstone (null value))" in fig.text
    rects = list(ET.fromstring(fig.svg).iter(SVG + "rect"))
    assert sum(r.get("stroke-dasharray") is not None for r in rects) == len(tombstones)
    assert ET.fromstring(fig.svg).find(SVG + "desc").text == fig.text


def test_segments_are_separated_and_the_active_one_is_labelled():
    kafka.reset_all(seed=0)
    c = kafka.cluster("draw-segments:9092")
    c.create_topic("t", 1, config={"segment.bytes": "300"})
    p = kafka.Producer({"bootstrap.servers": "draw-segments:9092"})
    for i in range(10):
        p.produce("t", key="k", value=str(i))
        p.flush()
    segs = c.log("t", 0).segments()
    assert len(segs) > 2
    plain = log_figure(c, "t")
    fig = log_figure(c, "t", segments=True)
    root = ET.fromstring(fig.svg)
    bars = [ln for ln in root.iter(SVG + "line") if ln.get("stroke-dasharray") is None]
    assert len(bars) == len(segs) - 1                  # one bar between neighbouring segments
    assert [t.text for t in root.iter(SVG + "text")].count("active segment") == 1
    bases = ", ".join(str(sg.base_offset) for sg in segs)
    assert f"{len(segs)} segments, starting at offsets {bases}, the last one active" in fig.text
    assert "segment" not in plain.text and "active segment" not in plain.svg


# -- rebalance timeline ---------------------------------------------------------------------------

M1 = "c1-0b4f5a0e-3f1c-4d2a-8b9e-1a2b3c4d5e6f"
M3 = "c3-9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"


def _crash_timeline():
    """P0 always with c1; P1 with c3 until it crashes at 10 s, nobody until 55 s, then c1."""
    return {0: [(0, 60000, M1)], 1: [(0, 10000, M3), (10000, 55000, None), (55000, 60000, M1)]}


def test_timeline_figure_draws_a_lane_per_member_and_shades_the_gap():
    from pysim.course.draw import timeline_figure
    fig = timeline_figure(_crash_timeline(), marks=[(10000, "c3 crashes")])
    root = ET.fromstring(fig.svg)
    texts = [t.text for t in root.iter(SVG + "text")]
    lanes = [t.text for t in root.iter(SVG + "text") if t.get("font-weight") == "bold"]
    assert lanes == ["c1", "c3", "nobody"]           # sorted by name, nobody last
    rects = list(root.iter(SVG + "rect"))
    assert len(rects) == 4                           # P0@c1, P1@c3, P1@c1, the gap
    gap = [r for r in rects if r.get("stroke-dasharray")]
    assert len(gap) == 1
    # the gap's width is 45 of the 60 seconds drawn
    full = 760 - 86 - 20
    assert abs(float(gap[0].get("width")) - full * 45 / 60) < 0.2
    assert "c3 crashes" in texts and "30 s" in texts
    assert "Partition 1: 0 s to 10 s owned by c3; 10 s to 55 s no owner; 55 s to 60 s owned by c1." in fig.text
    assert "Without an owner for 45 s in all." in fig.text
    assert "Without an owner for 0 s in all." in fig.text       # partition 0
    assert root.find(SVG + "desc").text == fig.text


def test_timeline_figure_uses_given_labels_and_refuses_an_empty_timeline():
    import pytest
    from pysim.course.draw import timeline_figure
    fig = timeline_figure(_crash_timeline(), labels={M1: "Consumer 1", M3: "Consumer 3"})
    assert "owned by Consumer 3" in fig.text and "c3" not in fig.text.replace("Consumer 3", "")
    with pytest.raises(ValueError):
        timeline_figure({})
    with pytest.raises(ValueError):
        timeline_figure({0: [(5, 5, M1)]})


def test_timeline_marks_close_together_get_their_own_rows():
    from pysim.course.draw import timeline_figure
    fig = timeline_figure(_crash_timeline(), marks=[(9000, "first generation"), (10000, "c3 crashes"),
                                                     (55000, "c3 evicted")])
    root = ET.fromstring(fig.svg)
    ys = {t.text: float(t.get("y")) for t in root.iter(SVG + "text")}
    assert ys["first generation"] != ys["c3 crashes"]          # 1 s apart: would overlap
    assert ys["c3 evicted"] == ys["first generation"]           # far apart: same row
    assert "At 9 s: first generation. At 10 s: c3 crashes. At 55 s: c3 evicted." in fig.text


def test_log_figure_draws_markers_aborted_records_and_the_last_stable_offset():
    kafka.reset_all(seed=4)
    c = kafka.cluster("draw-txn:9092")
    c.create_topic("charges", 1)
    p = kafka.Producer({"bootstrap.servers": "draw-txn:9092", "transactional.id": "t1"})
    p.init_transactions()
    for keys, commit in ((["a", "b", "c"], True), (["d", "e"], False)):
        p.begin_transaction()
        for k in keys:
            p.produce("charges", key=k, value="v")
        p.commit_transaction() if commit else p.abort_transaction()
    p.begin_transaction()
    p.produce("charges", key="f", value="v")
    p.flush()
    fig = log_figure(c, "charges", max_cells=9)
    root = ET.fromstring(fig.svg)
    texts = [t.text for t in root.iter(SVG + "text")]
    assert texts.count("COMMIT") == 1 and texts.count("ABORT") == 1
    assert "last stable offset 7" in texts and "high watermark 8" in texts
    struck = [ln for ln in root.iter(SVG + "line") if ln.get("stroke-width") == "1.5"]
    assert len(struck) == 2                                    # offsets 4 and 5
    assert "a COMMIT marker at 3, an ABORT marker at 6" in fig.text
    assert "aborted records at 4, 5" in fig.text and "last stable offset 7" in fig.text
