"""The pipeline: a text cache that outlives each batch, and reviewer corrections applied from the store."""

from __future__ import annotations

from datetime import UTC, datetime

from backfire.model import Campaign
from backfire.pipeline import Pipeline
from backfire.store import Label, Store
from backfire.understand import get_classifier
from backfire.understand.classifier import DefaultClassifier
from conftest import make_post

CAMPAIGN = Campaign(name="c", tags=["myNYPD"], owners=["NYPDnews"])


class CountingClassifier:
    """The baseline, counting how many texts it is asked to judge."""

    name = "counting"

    def __init__(self) -> None:
        self.inner = get_classifier("baseline")
        self.seen = 0

    def predict_one(self, post, campaign=None):  # type: ignore[no-untyped-def]
        return self.predict_many([post], campaign)[0]

    def predict_many(self, posts, campaign=None):  # type: ignore[no-untyped-def]
        self.seen += len(posts)
        return self.inner.predict_many(posts, campaign)


def test_reposts_in_later_batches_inherit_and_texts_are_judged_once() -> None:
    clf = CountingClassifier()
    pipe = Pipeline(CAMPAIGN, clf, get_detector_quiet())
    original = make_post(1, "Such gentle crowd control #myNYPD", author="activist")
    pipe.process([original])
    repost = make_post(2, "", author="fan", repost_of="1")
    same_text = make_post(3, "Such gentle crowd control #myNYPD", author="other")
    pipe.process([repost, same_text])
    assert clf.seen == 1
    ((_, verdict),) = pipe.classify([make_post(4, "", author="x", repost_of="1")])
    assert verdict.inherited_from == "1"


def get_detector_quiet():  # type: ignore[no-untyped-def]
    from backfire.warn import get_detector

    return get_detector("default", campaign=CAMPAIGN)


def test_reviewer_labels_in_the_store_adapt_the_verdicts(fresh_store: Store) -> None:
    fresh_store.save_campaign(CAMPAIGN)
    post = make_post(1, "What a day at the precinct open house #myNYPD", author="visitor")
    fresh_store.add_posts([post], "c")
    base = DefaultClassifier.shared()
    before = base.predict_one(post, CAMPAIGN)
    flipped = "hostile" if before.stance != "hostile" else "support"
    at = datetime(2014, 4, 23, tzinfo=UTC)
    fresh_store.add_label(Label("c", post.key, flipped, "rev", "reads as mockery in context", at))
    pipe = Pipeline(CAMPAIGN, base, get_detector_quiet(), store=fresh_store)
    assert pipe.classifier is not base
    ((_, after),) = pipe.classify([post])
    assert after.stance == flipped


def test_a_live_jetstream_stream_matches_an_owner_given_by_handle_from_the_batch_that_names_it(
        tmp_path) -> None:  # type: ignore[no-untyped-def]
    from backfire.simulate import write_simulation
    from backfire.sources import accounts_named, read_posts
    from backfire.warn.detector import HijackDetector

    path = tmp_path / "bluesky.jsonl"
    sim, _ = write_simulation("viral-success", 2, path, "jetstream", hours=1)
    posts = sorted(read_posts(path, "jetstream"), key=lambda p: p.created_at)  # raw records kept, as live
    handle = sim.campaign.owners[0]
    did = accounts_named(posts)[handle.casefold()]
    batches = [posts[i:i + 40] for i in range(0, len(posts), 40)]
    named = next(i for i, b in enumerate(batches) if handle.casefold() in accounts_named(b))
    early = sum(p.author.handle == did for b in batches[:named] for p in b)  # before any post names it
    seen = {}
    for owner in (handle, did):
        camp = Campaign(name="c", tags=sim.campaign.tags, owners=[owner])
        pipe = Pipeline(camp, get_classifier("baseline"), HijackDetector(camp))
        for batch in batches:
            pipe.process(batch)
        assert camp.is_owner(did)
        seen[owner] = pipe.detector.posts_seen  # type: ignore[attr-defined]
    owner_posts = sum(p.author.handle == did for p in posts)
    assert owner_posts > early and seen[handle] == seen[did] + early
