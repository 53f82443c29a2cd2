#!/usr/bin/env python
"""Seed benchmark communities, members, threads, posts, reactions and tags.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/alongside_bench \\
    ALONGSIDE_DATA_DIR=/tmp/al-bench \\
    .venv/bin/python benchmarks/seed.py --posts 100000 --threads 10000 --reset

Everything it creates is recognisable and removable by ``--reset``: communities whose slug
starts with ``bench-`` (with their threads, posts, reactions, tags on posts, bookmarks) and
users whose username starts with ``bench_``. Tags themselves are shared and kept.

Rows are written with ``bulk_create`` in batches, one transaction per batch; ids are assigned
here so replies, reactions and tags can point at posts of the same batch, and posts get ids
in the order they were written (as in a live site, where keyset pagination relies on it).
Bodies come from a fixed set of templates, each rendered to HTML once with the same renderer
and tag links as ``communities.services``.

The benchmark members (``bench_m00``...) sign up through the real headless API, in process,
so they get a data key and a genuine session token; each also gets a browser session cookie
through the browser login endpoint. Their credentials go to ``$ALONGSIDE_DATA_DIR/
bench-state.json`` (mode 0600), never into the repository.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import texts

SLUG_PREFIX = "bench-"
USER_PREFIX = "bench_"
MEMBER_PREFIX = "bench_m"
BENCH_PASSWORD = "bench-Password-2024"
STATE_FILE = "bench-state.json"
#: fixed generators for what must not change with the size: the body templates and the
#: measured thread (its posts, their warnings, statuses and reactions)
TEMPLATE_SEED = 1
TARGET_SEED = 2
TARGET_REACTIONS_SEED = 3

#: slug, name, visibility, teen-friendly, share of threads
COMMUNITIES = [
    ("anxiety", "Anxiety", "public", True, 0.25),
    ("depression", "Low mood and depression", "public", False, 0.22),
    ("students", "Students", "public", True, 0.15),
    ("grief", "Grief and loss", "public", False, 0.12),
    ("parents", "Parents and carers", "members", False, 0.10),
    ("lgbtq", "LGBTQ+", "public", True, 0.10),
    ("recovery", "Recovery", "private", False, 0.06),
]
#: the communities benchmark members join (their feed)
MEMBER_COMMUNITIES = ("anxiety", "depression", "students")
#: the community of the thread whose page is measured
TARGET_COMMUNITY = "anxiety"

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


def log(message: str) -> None:
    print(message, flush=True)


@contextmanager
def timed(label: str, timings: dict[str, float]) -> Iterator[None]:
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    timings[label] = round(elapsed, 3)
    log(f"  {label:<28} {elapsed:8.2f} s")


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    # Sign-ups run in process; they need no production checks (the server gets those).
    os.environ.setdefault("ALONGSIDE_MODE", "development")
    import django

    django.setup()


@contextmanager
def explicit_timestamps(models: Sequence[Any]) -> Iterator[None]:
    """bulk_create runs ``pre_save``, which would stamp every row with now(): let the seed
    spread rows over months instead."""
    touched = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now_add", False):
                f.auto_now_add = False
                touched.append(f)
    try:
        yield
    finally:
        for f in touched:
            f.auto_now_add = True


def batched(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def bulk_insert(model: Any, rows: Sequence[Any], batch: int) -> None:
    from django.db import transaction

    for chunk in batched(rows, batch):
        with transaction.atomic():
            model.objects.bulk_create(chunk, batch_size=batch)


def next_id(model: Any) -> int:
    from django.db.models import Max

    return int(model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def sync_sequences(models: Sequence[Any]) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return  # SQLite takes max(rowid) + 1 by itself
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT MAX(id) FROM {table}), 1))"
            )


# --- reset -----------------------------------------------------------------------------------


def reset(data_dir: Path) -> dict[str, int]:
    """Remove earlier benchmark data: set-based deletes for the big tables (the ORM's cascade
    collector would load every post), the ORM for users (so every app's cascades apply)."""
    from django.contrib.sessions.models import Session
    from django.db import connection, transaction

    from alongside.accounts.models import User

    communities = "SELECT id FROM communities_community WHERE slug LIKE %s"
    in_communities = f"community_id IN ({communities})"
    threads = f"SELECT id FROM communities_thread WHERE {in_communities}"
    posts = f"SELECT id FROM communities_post WHERE thread_id IN ({threads})"
    statements = [
        ("reactions", f"DELETE FROM communities_reaction WHERE post_id IN ({posts})"),
        ("post tags", f"DELETE FROM communities_posttag WHERE thread_id IN ({threads})"),
        ("revisions", f"DELETE FROM communities_postrevision WHERE post_id IN ({posts})"),
        ("bookmarks", f"DELETE FROM communities_bookmark WHERE thread_id IN ({threads})"),
        ("posts", f"DELETE FROM communities_post WHERE thread_id IN ({threads})"),
        ("threads", f"DELETE FROM communities_thread WHERE {in_communities}"),
        (
            "memberships",
            f"DELETE FROM communities_membership WHERE {in_communities}",
        ),
        (
            "invitations",
            f"DELETE FROM communities_invitation WHERE {in_communities}",
        ),
        ("communities", "DELETE FROM communities_community WHERE slug LIKE %s"),
    ]
    counts: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for label, sql in statements:
            cursor.execute(sql, [SLUG_PREFIX + "%"])  # each statement has one placeholder
            counts[label] = cursor.rowcount
    state = data_dir / STATE_FILE
    if state.exists():
        old = json.loads(state.read_text())
        keys = [m["token"] for m in old.get("members", [])]
        keys += [m["sessionid"] for m in old.get("members", [])]
        counts["sessions"] = Session.objects.filter(session_key__in=keys).delete()[0]
        state.unlink()
    counts["users (with related rows)"] = User.objects.filter(
        username__startswith=USER_PREFIX
    ).delete()[0]
    return counts


# --- generation ------------------------------------------------------------------------------


@dataclass
class PlannedPost:
    created_at: datetime.datetime
    thread: int  # index into threads
    author_id: int
    anonymous: bool
    opening: bool
    body: int  # template index (openings and replies have separate template lists)
    status: str = "visible"
    cw_topics: str = ""
    cw_text: str = ""
    reply_to: int | None = None  # index into the thread's posts
    pk: int = 0


@dataclass
class PlannedThread:
    community: str
    author_id: int
    anonymous: bool
    title: str
    created_at: datetime.datetime
    cw_topics: str
    cw_text: str
    status: str = "visible"
    posts: list[PlannedPost] = field(default_factory=list)
    pk: int = 0


def reply_counts(
    rng: random.Random, threads: int, replies: int, fixed: dict[int, int]
) -> list[int]:
    """Replies per thread: heavy-tailed (log-normal weights) so most threads are short and a
    few run to hundreds of posts; ``fixed`` threads get exactly their count."""
    free = [i for i in range(threads) if i not in fixed]
    budget = max(0, replies - sum(fixed.values()))
    weights = [rng.lognormvariate(0, 1.2) for _ in free]
    total = sum(weights) or 1.0
    raw = [budget * w / total for w in weights]
    counts = [math.floor(x) for x in raw]
    # hand the rounding remainder to the largest fractions, so the total is exact
    leftover = budget - sum(counts)
    for i in sorted(range(len(free)), key=lambda i: raw[i] - counts[i], reverse=True)[:leftover]:
        counts[i] += 1
    result = [0] * threads
    for i, n in zip(free, counts, strict=True):
        result[i] = n
    for i, n in fixed.items():
        result[i] = n
    return result


def pick(r: random.Random, items: Sequence[Any]) -> Any:
    """One item, drawing exactly one number whatever the length (``choice`` draws more for
    some lengths, which would shift every later draw of the target thread's generator)."""
    return items[int(r.random() * len(items))]


def pick_warning(rng: random.Random, chance: float) -> tuple[str, str]:
    from alongside.core.content_warnings import TOPICS

    if rng.random() >= chance:
        return "", ""
    topics = sorted(rng.sample(TOPICS, rng.choice((1, 1, 1, 2))), key=TOPICS.index)
    text = "A heavy day" if rng.random() < 0.2 else ""
    return f",{','.join(topics)},", text


def plan(
    rng: random.Random,
    *,
    now: datetime.datetime,
    n_threads: int,
    n_posts: int,
    target_posts: int,
    members_of: dict[str, list[int]],
    days: int,
) -> tuple[list[PlannedThread], int]:
    """Threads and their posts in memory; returns them and the index of the target thread."""
    slugs = [c[0] for c in COMMUNITIES]
    shares = [c[4] for c in COMMUNITIES]
    threads: list[PlannedThread] = []
    target = 0
    # The target thread draws from its own generator, so its page has the same content at
    # every size: only the amount of data around it changes between runs.
    own = random.Random(TARGET_SEED)
    for i in range(n_threads):
        r = own if i == target else rng
        slug = TARGET_COMMUNITY if i == target else rng.choices(slugs, shares)[0]
        created = now - DAY * r.uniform(0.05, days)
        topics, text = pick_warning(r, 0.12)
        anonymous = r.random() < 0.15
        if i == target:  # a plain, recent, named, busy thread anyone may read
            created, topics, text, anonymous = now - 3 * DAY, "", "", False
        threads.append(
            PlannedThread(
                community=slug,
                author_id=pick(r, members_of[slug]),
                anonymous=anonymous,
                title=r.choice(texts.TITLES),
                created_at=created,
                cw_topics=topics,
                cw_text=text,
            )
        )
    counts = reply_counts(
        rng, n_threads, max(0, n_posts - n_threads), {target: max(0, target_posts - 1)}
    )
    for i, thread in enumerate(threads):
        r = own if i == target else rng
        if i != target and rng.random() < 0.003:
            thread.status = "removed"
        opening = PlannedPost(
            created_at=thread.created_at,
            thread=i,
            author_id=thread.author_id,
            anonymous=thread.anonymous,
            opening=True,
            body=r.randrange(N_OPENING_TEMPLATES),
            status=thread.status,
            cw_topics=thread.cw_topics,
            cw_text=thread.cw_text,
        )
        thread.posts.append(opening)
        n = counts[i]
        if n == 0:
            continue
        # replies arrive over hours to days; the target's over its three days
        span = (now - thread.created_at) if i == target else HOUR * rng.uniform(1, 24 * 7)
        span = min(span, now - thread.created_at - datetime.timedelta(seconds=1))
        moments = sorted(r.uniform(0, 1) for _ in range(n))
        pool = members_of[thread.community]
        for k, fraction in enumerate(moments, start=1):
            topics, text = pick_warning(r, 0.05)
            roll = r.random()
            status = (
                "deleted"
                if roll < 0.01
                else "removed"
                if roll < 0.013
                else "held"
                if roll < 0.015
                else "visible"
            )
            post = PlannedPost(
                created_at=thread.created_at + span * fraction,
                thread=i,
                author_id=pick(r, pool),
                anonymous=r.random() < 0.08,
                opening=False,
                body=r.randrange(N_REPLY_TEMPLATES),
                status=status,
                cw_topics=topics,
                cw_text=text,
                reply_to=r.randrange(k) if r.random() < 0.25 else None,
            )
            thread.posts.append(post)
    return threads, target


N_OPENING_TEMPLATES = 150
N_REPLY_TEMPLATES = 150


# --- sessions for benchmark members ----------------------------------------------------------


def sign_up_members(count: int) -> list[dict[str, Any]]:
    """Sign benchmark members up through the real headless API (in process) and log each into
    a browser session. Each request comes from its own address, as separate people would, so
    the sign-up and login rate limits (per address) are not what is being exercised here."""
    from django.test import Client

    members = []
    for i in range(count):
        username = f"{MEMBER_PREFIX}{i:02d}"
        address = f"10.250.{i // 250}.{i % 250 + 1}"
        app = Client(REMOTE_ADDR=address, HTTP_HOST="127.0.0.1")
        response = app.post(
            "/_allauth/app/v1/auth/signup",
            {
                "username": username,
                "password": BENCH_PASSWORD,
                "birth_year": 1990,
                "accept_terms": True,
            },
            content_type="application/json",
        )
        if response.status_code != 200:
            raise SystemExit(f"sign-up of {username} failed: {response.status_code}")
        body = response.json()
        browser = Client(REMOTE_ADDR=address, HTTP_HOST="127.0.0.1")
        response = browser.post(
            "/_allauth/browser/v1/auth/login",
            {"username": username, "password": BENCH_PASSWORD},
            content_type="application/json",
        )
        if response.status_code != 200 or "sessionid" not in browser.cookies:
            raise SystemExit(f"browser login of {username} failed: {response.status_code}")
        members.append(
            {
                "username": username,
                "user_id": body["data"]["user"]["id"],
                "token": body["meta"]["session_token"],
                "sessionid": browser.cookies["sessionid"].value,
            }
        )
    return members


# --- main ------------------------------------------------------------------------------------


def seed(args: argparse.Namespace) -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.urls import reverse
    from django.utils import timezone

    from alongside.accounts.models import Block, Preferences, User
    from alongside.communities.models import (
        Bookmark,
        Community,
        Membership,
        Post,
        PostTag,
        Reaction,
        Tag,
        Thread,
    )
    from alongside.core.markdown import extract_hashtags, render_markdown

    rng = random.Random(args.seed)
    timings: dict[str, float] = {}
    data_dir = Path(settings.DATA_DIR)
    db = settings.DATABASES["default"]
    log(f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('NAME')}")
    total_start = time.perf_counter()

    if args.reset:
        with timed("reset", timings):
            removed = reset(data_dir)
        log("  removed: " + ", ".join(f"{k} {v}" for k, v in removed.items()))
    elif Community.objects.filter(slug__startswith=SLUG_PREFIX).exists():
        raise SystemExit("benchmark data exists already; run again with --reset")

    n_users = args.users or max(50, args.posts // 30)
    now = timezone.now()

    with timed("communities", timings):
        communities = Community.objects.bulk_create(
            [
                Community(
                    slug=SLUG_PREFIX + slug,
                    name=name,
                    description=f"A benchmark community about {name.lower()}.",
                    rules="Be kind.",
                    visibility=visibility,
                    teen_friendly=teen,
                )
                for slug, name, visibility, teen, _share in COMMUNITIES
            ]
        )
        by_slug = {c.slug.removeprefix(SLUG_PREFIX): c for c in communities}

    with timed(f"users ({n_users})", timings):
        # One hash for all: they never log in, and Argon2 per row would take minutes.
        password = make_password(BENCH_PASSWORD)
        users = [
            User(
                username=f"{USER_PREFIX}u{i:06d}",
                password=password,
                birth_year=rng.randint(1960, 2004),
                date_joined=now - DAY * rng.uniform(args.days, args.days * 2),
            )
            for i in range(n_users)
        ]
        bulk_insert(User, users, args.batch)
        user_ids = list(
            User.objects.filter(username__startswith=f"{USER_PREFIX}u")
            .order_by("id")
            .values_list("id", flat=True)
        )

    with timed("memberships", timings):
        slugs = [c[0] for c in COMMUNITIES]
        shares = [c[4] for c in COMMUNITIES]
        members_of: dict[str, list[int]] = {slug: [] for slug in slugs}
        memberships = []
        for uid in user_ids:
            joined: set[str] = set()
            while len(joined) < rng.choice((1, 1, 2, 2, 3)):
                joined.add(rng.choices(slugs, shares)[0])
            for slug in joined:
                members_of[slug].append(uid)
                memberships.append(Membership(community=by_slug[slug], user_id=uid))
        for slug in slugs:  # every community needs authors
            if not members_of[slug]:
                uid = rng.choice(user_ids)
                members_of[slug].append(uid)
                memberships.append(Membership(community=by_slug[slug], user_id=uid))
        bulk_insert(Membership, memberships, args.batch)

    with timed(f"benchmark members ({args.members})", timings):
        members = sign_up_members(args.members)
        member_ids = [m["user_id"] for m in members]
        extra = [
            Membership(community=by_slug[slug], user_id=uid)
            for uid in member_ids
            for slug in MEMBER_COMMUNITIES
        ]
        bulk_insert(Membership, extra, args.batch)
        for slug in MEMBER_COMMUNITIES:
            members_of[slug].extend(member_ids)  # they write and react too
        # Personal filters as people set them: half hide one topic, a quarter mute a word,
        # a quarter block two people.
        prefs = []
        blocks = []
        for i, uid in enumerate(member_ids):
            if i % 2 == 0:
                prefs.append(
                    Preferences(
                        user_id=uid,
                        topic_filters={"self_harm": "hide", "grief": "show"},
                        muted_words=["spoilers"] if i % 4 == 0 else [],
                    )
                )
            if i % 4 == 1:
                for target in rng.sample(user_ids, 2):
                    blocks.append(Block(user_id=uid, target_id=target, kind=Block.Kind.BLOCK))
        Preferences.objects.bulk_create(prefs)
        Block.objects.bulk_create(blocks)

    with timed("plan threads and posts", timings):
        threads, target_index = plan(
            rng,
            now=now,
            n_threads=args.threads,
            n_posts=args.posts,
            target_posts=args.target_posts,
            members_of=members_of,
            days=args.days,
        )

    with timed("render templates", timings):

        def tag_url(name: str) -> str:
            return reverse("tag-detail", args=[name])

        def render(bodies: list[str]) -> list[tuple[str, str, list[str]]]:
            return [(b, render_markdown(b, tag_url=tag_url), extract_hashtags(b)) for b in bodies]

        words = random.Random(TEMPLATE_SEED)
        openings = render(texts.opening_bodies(words, N_OPENING_TEMPLATES))
        replies = render(texts.reply_bodies(words, N_REPLY_TEMPLATES))
        tag_names = sorted({t for _b, _h, tags in openings + replies for t in tags})
        existing = dict(Tag.objects.filter(name__in=tag_names).values_list("name", "id"))
        Tag.objects.bulk_create([Tag(name=n) for n in tag_names if n not in existing])
        tag_ids = dict(Tag.objects.filter(name__in=tag_names).values_list("name", "id"))

    with timed("assign ids, reactions", timings):
        # ids in creation order, as a live site would hand them out
        thread_order = sorted(range(len(threads)), key=lambda i: threads[i].created_at)
        first = next_id(Thread)
        for offset, i in enumerate(thread_order):
            threads[i].pk = first + offset
        all_posts = sorted(
            (p for t in threads for p in t.posts), key=lambda p: (p.created_at, not p.opening)
        )
        first = next_id(Post)
        for offset, p in enumerate(all_posts):
            p.pk = first + offset
        reactions: list[Reaction] = []
        support: dict[int, int] = {}
        kinds = [k for k, _label in Reaction.Kind.choices]
        for index, thread in enumerate(threads):
            # the target's reaction counts and kinds are the same at every size; who reacted
            # is drawn from the community's members, whose number grows with the size
            r = random.Random(TARGET_REACTIONS_SEED) if index == target_index else rng
            pool = members_of[thread.community]
            n_support = 0
            for p in thread.posts:
                if p.status != "visible":
                    continue
                # most posts get a little support, a few a lot
                n = min(len(pool), int(r.expovariate(1 / args.reactions) + 0.5))
                kinds_drawn = [pick(r, kinds) for _ in range(n)]
                for uid, kind in zip(rng.sample(pool, n), kinds_drawn, strict=True):
                    reactions.append(
                        Reaction(post_id=p.pk, user_id=uid, kind=kind, created_at=p.created_at)
                    )
                n_support += n
            support[thread.pk] = n_support

    with explicit_timestamps([Thread, Post, Reaction, PostTag, Bookmark]):
        with timed(f"threads ({len(threads)})", timings):
            rows = []
            for i in thread_order:
                t = threads[i]
                visible_replies = [p for p in t.posts[1:] if p.status == "visible"]
                rows.append(
                    Thread(
                        id=t.pk,
                        community=by_slug[t.community],
                        author_id=t.author_id,
                        anonymous=t.anonymous,
                        title=t.title,
                        status=t.status,
                        cw_topics=t.cw_topics,
                        reply_count=len(visible_replies),
                        support_count=support[t.pk],
                        created_at=t.created_at,
                        last_activity_at=max(
                            [t.created_at, *(p.created_at for p in visible_replies)]
                        ),
                    )
                )
            bulk_insert(Thread, rows, args.batch)

        with timed(f"posts ({len(all_posts)})", timings):
            post_tags: list[PostTag] = []

            def post_row(p: PlannedPost) -> Post:
                thread = threads[p.thread]
                body, html, tags = (openings if p.opening else replies)[p.body]
                if p.status == "deleted":  # a tombstone, as services.tombstone leaves it
                    body, html, tags, p.cw_topics, p.cw_text = "", "", [], "", ""
                for name in tags:
                    post_tags.append(
                        PostTag(
                            post_id=p.pk,
                            tag_id=tag_ids[name],
                            thread_id=thread.pk,
                            created_at=p.created_at,
                        )
                    )
                return Post(
                    id=p.pk,
                    thread_id=thread.pk,
                    author_id=p.author_id,
                    anonymous=p.anonymous,
                    is_opening=p.opening,
                    reply_to_id=thread.posts[p.reply_to].pk if p.reply_to is not None else None,
                    body=body,
                    body_html=html,
                    status=p.status,
                    cw_topics=p.cw_topics,
                    cw_text=p.cw_text,
                    created_at=p.created_at,
                )

            for chunk in batched(all_posts, args.batch):
                with transaction.atomic():
                    Post.objects.bulk_create([post_row(p) for p in chunk], batch_size=args.batch)

        with timed(f"reactions ({len(reactions)})", timings):
            bulk_insert(Reaction, reactions, args.batch)
        with timed(f"post tags ({len(post_tags)})", timings):
            bulk_insert(PostTag, post_tags, args.batch)
        with timed("bookmarks", timings):
            target_pk = threads[target_index].pk
            readable = [
                t.pk for t in threads if t.community in MEMBER_COMMUNITIES and t.status == "visible"
            ]
            bookmarks = []
            for uid in member_ids:
                chosen = {target_pk, *rng.sample(readable, min(5, len(readable)))}
                bookmarks += [Bookmark(user_id=uid, thread_id=pk, created_at=now) for pk in chosen]
            bulk_insert(Bookmark, bookmarks, args.batch)

    sync_sequences([Thread, Post, Reaction, PostTag, Bookmark])
    with timed("vacuum analyze", timings):
        # A live database is vacuumed and analysed by autovacuum; a fresh bulk load is not yet.
        tables = [m._meta.db_table for m in (Thread, Post, Reaction, PostTag, Membership, User)]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE " + ", ".join(tables))
            else:
                cursor.execute("ANALYZE")

    total = time.perf_counter() - total_start
    target = threads[target_index]
    sizes = sorted((len(t.posts) for t in threads), reverse=True)
    summary = {
        "posts": len(all_posts),
        "threads": len(threads),
        "users": n_users + len(members),
        "reactions": len(reactions),
        "post_tags": len(post_tags),
        "target_thread": target.pk,
        "target_posts": len(target.posts),
        # equal at every size when the measured thread's content is the same
        "target_fingerprint": hashlib.sha256(
            repr(
                [
                    (p.opening, p.body, p.status, p.cw_topics, p.anonymous, p.reply_to)
                    for p in target.posts
                ]
                + [target.title, support[target.pk]]
            ).encode()
        ).hexdigest()[:12],
        "longest_threads": sizes[:5],
        "median_thread_posts": sizes[len(sizes) // 2],
        "threads_without_reply": sum(1 for t in threads if len(t.posts) == 1),
        "search_word": texts.SEARCH_WORD,
        "seconds": round(total, 2),
        "timings": timings,
    }
    state = {
        **summary,
        "seeded_at": now.isoformat(),
        "database": str(db.get("NAME")),
        "members": members,
    }
    path = data_dir / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(state, fh, indent=2, default=str)
    log(
        f"seeded {summary['posts']} posts in {summary['threads']} threads, "
        f"{summary['reactions']} reactions, {summary['post_tags']} tags on posts, "
        f"{summary['users']} users in {total:.1f} s"
    )
    log(
        f"target thread {target.pk}: {len(target.posts)} posts; longest threads {sizes[:5]}, "
        f"median {summary['median_thread_posts']}, "
        f"{summary['threads_without_reply']} without a reply"
    )
    log(f"state (with session tokens) in {path}")
    return summary


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000, help="posts in all (10000)")
    parser.add_argument("--threads", type=int, default=None, help="threads (posts / 10)")
    parser.add_argument("--users", type=int, default=0, help="authors (posts / 30, at least 50)")
    parser.add_argument("--members", type=int, default=32, help="signed-in benchmark members (32)")
    parser.add_argument(
        "--target-posts",
        type=int,
        default=240,
        help="posts in the thread whose page is measured (240: 8 pages of 30)",
    )
    parser.add_argument("--reactions", type=float, default=1.2, help="mean reactions per post")
    parser.add_argument("--days", type=int, default=180, help="threads spread over this many days")
    parser.add_argument("--batch", type=int, default=2000, help="rows per transaction (2000)")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed")
    parser.add_argument("--reset", action="store_true", help="remove earlier benchmark data first")
    args = parser.parse_args(argv)
    if args.threads is None:
        args.threads = max(1, args.posts // 10)
    if args.threads < 1 or args.posts < args.threads + args.target_posts - 1:
        parser.error("need at least one thread and posts >= threads + target-posts - 1")
    return args


def main(argv: Sequence[str] | None = None, *, setup: Callable[[], None] = setup_django) -> int:
    args = parse_args(argv)
    setup()
    seed(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
