"""The explanation layer: shared trigger attribution, the cascade graph, narratives, onset changes,
amplifiers, communities, coordination and `backfire analyze --json`, on simulated hijacks whose
trigger is known."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backfire.cli import app
from backfire.explain.analysis import explain
from backfire.explain.graph import account_graph, cascade_graph, downstream
from backfire.explain.narratives import lsa_embedder
from backfire.explain.replay import replay
from backfire.model import Author, Campaign, Post, Verdict
from backfire.simulate import Simulation, generate
from backfire.simulate.oracle import NoisyClassifier
from backfire.warn.attribution import best_per_account
from backfire.warn.detector import HijackDetector

T0 = datetime(2014, 4, 22, 20, tzinfo=UTC)


def _pairs(sim: Simulation, seed: int = 0) -> list[tuple[Post, Verdict | None]]:
    return list(zip(sim.posts, NoisyClassifier(sim.labels, seed=seed).predict_many(sim.posts), strict=True))


def _rt_rows(sim: Simulation) -> Simulation:
    by_id = {p.id: p for p in sim.posts}
    rows = [p.model_copy(update={"repost_of": None, "text": f"RT @{by_id[p.repost_of].author.handle}: "
                                 f"{by_id[p.repost_of].text}"}) if p.repost_of in by_id else p for p in sim.posts]
    return replace(sim, posts=rows)


def _flat(sim: Simulation) -> Simulation:
    posts = [p.model_copy(update={"reply_to": None, "quote_of": None}) for p in sim.posts if p.repost_of is None]
    return replace(sim, posts=posts, labels={p.id: sim.labels[p.id] for p in posts})


@pytest.mark.parametrize("seed", [3, 11])
def test_the_alarms_and_explain_rank_triggers_with_one_implementation(seed: int) -> None:
    sim = generate("mynypd", seed=seed, hours=6)
    pairs = _pairs(sim, seed)
    det = HijackDetector(sim.campaign)
    alarms = [a for p, v in pairs if v is not None and (a := det.update(p, v))]
    assert alarms
    data = explain(pairs, sim.campaign, narratives=False)
    # the explanation replays the same detector: same alarms, same first trigger as the first alarm
    assert [a["at"] for a in data["alarms"]] == [a.contract_fields()["at"] for a in alarms]
    assert data["triggers"]["accounts"][0]["account"] == alarms[0].triggers[0] == sim.truth.trigger_accounts[0]
    top = data["triggers"]["accounts"][0]
    assert 0.05 < top["share_of_hostile_reach"] <= 1 and abs(top["minutes_from_onset"]) < 30
    assert data["triggers"]["posts"][0]["author"] == top["account"] and data["triggers"]["posts"][0]["reposts"] > 10


def test_rank_is_the_best_thread_per_account_of_the_credits() -> None:
    sim = generate("mynypd", seed=4, hours=6)
    r = replay(_pairs(sim, 4), sim.campaign)
    assert r.onset is not None
    ranked = [c.author for c in best_per_account(r.board.credits(r.onset, r.base))]
    assert r.board.rank(r.onset, r.base, top=10) == ranked[:10]


def test_cascade_graph_links_reposts_quotes_replies_and_retweet_rows() -> None:
    sim = generate("mynypd", seed=3, hours=5)
    g = cascade_graph(replay(_pairs(sim), sim.campaign))
    reposts = sum(1 for p in sim.posts if p.repost_of is not None)
    relations = [rel for _, _, rel in g.edges(data="relation")]
    assert relations.count("repost") == reposts and {"quote", "reply"} <= set(relations)
    # the same stream with reposts written as "RT @x: text" rows: the detector's linking finds them
    rows = _rt_rows(sim)
    g2 = cascade_graph(replay(_pairs(rows), rows.campaign))
    assert [rel for _, _, rel in g2.edges(data="relation")].count("repost") >= 0.95 * reposts
    for node in g:  # a forest in time order, each post with its time, stance and reach
        assert g.in_degree(node) <= 1 and {"time", "stance", "p_hostile", "reach"} <= set(g.nodes[node])
    for parent, child in g.edges:
        assert g.nodes[parent]["ts"] <= g.nodes[child]["ts"]


def test_without_reply_links_a_leading_mention_is_an_answer_in_the_graph() -> None:
    def post(i: int, who: str, text: str) -> Post:
        return Post(id=str(i), platform="csv", author=Author(handle=who, followers=100),
                    created_at=T0 + timedelta(minutes=i), text=text)

    pairs = [(post(0, "Activist", "Such gentle officers"), Verdict(post_id="0", stance="hostile", p_hostile=0.9)),
             (post(1, "fan", "@activist so true"), Verdict(post_id="1", stance="hostile", p_hostile=0.9)),
             (post(2, "other", "so true @activist"), Verdict(post_id="2", stance="hostile", p_hostile=0.9))]
    g = cascade_graph(replay(pairs, Campaign(name="c")))
    assert list(g.edges(data="relation")) == [("0", "1", "answer")]
    assert downstream(g, "hostile_reach")["0"] == pytest.approx(180.0)
    assert account_graph(g)["fan"]["Activist"]["weight"] == 1


@pytest.mark.parametrize("regime", ["flat", "rt-rows", "tag-only"])
def test_the_true_trigger_comes_first_on_every_stream_regime(regime: str) -> None:
    sim = generate("mynypd", seed=7, hours=6)
    if regime == "flat":
        sim = _flat(sim)
    elif regime == "rt-rows":
        sim = _rt_rows(sim)
    else:
        sim = replace(sim, truth=sim.truth.model_copy(update={"campaign": Campaign.for_tag("myNYPD")}))
    data = explain(_pairs(sim, 7), sim.campaign, narratives=False)
    assert data["triggers"]["accounts"][0]["account"] == sim.truth.trigger_accounts[0]


def test_narratives_recover_the_simulated_hostile_kinds_and_label_them() -> None:
    sim = generate("mynypd", seed=5, hours=6)
    pairs = _pairs(sim, 5)
    data = explain(pairs, sim.campaign, embed=lsa_embedder([p.text for p in sim.posts]))
    hostile = data["narratives"]["hostile"]
    assert 2 <= len(hostile) <= 8
    for n in hostile:
        assert len(n["examples"]) == min(3, n["texts"]) and n["terms"] and sum(n["over_time"]) == n["size"]
        assert "#mynypd" not in n["terms"] and "mynypd" not in n["terms"]  # the campaign's own tag says nothing
    hostile_posts = sum(1 for _, v in pairs if v is not None and v.stance == "hostile")
    assert sum(n["size"] for n in hostile) == pytest.approx(hostile_posts, rel=0.02)
    assert data["narratives"]["support"]


def test_onset_changes_name_what_the_hijack_brought() -> None:
    sim = generate("mynypd", seed=5, hours=6)
    data = explain(_pairs(sim, 5), sim.campaign, narratives=False)
    changes = data["onset_changes"]
    assert changes is not None and changes["summary"].startswith("rising most:")
    words = {w["term"] for w in changes["words"]}
    calm_words = {"proud", "thank", "thanks", "great", "love"}
    assert words and not words & calm_words


def test_coordination_finds_identical_texts_from_many_accounts_within_minutes() -> None:
    sim = generate("steady-critics", seed=2, hours=4)
    pairs = _pairs(sim, 2)
    start = sim.posts[len(sim.posts) // 2].created_at
    bots = [(Post(id=f"bot{i}", platform="twitter", author=Author(handle=f"bot{i}", followers=3),
                  created_at=start + timedelta(seconds=20 * i), text="The campaign is a lie, boycott them now"),
             Verdict(post_id=f"bot{i}", stance="hostile", p_hostile=0.9)) for i in range(12)]
    merged = sorted(pairs + bots, key=lambda pv: pv[0].created_at)
    data = explain(merged, sim.campaign, narratives=False)
    found = data["coordination"]["identical_texts"]
    assert found[0]["accounts"] == 12 and found[0]["text"].startswith("The campaign is a lie")


def test_analyze_json_end_to_end_names_the_true_trigger_and_the_narratives(tmp_path: Path, runner: CliRunner) -> None:
    from backfire.simulate import write_simulation

    path = tmp_path / "mynypd.jsonl"
    sim, _ = write_simulation("mynypd", 7, path, format="twitter-v2", hours=6)
    db = str(tmp_path / "s.db")
    r = runner.invoke(app, ["ingest", str(path), "--campaign", "mynypd", "--tag", "myNYPD", "--owner", "NYPDnews",
                            "--db", db])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["analyze", "mynypd", "--json", "--db", db])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["alarms"] and data["triggers"]["accounts"][0]["account"] == sim.truth.trigger_accounts[0]
    assert data["onset"] is not None and abs(
        datetime.fromisoformat(data["onset"]) - sim.truth.onset) < timedelta(minutes=30)  # type: ignore[operator]
    assert len(data["narratives"]["hostile"]) >= 2 and data["narratives"]["hostile"][0]["examples"]
    assert data["cascade"]["trigger_tree"]["author"] == sim.truth.trigger_accounts[0]
    # stored verdicts are reused; a window gives the same shape, fewer posts
    until = data["window"]["first"][:13] + ":59:59Z"
    r = runner.invoke(app, ["analyze", "mynypd", "--json", "--db", db, "--until", until])
    assert r.exit_code == 0, r.output
    assert 0 < json.loads(r.stdout)["window"]["posts"] < data["window"]["posts"]
    text = runner.invoke(app, ["analyze", "mynypd", "--db", db])
    assert f"@{sim.truth.trigger_accounts[0]}" in text.stdout and "Narratives (hostile)" in text.stdout


def test_graphs_export_as_dynamic_gexf_13_jsonl_and_csv() -> None:
    import csv
    import io
    import xml.etree.ElementTree as ET

    from backfire.explain.graphio import GEXF_NS, write_graph

    sim = generate("mynypd", seed=3, hours=4)
    g = cascade_graph(replay(_pairs(sim), sim.campaign))
    for graph in (g, account_graph(g)):
        out = io.StringIO()
        write_graph(graph, out, "gexf")
        root = ET.fromstring(out.getvalue().encode())
        assert root.tag == f"{{{GEXF_NS}}}gexf" and root.get("version") == "1.3"
        element = root.find(f"{{{GEXF_NS}}}graph")
        assert element is not None and element.get("mode") == "dynamic" and element.get("timeformat") == "double"
        nodes = root.findall(f".//{{{GEXF_NS}}}node")
        edges = root.findall(f".//{{{GEXF_NS}}}edge")
        assert len(nodes) == graph.number_of_nodes() and len(edges) == graph.number_of_edges()
        assert all(float(n.get("start", "nan")) > 0 for n in nodes)
    lines = io.StringIO()
    write_graph(g, lines, "jsonl")
    rows = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert sum(r["type"] == "edge" for r in rows) == g.number_of_edges()
    table = io.StringIO()
    write_graph(g, table, "csv")
    parsed = list(csv.DictReader(io.StringIO(table.getvalue())))
    assert len(parsed) == g.number_of_edges() and {"source", "target", "relation", "source_stance"} <= set(parsed[0])


def test_louvain_finds_planted_groups_and_repeats_with_its_seed() -> None:
    import networkx as nx

    from backfire.explain.network import louvain, undirected

    g = nx.DiGraph()
    for group in ("a", "b", "c"):
        members = [f"{group}{i}" for i in range(6)]
        g.add_weighted_edges_from((x, y, 2) for x in members for y in members if x < y)
    g.add_weighted_edges_from([("a0", "b0", 1), ("b1", "c1", 1), ("c0", "a1", 1), ("b0", "a0", 1)])
    u = undirected(g)
    assert u["a0"]["b0"]["weight"] == 2  # both directions counted
    found = sorted(sorted(c) for c in louvain(u, seed=3))
    assert found == [[f"{x}{i}" for i in range(6)] for x in "abc"]
    assert louvain(u, seed=3) == louvain(u, seed=3)


@pytest.mark.parametrize("fmt", ["twitter-v1", "twitter-v2", "mastodon"])
def test_young_accounts_come_from_the_records_account_dates_without_reading_raw_records(tmp_path: Path,
                                                                                         fmt: str) -> None:
    """Account age is mapped onto `Author.created_at` by the sources and written back by the writers, so
    the explanation finds young accounts in a stored archive while it reads posts without their raw
    records (which cost more memory than the rest of a post)."""
    from backfire.explain.analysis import explain_campaign, load_pairs
    from backfire.ingest import ingest
    from backfire.sources import write_posts
    from backfire.store import open_store

    t0 = datetime(2024, 5, 14, 13, 0, tzinfo=UTC)
    posts = [Post(id=str(1000 + i), platform="mastodon" if fmt == "mastodon" else "twitter",
                  author=Author(handle=f"acct{i}", id=str(50 + i), created_at=t0 - timedelta(days=1 + 300 * (i % 2))),
                  created_at=t0 + timedelta(minutes=i), text=f"post number {i} #SkyLuxury", hashtags=["SkyLuxury"])
             for i in range(6)]
    path = tmp_path / "archive.jsonl"
    write_posts(posts, path, fmt)
    with open_store(tmp_path / "s.db") as store:
        ingest(store, [path], Campaign.for_tag("SkyLuxury"))
        campaign = store.campaigns()[0]
        read = load_pairs(store, campaign)
        assert all(p.raw is None for p, _ in read) and store.get_post(read[0][0].key).raw is not None
        assert {p.author.handle: p.author.created_at for p, _ in read} == {
            p.author.handle: p.author.created_at for p in posts}
        young = explain_campaign(store, campaign, narratives=False)["coordination"]["young_accounts"]
    assert [y["account"] for y in young] == ["acct0", "acct2", "acct4"]
    assert all(y["age_days"] < 2 for y in young)
