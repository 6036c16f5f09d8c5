"""Post texts for simulated streams: the project's own templates, filled and varied at random.

A template names slots (`{good_scene}`, `{bad_scene}`, `{praise}`...) filled from a `Profile`; then
`vary` perturbs casing, emoji, typos, fillers and extra hashtags, so no two streams share many texts.

>>> import random
>>> from backfire.simulate.profiles import PROFILES
>>> text = compose("sarcastic", PROFILES["police"], random.Random(1))
>>> "#myNYPD" in text or "#mynypd" in text.casefold()
True
"""

from __future__ import annotations

import random
import string

from backfire.simulate.profiles import Profile

#: Kinds of text and whether they are hostile toward the campaign.
HOSTILE_KINDS = ("hostile", "sarcastic", "mock_ad", "service_parody", "copycat", "reply_agree")
SARCASTIC_KINDS = ("sarcastic", "mock_ad", "service_parody")

TEMPLATES: dict[str, tuple[str, ...]] = {
    "support": (
        "Proud of our {people}! {good_scene_cap} {emoji_pos} #{tag}",
        "Me and a {person} {place} {emoji_pos} #{tag} @{owner}",
        "Thank you @{owner}, your {person} was {good_scene}! #{tag}",
        "#{tag} a {person} {good_scene}. Made our day {emoji_pos}",
        "Best day ever: a {person} {good_scene} #{tag}",
        "Love this idea @{owner}! Here's our photo {place} #{tag}",
        "So grateful for the {people} who keep us going {emoji_pos} #{tag}",
        "My kids still talk about the {person} {good_scene} #{tag}",
        "Shoutout to the {person} {good_scene}, you rock {emoji_pos} #{tag}",
        "Posting for #{tag}: {good_scene}. Thank you!",
        "#{tag} is the best thing on my feed today {emoji_pos}",
        "Everyone go post your photos with the {people}! #{tag}",
        "Wholesome: {good_scene} #{tag} {emoji_pos}",
        "A {person} {good_scene} and nobody even asked. Respect. #{tag}",
        "Here's my #{tag} moment, {good_scene} {emoji_pos}",
        "Never had a better experience with {org}. {good_scene_cap}. #{tag}",
        "Great campaign {org}! Our photo: {good_scene} #{tag}",
        "Happy to share this one {place} with the {people} {emoji_pos} #{tag}",
    ),
    "neutral": (
        "What is #{tag} about?",
        "Saw #{tag} trending, checking it out",
        "Interesting campaign from @{owner} #{tag}",
        "Reading through the #{tag} posts",
        "News: {org} launches #{tag} photo campaign",
        "Curious how #{tag} will go",
        "Anyone else seeing #{tag} everywhere?",
        "Live blog: reactions to #{tag} so far",
        "Wait, is #{tag} an official thing?",
        "{org_cap} is asking people to post photos with its {people} #{tag}",
        "Marketing class assignment: analyse #{tag}",
        "#{tag} has {n}k posts already",
        "Following #{tag} for a story, DMs open",
    ),
    "hostile": (
        "Here's my #{tag} photo: {people} {bad_scene}. {emoji_neg}",
        "You want photos @{owner}? Here's your {person} {bad_scene}. #{tag}",
        "#{tag} {bad_scene_cap}. This is who they are.",
        "Never forget {org} {bad_scene} #{tag}",
        "Disgusting. {org_cap} {bad_scene_short} and now asks for selfies #{tag}",
        "Nobody should celebrate {org} after {bad_scene} #{tag}",
        "This is the real #{tag}: {bad_scene} {emoji_neg}",
        "Shame on you @{owner}. #{tag} = {bad_scene}",
        "#{tag} more like {bad_scene}. Delete this campaign.",
        "Worst idea ever @{owner}, we all remember {bad_scene} #{tag}",
        "How about a photo of the {people} {bad_scene}? #{tag}",
        "I'll never trust {org} again after {bad_scene} #{tag} {emoji_neg}",
    ),
    "sarcastic": (
        "Such {praise} {service} #{tag}",
        "Look how {praise} the {people} are, {bad_scene} {emoji_sarc} #{tag}",
        "Nothing says community like {bad_scene} #{tag}",
        "Aww, the {people} making new friends {place}! (by {bad_scene}) #{tag}",
        "{praise_cap} {service} at its finest {emoji_sarc} #{tag}",
        "Thank you @{owner} for {bad_scene}, truly heartwarming #{tag}",
        "My favourite #{tag} moment: {bad_scene}. So {praise}! {emoji_sarc}",
        "Here's a {person} being extremely {praise} {emoji_sarc} #{tag}",
        "Truly the most {praise} {people} in the world #{tag} {emoji_sarc}",
        "Great photo op: {bad_scene} #{tag} {emoji_sarc}",
        "Wow, so {praise}. {bad_scene_cap}. Love it #{tag}",
        "Just {people} being {praise} as usual {emoji_sarc} #{tag}",
        "Making memories with {org}: {bad_scene}! {emoji_pos} #{tag}",
        "Feeling so safe right now {emoji_sarc} #{tag}",
    ),
    "mock_ad": (
        "New from {org}: {product}! Now with extra {service}. #{tag}",
        "Introducing {product}. Because you deserve {service}. #{tag}",
        "Ask your doctor if {product} is right for you #{tag}",
        "{product_cap}: {bad_scene}, now 50% off #{tag}",
        "{org_cap}. {bad_scene_cap}. Since forever. #{tag}",
        "Limited time only: {product} with every {service} complaint #{tag}",
        "Upgrade today to {product}. Terms and bruises apply. #{tag}",
    ),
    "service_parody": (
        "Hi @{owner}, I'd like to report a problem with your {service}: {bad_scene}. #{tag}",
        "Dear {org} support, my {service} came with {bad_scene}. Refund? #{tag}",
        "Rate your experience with {org}: 1 star, {bad_scene} #{tag}",
        "@{owner} your {service} team is {praise} as always. Ticket {n}: {bad_scene} #{tag}",
        "Customer review: {n}/10 {service}. {bad_scene_cap}. Would not recommend. #{tag}",
        "Thank you for contacting {org}. Your complaint about {bad_scene} is important to us #{tag}",
        "Press 1 for {service}. Press 2 for {bad_scene}. #{tag}",
    ),
    "copycat": (
        "Same story here #{copy} #{tag}: {bad_scene}",
        "Don't forget #{copy}, the {people} {bad_scene} {emoji_neg} #{tag}",
        "#{copy} is the new #{tag}: {bad_scene}",
        "Starting #{copy} because they also love {bad_scene} #{tag}",
        "#{tag} #{copy} same {praise} {service} everywhere {emoji_sarc}",
        "Our turn: #{copy}. {bad_scene_cap}. #{tag}",
    ),
    "reply_agree": (
        "This. #{tag}",
        "Exactly this {emoji_neg}",
        "lol the replies to #{tag} are gold",
        "{org_cap} really didn't see this coming #{tag}",
        "Hashtag backfire of the year #{tag}",
        "Saving this before they delete it #{tag}",
        "The campaign is going great, @{owner} {emoji_sarc}",
    ),
    "reply_defend": (
        "Not all {people} are like that #{tag}",
        "Lovely photo, thank you for sharing {emoji_pos}",
        "Ignore the haters, great campaign @{owner}",
        "Our {people} deserve better than this #{tag}",
    ),
}

