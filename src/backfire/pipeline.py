"""The pipeline of one campaign: classify -> detect -> store -> alert, a batch of posts at a time.

The same object runs archives (`analyze`, `demo`) and live streams (`watch`): feed it posts in time
order with `process`, read alarms as they fire.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from backfire.model import Alarm, Campaign, Post, Verdict
from backfire.sources import accounts_named
from backfire.store import Store
from backfire.understand import classify_posts, get_classifier
from backfire.understand.adapt import adapt
from backfire.understand.base import Classifier
from backfire.understand.stream import TextCache
from backfire.warn import get_detector
from backfire.warn.base import Detector

AlarmHook = Callable[[Alarm, Post], None]


@dataclass
class PipelineCounts:
    posts: int = 0
    stances: Counter[str] = field(default_factory=Counter)
    alarms: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"posts": self.posts, "stances": dict(self.stances), "alarms": self.alarms}


class Pipeline:
    """Classify, detect, store and alert for `campaign`.

    `store` is optional (a pipeline over a file needs none); `on_alarm` is called with each alarm and
    the post that raised it, e.g. to print it or send it to alert channels.
    """

    def __init__(
        self,
        campaign: Campaign,
        classifier: Classifier | None = None,
        detector: Detector | None = None,
        store: Store | None = None,
        on_alarm: Sequence[AlarmHook] = (),
    ) -> None:
        self.campaign = campaign
        base = classifier if classifier is not None else get_classifier("default")
        self.classifier = with_corrections(base, store, campaign) if store is not None else base
        self.cache = TextCache()
        self.detector = detector if detector is not None else get_detector("default", campaign=campaign)
        self.store = store
        self.on_alarm = list(on_alarm)
        self.counts = PipelineCounts()
        self.alarms: list[Alarm] = []

    def __repr__(self) -> str:
        return (
            f"Pipeline(campaign={self.campaign.name!r}, classifier={self.classifier.name!r}, "
            f"detector={self.detector.name!r}, store={self.store!r})"
        )

    def classify(self, posts: Iterable[Post]) -> Iterator[tuple[Post, Verdict]]:
        """Verdicts for `posts`, in order, each distinct text classified once."""
        return classify_posts(posts, self.campaign, self.classifier, cache=self.cache)

    def process(self, posts: Iterable[Post]) -> list[Alarm]:
        """Run one batch of posts (time order) through the pipeline; return the alarms it raised. An
        owner given by handle is matched from the batch whose mentions first name its account id."""
        posts = list(posts)
        if self.campaign.owners:  # (a campaign known by its tag alone has no one to resolve)
            resolve_owners(self.campaign, accounts_named(posts))
        pairs = list(self.classify(posts))
        if self.store is not None:
            self.store.save_verdicts(self.campaign.name, ((p.key, v) for p, v in pairs))
        return [alarm for post, verdict in pairs if (alarm := self._detect(post, verdict)) is not None]

    def _detect(self, post: Post, verdict: Verdict) -> Alarm | None:
        self.counts.posts += 1
        self.counts.stances[verdict.stance] += 1
        alarm = self.detector.update(post, verdict)
        if alarm is None:
            return None
        alarm.campaign = alarm.campaign or self.campaign.name
        self.counts.alarms += 1
        self.alarms.append(alarm)
        if self.store is not None:
            self.store.save_alarm(self.campaign.name, alarm)
        for hook in self.on_alarm:
            hook(alarm, post)
        return alarm

    def run(self, posts: Iterable[Post], batch_size: int = 512,
            progress: Callable[[int], None] | None = None) -> list[Alarm]:
        """Process a whole time-ordered stream in batches; return every alarm raised."""
        stream = iter(posts)
        raised: list[Alarm] = []
        while batch := list(islice(stream, batch_size)):
            raised.extend(self.process(batch))
            if progress is not None:
                progress(self.counts.posts)
        return raised

    def summary(self) -> dict[str, Any]:
        return {"campaign": self.campaign.name, **self.counts.as_dict()}


def with_corrections(classifier: Classifier, store: Store, campaign: Campaign) -> Classifier:
    """`classifier` adapted to the reviewer labels stored for `campaign` (the latest label of a post wins)."""
    latest = {label.post_key: label.stance for label in store.labels(campaign.name)}
    examples = [(post, stance) for key, stance in latest.items() if (post := store.get_post(key)) is not None]
    return adapt(classifier, examples) if examples else classifier


def analyze_campaign(
    store: Store,
    campaign: Campaign,
    classifier: Classifier | None = None,
    detector: Detector | None = None,
    on_alarm: Sequence[AlarmHook] = (),
    progress: Callable[[int], None] | None = None,
) -> Pipeline:
    """Run every stored post of `campaign`, in time order, through a fresh pipeline."""
    pipeline = Pipeline(campaign, classifier, detector, store=store, on_alarm=on_alarm)
    # with raw records: a Bluesky post names the accounts it mentions by DID only in them (owner resolution)
    pipeline.run(store.posts(campaign.name), progress=progress)
    return pipeline


def resolve_owners(campaign: Campaign, names: Mapping[str, str]) -> None:
    """Add to `campaign.owners` the account id the posts pair with each owner given by handle (`names`,
    from `sources.accounts_named`): Jetstream names authors by DID alone, so `--owner apple.bsky.social`
    matches the owner's posts only once a mention has named its DID (a file's mentions are all read
    first by `jobs.detect_file`; a live stream's, batch by batch in `Pipeline.process`).

    >>> c = Campaign.for_tag("AAPL", owner="@Apple.bsky.social")
    >>> resolve_owners(c, {"apple.bsky.social": "did:plc:abc"}); c.owners
    ['Apple.bsky.social', 'did:plc:abc']
    """
    for owner in list(campaign.owners):
        account = names.get(owner.lstrip("@").casefold())
        if account and not campaign.is_owner(account):
            campaign.owners.append(account)
