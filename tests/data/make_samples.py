"""Write the hand-made sample archives in tests/data (run: python tests/data/make_samples.py).

Every text, account and id below was written for backfire: no real posts. The campaign is the Harbor
City Police Department's #MyHCPD ("share your photo with one of our officers"), which some people
use as asked and others turn against it; a few records use the copycat tag #MyHCFD and a brand tag.
The records follow each platform's documented field names; this script only computes the parts that are
tedious by hand (entity indices, UTF-8 byte offsets of facets, JSON-in-JSON payloads) and is kept so
the samples can be changed in one place. The samples are never produced with backfire's own `to_raw`.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
TAG = "MyHCPD"
OWNER = {"id": 401000001, "id_str": "401000001", "screen_name": "HarborCityPD", "name": "Harbor City Police",
         "followers_count": 218400, "verified": True, "created_at": "Mon Mar 02 14:00:00 +0000 2009"}


def user(uid: int, handle: str, name: str, followers: int | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": uid, "id_str": str(uid), "screen_name": handle, "name": name, **extra}
    if followers is not None:
        out["followers_count"] = followers
    return out


def v1_entities(text: str, urls: list[tuple[str, str]] = ()) -> dict[str, Any]:
    """Entities with code-point indices, as Twitter computes them."""
    import re

    tags = [{"text": m.group(1), "indices": [m.start(), m.end()]} for m in re.finditer(r"#(\w+)", text)]
    mentions = [{"screen_name": m.group(1), "name": m.group(1), "id_str": str(1000 + len(m.group(1))),
                 "indices": [m.start(), m.end()]} for m in re.finditer(r"@(\w+)", text)]
    links = []
    for short, expanded in urls:
        at = text.find(short)
        links.append({"url": short, "expanded_url": expanded, "display_url": expanded.split("//")[1][:24],
                      "indices": [at, at + len(short)]})
    return {"hashtags": tags, "user_mentions": mentions, "urls": links, "symbols": []}


def tweet(tid: int, when: str, text: str, who: dict[str, Any], **extra: Any) -> dict[str, Any]:
    # Twitter escapes &, < and > in text; the entities index the escaped text.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = {"created_at": when, "id": tid, "id_str": str(tid), "text": escaped, "truncated": False,
           "in_reply_to_status_id": None, "in_reply_to_status_id_str": None, "in_reply_to_screen_name": None,
           "user": who, "is_quote_status": False, "retweet_count": 0, "favorite_count": 0,
           "entities": v1_entities(escaped, extra.pop("urls", [])), "lang": extra.pop("lang", "en")}
    out.update(extra)
    return out


def v1_media(mid: int, url: str, alt: str | None = None, kind: str = "photo") -> dict[str, Any]:
    out = {"id": mid, "id_str": str(mid), "type": kind, "media_url_https": f"https://pbs.twimg.com/media/{url}",
           "url": "https://t.co/" + url[:10], "display_url": "pic.twitter.com/" + url[:10]}
    if alt is not None:
        out["ext_alt_text"] = alt
    return out


def twitter_v1() -> list[dict[str, Any]]:
    launch = tweet(460100000000000001, "Tue Apr 22 18:02:11 +0000 2014",
                   "Got a photo with one of our officers? Share it with #MyHCPD and we may feature it! 📸",
                   OWNER, retweet_count=812)
    dog = tweet(460100000000000002, "Tue Apr 22 18:09:40 +0000 2014",
                "@HarborCityPD Officer Reyes helped my daughter find our lost dog ❤️ #MyHCPD",
                user(5001, "marisol_walks", "Marisol", 312),
                in_reply_to_status_id=460100000000000001, in_reply_to_status_id_str="460100000000000001",
                in_reply_to_screen_name="HarborCityPD")
    photo = v1_media(460100000000000903, "BmDogReunion1.jpg", "An officer kneels to pet a small brown dog")
    dog["entities"]["media"] = [photo]
    dog["extended_entities"] = {"media": [photo, v1_media(460100000000000904, "BmDogReunion2.jpg")]}
    spray = tweet(460100000000000010, "Tue Apr 22 20:01:02 +0000 2014",
                  "My favourite #MyHCPD moment: the friendly pepper spray at the tenants' march. "
                  "So community-minded! https://t.co/aB3dE",
                  user(7001, "harbor_watch", "Harbor Watch", 48200),
                  urls=[("https://t.co/aB3dE", "https://harborwatch.example.org/march-report")])
    spray_media = v1_media(460100000000000911, "BmSprayLine.jpg", None)
    spray["entities"]["media"] = [spray_media]
    spray["extended_entities"] = {"media": [spray_media]}
    rt_launch = tweet(460100000000000003, "Tue Apr 22 18:12:00 +0000 2014",
                      "RT @HarborCityPD: Got a photo with one of our officers? Share it with #MyHCPD and we may "
                      "feature it! 📸", user(5002, "dan_on_5th", "Dan", 87), retweeted_status=launch)
    rt_spray = tweet(460100000000000012, "Tue Apr 22 20:03:30 +0000 2014",
                     "RT @harbor_watch: My favourite #MyHCPD moment: the friendly pepper spray at the tenants' "
                     "march. So community-minded!…", user(7002, "civil_lines", "Civil Lines", 130500),
                     retweeted_status=spray)
    rt_rt = tweet(460100000000000015, "Tue Apr 22 20:05:10 +0000 2014",
                  "RT @civil_lines: RT @harbor_watch: My favourite #MyHCPD moment: the friendly pepper spray…",
                  user(7003, "nightbus_ana", "Ana", 640), retweeted_status=rt_spray)
    quote = tweet(460100000000000020, "Tue Apr 22 20:20:00 +0000 2014",
                  "Oh sure, let me share my #MyHCPD photo… of the kettle on Main St 🙃 https://t.co/q1",
                  user(7004, "lena_k", "Lena K", 2100), is_quote_status=True,
                  quoted_status_id=460100000000000001, quoted_status_id_str="460100000000000001",
                  quoted_status=launch, urls=[("https://t.co/q1", "https://twitter.com/HarborCityPD/status/1")])
    long_text = ("Thread: I filed a complaint after being stopped three times in one week walking home from my "
                 "night shift. Still no answer. Is that the kind of photo #MyHCPD wants? I'll wait. #HarborCity")
    long = tweet(460100000000000030, "Tue Apr 22 21:00:00 +0000 2014", long_text[:139] + "…",
                 user(7005, "ojo_andre", "André", 950), truncated=True,
                 extended_tweet={"full_text": long_text, "display_text_range": [0, len(long_text)],
                                 "entities": v1_entities(long_text)})
    long["entities"] = v1_entities(long["text"])
    rest = tweet(460100000000000031, "Tue Apr 22 21:05:00 +0000 2014", "", user(7006, "gus_t", "Gus", 75))
    rest.pop("text")
    rest["full_text"] = "Cops &amp; coffee on Pier 3 this morning, they were lovely &lt;3 #MyHCPD"
    rest["entities"] = v1_entities(rest["full_text"])
    rest["display_text_range"] = [0, 70]
    arabic = tweet(460100000000000040, "Tue Apr 22 19:00:00 +0000 2014",
                   "شكراً لشرطة هاربر سيتي على تنظيم مهرجان الحي #MyHCPD", user(5003, "noor_hc", "نور", 410),
                   lang="ar")
    hebrew = tweet(460100000000000041, "Tue Apr 22 22:40:00 +0000 2014",
                   "וזו התמונה שלי עם השוטרים: אזיקים ואלות. תודה רבה #MyHCPD 🙄",
                   user(7007, "yael_bd", "יעל", 1800), lang="iw")
    japanese = tweet(460100000000000042, "Tue Apr 22 19:30:00 +0000 2014",
                     "観光中に警察官と写真を撮りました！とても親切でした #MyHCPD 🚓",
                     user(5004, "tabi_kenji", "けんじ", 230), lang="ja")
    bare = {"created_at": "Tue Apr 22 19:45:00 +0000 2014", "id": 460100000000000050,
            "text": "Great turnout at the #MyHCPD community picnic today",
            "user": {"id": 5005, "screen_name": "picnic_pat"}}
    reply_hostile = tweet(460100000000000060, "Tue Apr 22 23:10:00 +0000 2014",
                          "@HarborCityPD is this the \"open dialogue\" you promised? Still waiting on the "
                          "footage. #MyHCPD #MyHCFD", user(7008, "ruth_asks", "Ruth", 5600),
                          in_reply_to_status_id=460100000000000001, in_reply_to_status_id_str="460100000000000001",
                          in_reply_to_screen_name="HarborCityPD")
    page = {"statuses": [
        tweet(460100000000000070, "Wed Apr 23 09:00:00 +0000 2014",
              "Customer service at its finest: ask a question, get a baton. #MyHCPD",
              user(7009, "dry_wit_dee", "Dee", 3300)),
        tweet(460100000000000071, "Wed Apr 23 09:02:00 +0000 2014",
              "Our crossing guard officer knows every kid by name. #MyHCPD 👮‍♀️",
              user(5006, "school_mom_liz", "Liz", 140)),
    ], "search_metadata": {"count": 2, "query": "%23MyHCPD", "max_id_str": "460100000000000071"}}
    delete = {"delete": {"status": {"id": 460100000000000099, "id_str": "460100000000000099",
                                    "user_id": 7010, "user_id_str": "7010"}, "timestamp_ms": "1398211200000"}}
    limit = {"limit": {"track": 1240, "timestamp_ms": "1398211260000"}}
    return [launch, dog, rt_launch, spray, rt_spray, rt_rt, quote, long, rest, arabic, delete, hebrew,
            japanese, bare, reply_hostile, page, limit]


# ------------------------------------------------------------------------------------------ v2
def v2_user(uid: str, username: str, name: str, followers: int) -> dict[str, Any]:
    return {"id": uid, "username": username, "name": name, "created_at": "2015-06-01T12:00:00.000Z",
            "verified": False, "public_metrics": {"followers_count": followers, "following_count": 200,
                                                  "tweet_count": 3000, "listed_count": 4}}


def v2_entities(text: str) -> dict[str, Any]:
    import re

    out: dict[str, Any] = {}
    tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in re.finditer(r"#(\w+)", text)]
    mentions = [{"start": m.start(), "end": m.end(), "username": m.group(1), "id": str(900 + m.start())}
                for m in re.finditer(r"@(\w+)", text)]
    if tags:
        out["hashtags"] = tags
    if mentions:
        out["mentions"] = mentions
    return out


def v2_tweet(tid: str, when: str, text: str, author: dict[str, Any], **extra: Any) -> dict[str, Any]:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out: dict[str, Any] = {"id": tid, "text": escaped, "created_at": when, "author_id": author["id"],
                           "conversation_id": extra.pop("conversation_id", tid), "edit_history_tweet_ids": [tid],
                           "lang": extra.pop("lang", "en"), "possibly_sensitive": False,
                           "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0,
                                              "quote_count": 0}}
    entities = v2_entities(escaped)
    if entities:
        out["entities"] = entities
    out.update(extra)
    return out


V2_USERS = {
    "owner": v2_user("401000001", "HarborCityPD", "Harbor City Police", 240100),
    "fan": v2_user("5101", "bikelane_bo", "Bo", 560),
    "critic": v2_user("7101", "harbor_watch", "Harbor Watch", 51200),
    "amp": v2_user("7102", "civil_lines", "Civil Lines", 131000),
    "wit": v2_user("7103", "lena_k", "Lena K", 2300),
    "ar": v2_user("5102", "salma_hc", "سلمى", 380),
    "zh": v2_user("5103", "wei_visits", "小伟", 120),
}
TWARC = {"url": "https://api.twitter.com/2/tweets/search/recent?query=%23MyHCPD", "version": "2.14.0",
         "retrieved_at": "2022-04-23T10:00:00+00:00"}


def v2_base() -> dict[str, dict[str, Any]]:
    u = V2_USERS
    return {
        "launch": v2_tweet("1517500000000000001", "2022-04-22T18:00:00.000Z",
                           "Proud of the officers who serve Harbor City. Post your photo with them using #MyHCPD!",
                           u["owner"], attachments={"media_keys": ["3_1517500000000000901"]}),
        "fan": v2_tweet("1517500000000000002", "2022-04-22T18:05:00.000Z",
                        "Officer Tran fixed my bike chain at the light, legend 🚲 #MyHCPD", u["fan"],
                        attachments={"media_keys": ["3_1517500000000000902"]}),
        "critic": v2_tweet("1517500000000000010", "2022-04-22T19:40:00.000Z",
                           "Love the #MyHCPD vibes: here's a lovely shot of the riot line at City Hall. Smile! 😊",
                           u["critic"], attachments={"media_keys": ["7_1517500000000000910"]}),
    }


V2_MEDIA = {
    "3_1517500000000000901": {"media_key": "3_1517500000000000901", "type": "photo",
                              "url": "https://pbs.twimg.com/media/FRlaunch01.jpg", "width": 1200, "height": 800,
                              "alt_text": "Three officers smiling at the spring fair"},
    "3_1517500000000000902": {"media_key": "3_1517500000000000902", "type": "photo",
                              "url": "https://pbs.twimg.com/media/FRbike02.jpg", "width": 1024, "height": 768},
    "7_1517500000000000910": {"media_key": "7_1517500000000000910", "type": "video",
                              "preview_image_url": "https://pbs.twimg.com/ext_tw_video_thumb/910/pu/img/line.jpg",
                              "duration_ms": 21000, "alt_text": "Officers in helmets push protesters back"},
}


def flat(t: dict[str, Any], author: dict[str, Any] | None, refs: list[dict[str, Any]] = ()) -> dict[str, Any]:
    out = dict(t)
    if author is not None:
        out["author"] = author
    keys = out.get("attachments", {}).get("media_keys", [])
    if keys:
        out["attachments"] = {"media_keys": keys, "media": [V2_MEDIA[k] for k in keys]}
    if refs:
        out["referenced_tweets"] = refs
    out["__twarc"] = TWARC
    return out


def twitter_v2_flat() -> list[dict[str, Any]]:
    u, b = V2_USERS, v2_base()
    launch_ref = {"type": "quoted", **flat(b["launch"], u["owner"])}
    launch_ref.pop("__twarc")
    critic_rt = {"type": "retweeted", **flat(b["critic"], u["critic"])}
    critic_rt.pop("__twarc")
    long_text = ("Long post, because this deserves it: the #MyHCPD account keeps sharing smiling tourists "
                 "while three families on Dock Street are still waiting for answers about last month's raid. "
                 "Feature that photo. Feature their door, kicked in at 5am. We'll keep posting until you do. "
                 "#HarborCity")
    replied = v2_tweet("1517500000000000040", "2022-04-22T20:30:00.000Z",
                       "@HarborCityPD thank you for closing Elm St for the kids' parade! #MyHCPD", u["fan"],
                       conversation_id="1517500000000000001", in_reply_to_user_id="401000001",
                       referenced_tweets=[{"type": "replied_to", "id": "1517500000000000001"}])
    return [
        flat(b["launch"], u["owner"]),
        flat(b["fan"], u["fan"]),
        flat(b["critic"], u["critic"]),
        flat(v2_tweet("1517500000000000011", "2022-04-22T19:42:00.000Z",
                      "RT @harbor_watch: Love the #MyHCPD vibes: here's a lovely shot of the riot line at City "
                      "Hall. Smile! 😊", u["amp"]), u["amp"], [critic_rt]),
        flat(v2_tweet("1517500000000000020", "2022-04-22T19:50:00.000Z",
                      "Best ad campaign of the year. 10/10, would get kettled again #MyHCPD https://t.co/Zq9",
                      u["wit"]), u["wit"], [launch_ref]),
        flat({k: v for k, v in replied.items() if k != "referenced_tweets"}, u["fan"],
             [{"type": "replied_to", "id": "1517500000000000001"}]),
        flat(v2_tweet("1517500000000000050", "2022-04-22T21:00:00.000Z", long_text[:277] + "…", u["critic"],
                      note_tweet={"text": long_text, "entities": v2_entities(long_text)}), u["critic"]),
        flat(v2_tweet("1517500000000000060", "2022-04-22T18:30:00.000Z",
                      "الشرطة ساعدتني في إيجاد محفظتي، شكراً جزيلاً #MyHCPD", u["ar"], lang="ar"), u["ar"]),
        flat(v2_tweet("1517500000000000061", "2022-04-22T18:31:00.000Z",
                      "和警察叔叔合影，太友好了！#MyHCPD 👮", u["zh"], lang="zh"), u["zh"]),
        flat(v2_tweet("1517500000000000070", "2022-04-22T22:15:00.000Z",
                      "Nothing says community like \"move along\" & a zip tie <3 #MyHCPD",
                      u["wit"]), u["wit"]),
        {"id": "1517500000000000080", "text": "picnic photos from the #MyHCPD fair are up",
         "created_at": "2022-04-22T22:30:00.000Z", "author_id": "5199", "edit_history_tweet_ids":
         ["1517500000000000080"]},
        flat(v2_tweet("1517500000000000090", "2022-04-22T22:45:00.000Z",
                      "RT @civil_lines: RT @harbor_watch: Love the #MyHCPD vibes…", u["fan"]), u["fan"],
             [{"type": "retweeted", "id": "1517500000000000010"}]),
        flat(v2_tweet("1517500000000000091", "2022-04-23T08:00:00.000Z",
                      "Rain or shine they direct traffic outside the school. Respect. #MyHCPD", u["fan"],
                      lang="und"), None),
    ]


def twitter_v2_pages() -> list[dict[str, Any]]:
    u, b = V2_USERS, v2_base()
    rt = v2_tweet("1517500000000000012", "2022-04-22T19:45:00.000Z",
                  "RT @harbor_watch: Love the #MyHCPD vibes: here's a lovely shot of the riot line at City Hall…",
                  u["amp"], referenced_tweets=[{"type": "retweeted", "id": "1517500000000000010"}])
    quote = v2_tweet("1517500000000000021", "2022-04-22T19:55:00.000Z",
                     "They asked for photos. They got photos. #MyHCPD", u["wit"],
                     referenced_tweets=[{"type": "quoted", "id": "1517500000000000001"}])
    reply = v2_tweet("1517500000000000041", "2022-04-22T20:35:00.000Z",
                     "@HarborCityPD will you feature the photos from City Hall too? #MyHCPD", u["critic"],
                     conversation_id="1517500000000000001", in_reply_to_user_id="401000001",
                     referenced_tweets=[{"type": "replied_to", "id": "1517500000000000001"}])
    page1 = {"data": [b["fan"], b["critic"], rt],
             "includes": {"users": [u["fan"], u["critic"], u["amp"]], "tweets": [b["critic"]],
                          "media": [V2_MEDIA["3_1517500000000000902"], V2_MEDIA["7_1517500000000000910"]]},
             "meta": {"newest_id": "1517500000000000012", "oldest_id": "1517500000000000002", "result_count": 3,
                      "next_token": "b26v89c19zqg8o3f"},
             "__twarc": TWARC}
    page2 = {"data": [quote, reply, b["launch"]],
             "includes": {"users": [u["wit"], u["critic"], u["owner"]], "tweets": [b["launch"]],
                          "media": [V2_MEDIA["3_1517500000000000901"]]},
             "meta": {"newest_id": "1517500000000000041", "oldest_id": "1517500000000000001", "result_count": 3},
             "__twarc": TWARC}
    empty = {"meta": {"result_count": 0}, "__twarc": TWARC}
    return [page1, page2, empty]


# ------------------------------------------------------------------------------------------ Jetstream
def facet(text: str, needle: str, feature: dict[str, Any]) -> dict[str, Any]:
    at = text.encode("utf-8").find(needle.encode("utf-8"))
    assert at >= 0, needle
    return {"index": {"byteStart": at, "byteEnd": at + len(needle.encode("utf-8"))}, "features": [feature]}


def tag(text: str, name: str) -> dict[str, Any]:
    return facet(text, "#" + name, {"$type": "app.bsky.richtext.facet#tag", "tag": name})


def blob(cid: str, mime: str = "image/jpeg", size: int = 204800) -> dict[str, Any]:
    return {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": size}


def event(did: str, time_us: int, collection: str, rkey: str, record: dict[str, Any] | None,
          operation: str = "create") -> dict[str, Any]:
    commit: dict[str, Any] = {"rev": "3lk" + rkey[-10:], "operation": operation, "collection": collection,
                              "rkey": rkey}
    if record is not None:
        commit["record"] = record
        commit["cid"] = "bafyreib" + rkey.lower().ljust(20, "q")
    return {"did": did, "time_us": time_us, "kind": "commit", "commit": commit}


def post(text: str, created: str, facets: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": created}
    if facets is not None:
        rec["facets"] = facets
    rec.update(extra)
    return rec


def strong(did: str, rkey: str) -> dict[str, str]:
    return {"uri": f"at://{did}/app.bsky.feed.post/{rkey}", "cid": "bafyreic" + rkey.lower().ljust(20, "z")}


OWNER_DID, FAN_DID, CRITIC_DID = "did:plc:hcpd7owner2xq4k", "did:plc:fan3m2o7wq1b", "did:plc:watch9k2v8r1s"
WIT_DID, AR_DID, JA_DID = "did:plc:lenak4t6y2p0", "did:plc:noor5h3j7c2e", "did:web:tabi.example.com"


def jetstream() -> list[dict[str, Any]]:
    t0 = 1763719200000000
    launch_text = "📸 Share a photo with our officers using #MyHCPD and we'll feature our favourites!"
    fan_text = "Officer Bell walked my grandma home after the festival 💐 #MyHCPD @harborcitypd.bsky.social"
    critic_text = "Here's my #MyHCPD photo 😇: the \"friendly\" dispersal order at Dock St. So heartwarming. " \
                  "Report: https://harborwatch.example.org/dock-st"
    ar_text = "شكراً للشرطة على المساعدة في الحي 🌙 #MyHCPD"
    ja_text = "港の警察官と記念撮影しました✨ #MyHCPD #旅行"
    he_text = "איזה קמפיין מוצלח 👏 עוד תמונה של מעצר #MyHCPD"
    reply_text = "@harborcitypd.bsky.social when do we get the body-cam footage? #MyHCPD"
    quote_text = "They really asked for our photos 🙃 #MyHCPD #MyHCFD"
    launch = post(launch_text, "2025-11-21T10:00:00.000Z", [tag(launch_text, TAG)], langs=["en"],
                  embed={"$type": "app.bsky.embed.images", "images": [
                      {"alt": "Two officers hand out water bottles at a street fair",
                       "image": blob("bafkreiaq4launchphotozzz"), "aspectRatio": {"width": 1200, "height": 800}}]})
    fan = post(fan_text, "2025-11-21T10:04:00.000Z",
               [tag(fan_text, TAG), facet(fan_text, "@harborcitypd.bsky.social",
                                          {"$type": "app.bsky.richtext.facet#mention", "did": OWNER_DID})],
               langs=["en"])
    critic = post(critic_text, "2025-11-21T11:50:00.000Z",
                  [tag(critic_text, TAG), facet(critic_text, "https://harborwatch.example.org/dock-st",
                                                {"$type": "app.bsky.richtext.facet#link",
                                                 "uri": "https://harborwatch.example.org/dock-st"})],
                  langs=["en"], embed={"$type": "app.bsky.embed.images", "images": [
                      {"alt": "", "image": blob("bafkreidockstreetlinezz")},
                      {"alt": "A line of officers in riot gear facing a crowd", "image": blob("bafkreidockst2zzzz")}]})
    reply = post(reply_text, "2025-11-21T12:05:00.000Z",
                 [facet(reply_text, "@harborcitypd.bsky.social",
                        {"$type": "app.bsky.richtext.facet#mention", "did": OWNER_DID}), tag(reply_text, TAG)],
                 langs=["en"], reply={"root": strong(OWNER_DID, "3m6launch0001"),
                                      "parent": strong(OWNER_DID, "3m6launch0001")})
    quote = post(quote_text, "2025-11-21T12:10:00.000Z", [tag(quote_text, TAG), tag(quote_text, "MyHCFD")],
                 langs=["en"], embed={"$type": "app.bsky.embed.record", "record": strong(OWNER_DID, "3m6launch0001")})
    quote_media = post("Featured enough for you? #MyHCPD", "2025-11-21T12:20:00.000Z",
                       [tag("Featured enough for you? #MyHCPD", TAG)], langs=["en"],
                       embed={"$type": "app.bsky.embed.recordWithMedia",
                              "record": {"$type": "app.bsky.embed.record",
                                         "record": strong(OWNER_DID, "3m6launch0001")},
                              "media": {"$type": "app.bsky.embed.images", "images": [
                                  {"alt": "A folded arrest notice taped to a door",
                                   "image": blob("bafkreinoticezz")}]}})
    video = post("From the march last night #MyHCPD", "2025-11-21T12:30:00.000Z",
                 [tag("From the march last night #MyHCPD", TAG)],
                 embed={"$type": "app.bsky.embed.video", "video": blob("bafkreivideomarchzz", "video/mp4", 5242880),
                        "alt": "Shaky phone video of officers pushing a crowd"})
    external = post("Good write-up of the #MyHCPD youth league", "2025-11-21T12:40:00.000Z", None, langs=["en"],
                    embed={"$type": "app.bsky.embed.external", "external": {
                        "uri": "https://harborcity.example.gov/news/youth-league", "title": "Youth league",
                        "description": "Officers coach the under-12s"}})
    return [
        event(OWNER_DID, t0, "app.bsky.feed.post", "3m6launch0001", launch),
        event(FAN_DID, t0 + 240_000_000, "app.bsky.feed.post", "3m6fan000001", fan),
        event(FAN_DID, t0 + 250_000_000, "app.bsky.feed.repost", "3m6fanrp0001",
              {"$type": "app.bsky.feed.repost", "createdAt": "2025-11-21T10:04:10.000Z",
               "subject": strong(OWNER_DID, "3m6launch0001")}),
        event(AR_DID, t0 + 300_000_000, "app.bsky.feed.post", "3m6ar0000001", post(
            ar_text, "2025-11-21T10:05:00.000Z", [tag(ar_text, TAG)], langs=["ar"])),
        event(JA_DID, t0 + 360_000_000, "app.bsky.feed.post", "3m6ja0000001", post(
            ja_text, "2025-11-21T10:06:00.000Z", [tag(ja_text, TAG), tag(ja_text, "旅行")], langs=["ja"])),
        {"did": FAN_DID, "time_us": t0 + 400_000_000, "kind": "identity",
         "identity": {"did": FAN_DID, "handle": "bo-rides.bsky.social", "seq": 8812, "time": "2025-11-21T10:06:40Z"}},
        event(CRITIC_DID, t0 + 6_600_000_000, "app.bsky.feed.post", "3m6crit00001", critic),
        event(WIT_DID, t0 + 6_700_000_000, "app.bsky.feed.repost", "3m6witrp0001",
              {"$type": "app.bsky.feed.repost", "createdAt": "2025-11-21T11:51:40.000Z",
               "subject": strong(CRITIC_DID, "3m6crit00001")}),
        event(AR_DID, t0 + 6_800_000_000, "app.bsky.feed.repost", "3m6arrp00001",
              {"$type": "app.bsky.feed.repost", "createdAt": "2025-11-21T11:53:20.000Z",
               "subject": strong(CRITIC_DID, "3m6crit00001"),
               "via": {"uri": f"at://{WIT_DID}/app.bsky.feed.repost/3m6witrp0001", "cid": "bafyreivia0001"}}),
        event(CRITIC_DID, t0 + 7_500_000_000, "app.bsky.feed.post", "3m6crit00002", reply),
        event(WIT_DID, t0 + 7_800_000_000, "app.bsky.feed.post", "3m6wit000001", quote),
        event(FAN_DID, t0 + 7_900_000_000, "app.bsky.feed.like", "3m6like00001",
              {"$type": "app.bsky.feed.like", "createdAt": "2025-11-21T12:11:40.000Z",
               "subject": strong(OWNER_DID, "3m6launch0001")}),
        event(WIT_DID, t0 + 8_400_000_000, "app.bsky.feed.post", "3m6wit000002", quote_media),
        event(CRITIC_DID, t0 + 9_000_000_000, "app.bsky.feed.post", "3m6crit00003", video),
        event(CRITIC_DID, t0 + 9_100_000_000, "app.bsky.feed.post", "3m6crit00002", None, operation="delete"),
        event(JA_DID, t0 + 9_500_000_000, "app.bsky.feed.post", "3m6he0000001", post(
            he_text, "2025-11-21T12:38:00.000Z", [tag(he_text, TAG)], langs=["he"])),
        event(FAN_DID, t0 + 9_600_000_000, "app.bsky.feed.post", "3m6fan000002", external),
        event(FAN_DID, t0 + 9_700_000_000, "app.bsky.feed.post", "3m6fan000003",
              {"$type": "app.bsky.feed.post", "text": "no createdAt on this one, sorry #MyHCPD"}),
        {"did": CRITIC_DID, "time_us": t0 + 9_800_000_000, "kind": "account",
         "account": {"active": False, "did": CRITIC_DID, "seq": 9911, "status": "deactivated",
                     "time": "2025-11-21T12:43:20Z"}},
    ]


# ------------------------------------------------------------------------------------------ Mastodon
def account(aid: str, username: str, host: str | None, name: str, followers: int, **extra: Any) -> dict[str, Any]:
    acct = username if host is None else f"{username}@{host}"
    home = host or "harbor.social"
    return {"id": aid, "username": username, "acct": acct, "display_name": name, "locked": False, "bot": False,
            "discoverable": True, "group": False, "created_at": "2022-11-08T00:00:00.000Z",
            "note": extra.pop("note", "<p></p>"), "url": f"https://{home}/@{username}",
            "followers_count": followers, "following_count": 120, "statuses_count": 800,
            "last_status_at": "2025-11-21", "emojis": [], "fields": extra.pop("fields", [])}


def hashtag_html(name: str, host: str = "harbor.social") -> str:
    return f'<a href="https://{host}/tags/{name.lower()}" class="mention hashtag" rel="tag">#<span>{name}</span></a>'


def mention_html(username: str, host: str) -> str:
    return (f'<span class="h-card" translate="no"><a href="https://{host}/@{username}" class="u-url mention">'
            f"@<span>{username}</span></a></span>")


def status(sid: str, created: str, content: str, acc: dict[str, Any], **extra: Any) -> dict[str, Any]:
    host = acc["url"].split("/")[2]
    out = {"id": sid, "created_at": created, "in_reply_to_id": None, "in_reply_to_account_id": None,
           "sensitive": False, "spoiler_text": "", "visibility": "public", "language": "en",
           "uri": f"https://{host}/users/{acc['username']}/statuses/{sid}",
           "url": f"https://{host}/@{acc['username']}/{sid}", "replies_count": 0, "reblogs_count": 0,
           "favourites_count": 0, "edited_at": None, "content": content, "reblog": None, "quote": None,
           "application": {"name": "Web", "website": None}, "account": acc, "media_attachments": [],
           "mentions": [], "tags": [{"name": TAG.lower(), "url": "https://harbor.social/tags/mynypd"}],
           "emojis": [], "card": None, "poll": None}
    out.update(extra)
    return out


def attachment(mid: str, desc: str | None, kind: str = "image") -> dict[str, Any]:
    return {"id": mid, "type": kind, "url": f"https://files.harbor.social/media_attachments/files/{mid}/original.jpg",
            "preview_url": f"https://files.harbor.social/media_attachments/files/{mid}/small.jpg",
            "remote_url": None, "description": desc, "blurhash": "UKO2?U%2Tw=w]~RBVZRi};RPxuwH"}


MA = {
    "owner": account("109300000000000001", "HarborCityPD", None, "Harbor City Police 🚓", 18200),
    "fan": account("109300000000000002", "jo_gardens", None, "Jo", 240),
    "critic": account("109300000000000003", "dockstreet", "tenants.example", "Dock St Tenants", 9100),
    "wit": account("109300000000000004", "mira", "mastodon.example", "Mira ✊", 1300,
                   note="<p>Satire, mostly. <a href=\"https://mastodon.example/tags/nobot\" class=\"mention hashtag\" "
                        "rel=\"tag\">#<span>NoBot</span></a></p>"),
    "ar": account("109300000000000005", "layla", "souq.example", "ليلى", 300),
    "ja": account("109300000000000006", "haru", "machi.example", "はる", 150),
}


def mastodon_rest() -> list[dict[str, Any]]:
    launch = status("115500000000000001", "2025-11-21T10:00:00.000Z",
                    f"<p>Have a photo with one of our officers? Share it with {hashtag_html('MyHCPD')} "
                    "and we&#39;ll feature our favourites!</p><p>Thank you, Harbor City 💙</p>", MA["owner"],
                    media_attachments=[attachment("115500000000000101", "Officers and children at a fire-safety day")])
    critic = status("115500000000000010", "2025-11-21T11:48:00.000Z",
                    f"<p>My {hashtag_html('MyHCPD')} photo: the &quot;community outreach&quot; at Dock St, "
                    "batons &amp; all. So proud 🥲<br>Full report: <a href=\"https://harborwatch.example.org/dock-st"
                    "\" target=\"_blank\" rel=\"nofollow noopener noreferrer\" translate=\"no\">"
                    "<span class=\"invisible\">https://</span><span class=\"ellipsis\">harborwatch.example.org/do"
                    "</span><span class=\"invisible\">ck-st</span></a></p>", MA["critic"],
                    media_attachments=[attachment("115500000000000110", None),
                                       attachment("115500000000000111", "Officers in helmets, shields raised")])
    critic["uri"] = "https://tenants.example/users/dockstreet/statuses/88001"
    return [
        launch,
        status("115500000000000002", "2025-11-21T10:05:00.000Z",
               f"<p>{mention_html('HarborCityPD', 'harbor.social')} Officer Diaz carried my groceries up four "
               f"flights when the lift broke 🙏 {hashtag_html('MyHCPD')}</p>", MA["fan"],
               in_reply_to_id="115500000000000001", in_reply_to_account_id="109300000000000001",
               mentions=[{"id": "109300000000000001", "username": "HarborCityPD", "acct": "HarborCityPD",
                          "url": "https://harbor.social/@HarborCityPD"}],
               media_attachments=[attachment("115500000000000102", "A smiling officer holding grocery bags")]),
        status("115500000000000003", "2025-11-21T10:06:00.000Z", "", MA["fan"], reblog=launch, tags=[],
               uri="https://harbor.social/users/jo_gardens/statuses/115500000000000003/activity"),
        critic,
        status("115500000000000011", "2025-11-21T11:50:00.000Z", "", MA["wit"], reblog=critic, tags=[],
               uri="https://mastodon.example/users/mira/statuses/2201/activity"),
        status("115500000000000012", "2025-11-21T11:55:00.000Z",
               f"<p>Brand-new customer experience: you ask about a permit, you get a kettle. "
               f"Five stars {hashtag_html('MyHCPD')} {hashtag_html('MyHCFD')}</p>"
               f"<p class=\"quote-inline\">RE: <a href=\"{launch['url']}\">{launch['url']}</a></p>", MA["wit"],
               quote={"state": "accepted", "quoted_status": launch},
               tags=[{"name": "myhcpd", "url": "x"}, {"name": "myhcfd", "url": "y"}]),
        status("115500000000000013", "2025-11-21T11:58:00.000Z",
               f"<p>This aged well {hashtag_html('MyHCPD')}</p>", MA["critic"],
               quote={"state": "accepted", "quoted_status_id": "115500000000000001"}),
        status("115500000000000020", "2025-11-21T12:00:00.000Z",
               f"<p>Long one, sorry.</p><p>I asked the precinct three times for the footage from the march."
               f" Three times I was told to &quot;go through the proper channels&quot;.<br>The proper channel "
               f"is apparently {hashtag_html('MyHCPD')}.</p><p>So here it is.</p>", MA["critic"],
               spoiler_text="police violence, long"),
        status("115500000000000030", "2025-11-21T10:20:00.000Z",
               f"<p>شكراً لرجال الشرطة على حماية السوق الليلة {hashtag_html('MyHCPD')}</p>", MA["ar"], language="ar"),
        status("115500000000000031", "2025-11-21T10:25:00.000Z",
               f"<p>お巡りさんと写真を撮りました！親切でした 📷 {hashtag_html('MyHCPD')}</p>", MA["ja"], language="ja"),
        status("115500000000000032", "2025-11-21T12:30:00.000Z",
               f"<p>תודה על &lt;&lt;הדיאלוג הפתוח&gt;&gt; {hashtag_html('MyHCPD')} 🙄</p>", MA["wit"], language="he"),
        {"id": "115500000000000040", "created_at": "2025-11-21T12:45:00.000Z",
         "uri": "https://harbor.social/users/jo_gardens/statuses/115500000000000040",
         "content": "<p>picnic was lovely #MyHCPD</p>", "account": MA["fan"]},
        status("115500000000000041", "2025-11-21T12:50:00.000Z",
               f"<p>{mention_html('dockstreet', 'tenants.example')} is there a write-up I can share? "
               f"{hashtag_html('MyHCPD')}</p>", MA["ja"], language=None,
               in_reply_to_id="115500000000000010", in_reply_to_account_id="109300000000000003",
               mentions=[{"id": "109300000000000003", "username": "dockstreet", "acct": "dockstreet@tenants.example",
                          "url": "https://tenants.example/@dockstreet"}]),
    ]


def mastodon_stream() -> list[dict[str, Any]]:
    def msg(event: str, payload: Any, stream: tuple[str, ...] = ("hashtag", TAG)) -> dict[str, Any]:
        return {"stream": list(stream), "event": event,
                "payload": payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)}

    s = [
        status("115600000000000001", "2025-11-21T13:00:00.000Z",
               f"<p>Kettled again on Quay Rd. Great photo op {hashtag_html('MyHCPD')} 📸</p>", MA["critic"],
               media_attachments=[attachment("115600000000000101", "Protesters penned in by a police line")]),
        status("115600000000000002", "2025-11-21T13:01:00.000Z",
               f"<p>Our neighbourhood officer came to the school fair, kids loved the car 🚓 "
               f"{hashtag_html('MyHCPD')}</p>", MA["fan"]),
        status("115600000000000003", "2025-11-21T13:02:00.000Z",
               f"<p>Nothing builds trust like a &quot;routine&quot; stop &amp; search, right? "
               f"{hashtag_html('MyHCPD')}</p>", MA["wit"]),
        status("115600000000000004", "2025-11-21T13:03:00.000Z",
               f"<p>¡Gracias por la ayuda en el desfile! {hashtag_html('MyHCPD')}</p>", MA["fan"], language="es"),
    ]
    return [
        msg("update", s[0]),
        msg("update", s[1], ("hashtag:local", TAG)),
        msg("delete", "115600000000000099"),
        msg("update", s[2]),
        msg("update", status("115600000000000005", "2025-11-21T13:04:00.000Z", "", MA["wit"], reblog=s[0], tags=[],
                             uri="https://mastodon.example/users/mira/statuses/2301/activity")),
        msg("update", s[3], ("public",)),
        msg("notification", {"id": "77", "type": "mention"}, ("user",)),
        msg("update", status("115600000000000006", "2025-11-21T13:06:00.000Z",
                             f"<p>Missed the parade but these photos 😍 {hashtag_html('MyHCPD')}</p>", MA["ja"])),
    ]


# ------------------------------------------------------------------------------------------ CSV
CSV_ROWS = [
    ("id", "created_at", "author", "followers", "text", "repost_of", "reply_to", "lang"),
    ("c1", "2014-04-22T18:02:11Z", "HarborCityPD", "120000",
     "Got a photo with one of our officers? Share it with #MyHCPD 📸", "", "", "en"),
    ("c2", "2014-04-22T18:10:00+02:00", "marisol_walks", "312",
     "@HarborCityPD Officer Reyes found our dog ❤️ #MyHCPD", "", "c1", "en"),
    ("c3", "1398194000", "dan_on_5th", "87", "Got a photo with one of our officers? Share it with #MyHCPD 📸",
     "c1", "", "en"),
    ("c4", "Tue Apr 22 20:01:02 +0000 2014", "harbor_watch", "48,200",
     'My favourite #MyHCPD moment, "friendly" pepper spray, at the tenants\' march.\nSo community-minded!',
     "", "", "en"),
    ("", "2014-04-22 20:05:00", "civil_lines", "130500", "Customer service, baton edition #MyHCPD", "", "", "en"),
    ("c6", "", "noor_hc", "", "شكراً لشرطة هاربر سيتي #MyHCPD", "", "", "ar"),
    ("c7", "2014-04-22T20:30:00.000Z", "tabi_kenji", "230", "観光中に警察官と写真を撮りました！ #MyHCPD", "", "", "ja"),
    ("c8", "2014-04-22T20:31:00Z", "yael_bd", "1800", "תודה על הדיאלוג הפתוח #MyHCPD 🙄 https://example.org/x.",
     "", "", "he"),
    ("c9", "1398198000000", "", "", "Cops & coffee <3 #MyHCPD", "", "", ""),
    ("c10", "2014-04-22T21:00:00Z", "ruth_asks", "5600",
     "@HarborCityPD is this the open dialogue you promised? #MyHCPD #MyHCFD", "", "c1", "en"),
    ("c11", "2014-04-22T21:05:00Z", "dry_wit_dee", "3300", "10/10 would get kettled again. #MyHCPD", "", "", "en"),
    ("c12", "2014-04-22T21:06:00Z", "school_mom_liz", "140",
     "Our crossing guard officer knows every kid by name #MyHCPD", "", "", "en"),
]
TSV_ROWS = [
    ("text",),
    ("Thanks for the help at the parade #MyHCPD",),
    ("Say cheese 📸, said the officer with the pepper spray #MyHCPD",),
    ("Officer Bell, you're a star ⭐ #MyHCPD",),
]


# ------------------------------------------------------------------------------------------ writing
def write_jsonl(name: str, records: list[dict[str, Any]]) -> None:
    with open(HERE / name, "w", encoding="utf-8") as out:
        for rec in records:
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")


def main() -> None:
    v1 = twitter_v1()
    write_jsonl("twitter_v1.jsonl", v1)
    posts_only = [r for r in v1 if "user" in r]
    (HERE / "twitter_v1_array.json").write_text(json.dumps(posts_only[:6], ensure_ascii=False, indent=1) + "\n",
                                                encoding="utf-8")
    body = "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in posts_only[6:12])
    (HERE / "twitter_v1_sample.jsonl.gz").write_bytes(gzip.compress(body.encode("utf-8"), mtime=0))
    write_jsonl("twitter_v2_flat.jsonl", twitter_v2_flat())
    write_jsonl("twitter_v2_pages.jsonl", twitter_v2_pages())
    write_jsonl("jetstream.jsonl", jetstream())
    write_jsonl("mastodon_rest.jsonl", mastodon_rest())
    write_jsonl("mastodon_stream.jsonl", mastodon_stream())
    for name, rows, delimiter in (("csv_posts.csv", CSV_ROWS, ","), ("csv_minimal.tsv", TSV_ROWS, "\t")):
        with open(HERE / name, "w", encoding="utf-8", newline="") as out:
            csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)


if __name__ == "__main__":
    main()