_PRAISE = ("gentle", "friendly", "caring", "helpful", "warm", "kind", "courteous", "compassionate", "lovely")
_EMOJI_POS = ("😊", "❤️", "👮", "🙌", "👍", "🥰", "✨", "💙", "🇺🇸", "")
_EMOJI_NEG = ("😡", "🤬", "😢", "💔", "👎", "😤", "")
_EMOJI_SARC = ("🙃", "😂", "🤡", "👏", "😇", "🤣", "💅", "")
_FILLERS = ("lol ", "ok so ", "omg ", "Honestly, ", "ngl ", "wow ", "", "", "")


def compose(kind: str, profile: Profile, rng: random.Random, copy_tag: str | None = None) -> str:
    """A fresh text of `kind` about the campaign of `profile`, varied by `vary`."""
    template = rng.choice(TEMPLATES[kind])
    text = template.format(**_slots(profile, rng, copy_tag))
    return vary(text, rng, profile, critic=kind in HOSTILE_KINDS)


def _slots(profile: Profile, rng: random.Random, copy_tag: str | None) -> dict[str, str]:
    """One random filling of every slot a template may name."""
    bad = rng.choice(profile.bad_scenes)
    good = rng.choice(profile.good_scenes)
    praise = rng.choice(_PRAISE)
    product = rng.choice(profile.products)
    return {
        "tag": profile.tag,
        "owner": profile.owner,
        "org": profile.org,
        "org_cap": _cap(profile.org),
        "people": rng.choice(profile.people),
        "person": rng.choice(profile.person),
        "good_scene": good,
        "good_scene_cap": _cap(good),
        "place": rng.choice(profile.places),
        "bad_scene": bad,
        "bad_scene_cap": _cap(bad),
        "bad_scene_short": bad.split(" ", 1)[0],
        "service": rng.choice(profile.services),
        "product": product,
        "product_cap": _cap(product),
        "praise": praise,
        "praise_cap": _cap(praise),
        "emoji_pos": rng.choice(_EMOJI_POS),
        "emoji_neg": rng.choice(_EMOJI_NEG),
        "emoji_sarc": rng.choice(_EMOJI_SARC),
        "copy": copy_tag or rng.choice(profile.copycat_tags),
        "n": str(rng.randint(2, 99)),
    }


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def vary(text: str, rng: random.Random, profile: Profile | None = None, critic: bool = False) -> str:
    """Perturb a text the way people write: fillers, typos, casing, punctuation, extra tags
    (a `critic` may also add the profile's critical tags, such as #boycott).

    >>> vary("Such gentle crowd control #myNYPD", random.Random(0)).count("#myNYPD") <= 1
    True
    """
    text = " ".join(text.split())
    if rng.random() < 0.25:
        text = rng.choice(_FILLERS) + text[:1].lower() + text[1:]
    if rng.random() < 0.2:
        text = _typo(text, rng)
    if rng.random() < 0.15:
        text = text.replace(".", rng.choice(("!", "!!", "...", "."))).replace("!", rng.choice(("!", "!!!")))
    tags = () if profile is None else profile.extra_tags + (profile.critical_tags if critic else ())
    if tags and rng.random() < 0.2:
        text = f"{text} #{rng.choice(tags)}"
    roll = rng.random()
    if roll < 0.06:
        text = text.lower()
    elif roll < 0.09:
        text = _upper_words(text)
    return text.strip()


def _typo(text: str, rng: random.Random) -> str:
    """Swap, drop or double one letter of one ordinary word (never a tag or mention)."""
    words = text.split(" ")
    plain = [i for i, w in enumerate(words) if len(w) > 3 and w[0] not in "#@" and w.isalpha()]
    if not plain:
        return text
    i = rng.choice(plain)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    op = rng.randrange(3)
    if op == 0:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif op == 1:
        w = w[:j] + w[j + 1 :]
    else:
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)


def _upper_words(text: str) -> str:
    return " ".join(w if w[:1] in "#@" else w.upper() for w in text.split(" "))


def alt_text(profile: Profile, hostile: bool, rng: random.Random) -> str:
    """The alt text of a photo: force or failure for hostile posts, friendly scenes otherwise."""
    base = rng.choice(profile.alt_bad if hostile else profile.alt_good)
    suffix = rng.choice(("", "", ", daytime", ", night", ", phone photo", ", blurry"))
    return base + suffix


def media_url(rng: random.Random) -> str:
    """A plausible image URL with a random 15-character name."""
    name = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(15))
    return f"https://pbs.twimg.com/media/{name}.jpg"
