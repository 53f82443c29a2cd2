#!/usr/bin/env python
"""Seed a Spirit forum comparable to Alongside's benchmark data.

Run by benchmarks/peers/run.py with Spirit's own virtualenv, in the generated project
(``DJANGO_SETTINGS_MODULE=spirit_bench.settings.bench``):

    python spirit_seed.py --posts 100000 --threads 10000 --target-posts 240 --state FILE --reset

The same shape as ``benchmarks/seed.py`` seeds for Alongside: the seven categories with the
same shares of topics, ``posts / 30`` authors, heavy-tailed replies per topic (the same
``reply_counts``), one measured topic of ``--target-posts`` comments (its opening comment
included), the same body texts rendered by Spirit's own Markdown, ~1.2 likes per comment,
about 1 % removed comments, ids in creation order. The benchmark members (``peer_m00``...)
get a real session each (Django's login, as Spirit's login view does); their cookies go to the
state file (mode 0600), never into the repository.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCHMARKS))

# Both import only the standard library: they run under Spirit's interpreter too.
import seed as alongside_seed  # noqa: E402
import texts  # noqa: E402

#: bump when what is seeded changes, so cached databases are seeded again
SEED_VERSION = 1
USER_PREFIX = "peer_u"
MEMBER_PREFIX = "peer_m"
PASSWORD = "peer-Password-2024"
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


def batched(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def bulk_insert(model: Any, rows: Sequence[Any], batch: int) -> None:
    from django.db import transaction

    for chunk in batched(rows, batch):
        with transaction.atomic():
            model.objects.bulk_create(chunk, batch_size=batch)


def reset() -> None:
    """Remove every user (and with them, by cascade, their profiles, topics, comments, likes,
    bookmarks, notifications) and sessions, and the benchmark categories. Spirit's own rows
    made by its migrations (the private category, djconfig) stay."""
    from django.db import connection
    from spirit.category.models import Category

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE TABLE auth_user, django_session RESTART IDENTITY CASCADE")
    Category.objects.filter(title__in=[c[1] for c in alongside_seed.COMMUNITIES]).delete()


def sync_sequences(models: Sequence[Any]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT MAX(id) FROM {table}), 1))"
            )


def seed(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from django.utils.text import slugify
    from djconfig import config, reload_maybe
    from spirit.category.models import Category
    from spirit.comment.like.models import CommentLike
    from spirit.comment.models import Comment
    from spirit.core.utils.markdown import Markdown
    from spirit.topic.models import Topic
    from spirit.user.models import UserProfile

    user_model = get_user_model()
    rng = random.Random(args.seed)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    now = timezone.now()

    if args.reset:
        with timed("reset", timings):
            reset()
    elif Topic.objects.exists():
        raise SystemExit("the Spirit database holds topics already; run again with --reset")

    with timed("categories", timings):
        categories = []
        for i, (_slug, name, _visibility, _teen, _share) in enumerate(alongside_seed.COMMUNITIES):
            category = Category(
                title=name,
                slug=slugify(name),
                description=f"A benchmark category about {name.lower()}.",
                sort=i + 10,
            )
            category.save()
            categories.append(category)
        slugs = [c[0] for c in alongside_seed.COMMUNITIES]
        shares = [c[4] for c in alongside_seed.COMMUNITIES]
        by_slug = dict(zip(slugs, categories, strict=True))

    n_users = max(50, args.posts // 30)
    with timed(f"users ({n_users} + {args.members})", timings):
        password = make_password(PASSWORD)  # one hash: authors never log in
        names = [f"{USER_PREFIX}{i:06d}" for i in range(n_users)]
        names += [f"{MEMBER_PREFIX}{i:02d}" for i in range(args.members)]
        users = [
            user_model(
                username=name,
                email=f"{name}@example.invalid",
                password=password,
                date_joined=now - DAY * rng.uniform(args.days, args.days * 2),
            )
            for name in names
        ]
        bulk_insert(user_model, users, args.batch)
        ids = dict(user_model.objects.values_list("username", "id"))
        author_ids = [ids[n] for n in names[:n_users]]
        member_ids = [ids[n] for n in names[n_users:]]
        bulk_insert(
            UserProfile,
            [
                UserProfile(user_id=ids[n], nickname=n, slug=slugify(n), is_verified=True)
                for n in names
            ],
            args.batch,
        )

    with timed("members' sessions", timings):
        members = []
        for name in names[n_users:]:
            browser = Client()
            browser.force_login(user_model.objects.get(username=name))
            members.append({"username": name, "sessionid": browser.cookies["sessionid"].value})

    with timed("render bodies", timings):
        words = random.Random(alongside_seed.TEMPLATE_SEED)  # the texts Alongside's seed uses
        openings = [(b, Markdown().render(b)) for b in texts.opening_bodies(words, 150)]
        replies = [(b, Markdown().render(b)) for b in texts.reply_bodies(words, 150)]

    with timed("plan topics and comments", timings):
        pool = author_ids + member_ids
        target = 0
        own = random.Random(alongside_seed.TARGET_SEED)  # the target's content at every size
        topics: list[dict[str, Any]] = []
        for i in range(args.threads):
            r = own if i == target else rng
            slug = alongside_seed.TARGET_COMMUNITY if i == target else rng.choices(slugs, shares)[0]
            created = now - 3 * DAY if i == target else now - DAY * r.uniform(0.05, args.days)
            topics.append(
                {
                    "category": by_slug[slug],
                    "user_id": alongside_seed.pick(r, pool),
                    "title": r.choice(texts.TITLES),
                    "date": created,
                    "comments": [],
                }
            )
        counts = alongside_seed.reply_counts(
            rng,
            args.threads,
            max(0, args.posts - args.threads),
            {target: max(0, args.target_posts - 1)},
        )
        comments = []
        for i, topic in enumerate(topics):
            r = own if i == target else rng
            first = {
                "topic": i,
                "user_id": topic["user_id"],
                "body": openings[r.randrange(len(openings))],
                "date": topic["date"],
                "removed": False,
            }
            topic["comments"].append(first)
            n = counts[i]
            span = (now - topic["date"]) if i == target else HOUR * rng.uniform(1, 24 * 7)
            span = min(span, now - topic["date"] - datetime.timedelta(seconds=1))
            for fraction in sorted(r.uniform(0, 1) for _ in range(n)):
                topic["comments"].append(
                    {
                        "topic": i,
                        "user_id": alongside_seed.pick(r, pool),
                        "body": replies[r.randrange(len(replies))],
                        "date": topic["date"] + span * fraction,
                        "removed": r.random() < 0.01,
                    }
                )
            comments.extend(topic["comments"])

    with timed("ids, likes", timings):
        order = sorted(range(len(topics)), key=lambda i: topics[i]["date"])
        first_topic = (Topic.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        for offset, i in enumerate(order):
            topics[i]["pk"] = first_topic + offset
        comments.sort(key=lambda c: c["date"])
        first_comment = (
            Comment.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ) + 1
        likes = []
        for offset, c in enumerate(comments):
            c["pk"] = first_comment + offset
            c["likes"] = 0
            if c["removed"]:
                continue
            n = min(len(pool), int(rng.expovariate(1 / args.likes) + 0.5))
            for uid in rng.sample(pool, n):
                likes.append(CommentLike(user_id=uid, comment_id=c["pk"], date=c["date"]))
            c["likes"] = n

    with timed(f"topics ({len(topics)})", timings):
        rows = []
        for i in order:
            t = topics[i]
            rows.append(
                Topic(
                    id=t["pk"],
                    user_id=t["user_id"],
                    category=t["category"],
                    title=t["title"],
                    slug=slugify(t["title"])[:50].strip("-"),
                    date=t["date"],
                    last_active=max(c["date"] for c in t["comments"]),
                    reindex_at=t["date"],
                    comment_count=len(t["comments"]),
                    view_count=rng.randint(len(t["comments"]), 20 * len(t["comments"])),
                )
            )
        bulk_insert(Topic, rows, args.batch)

    with timed(f"comments ({len(comments)})", timings):

        def comment_row(c: dict[str, Any]) -> Comment:
            body, html = c["body"]
            return Comment(
                id=c["pk"],
                user_id=c["user_id"],
                topic_id=topics[c["topic"]]["pk"],
                comment=body,
                comment_html=html,
                date=c["date"],
                is_removed=c["removed"],
                likes_count=c["likes"],
            )

        bulk_insert(Comment, [comment_row(c) for c in comments], args.batch)

    with timed(f"likes ({len(likes)})", timings):
        bulk_insert(CommentLike, likes, args.batch)

    with timed("profile counts", timings), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE spirit_user_userprofile p SET "
            "topic_count = (SELECT count(*) FROM spirit_topic_topic t WHERE t.user_id = p.user_id),"
            " comment_count = (SELECT count(*) FROM spirit_comment_comment c "
            "WHERE c.user_id = p.user_id)"
        )

    sync_sequences([Topic, Comment, CommentLike])
    with timed("vacuum analyze", timings), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    reload_maybe()
    target_topic = topics[target]
    category = target_topic["category"]
    summary = {
        "seed_version": SEED_VERSION,
        "posts": len(comments),
        "threads": len(topics),
        "target_posts": len(target_topic["comments"]),
        "members_count": len(members),
        "likes": len(likes),
        "users": len(names),
        "target_topic": target_topic["pk"],
        "topic_path": f"/topic/{target_topic['pk']}/{slugify(target_topic['title'])[:50]}/",
        "category": category.pk,
        "list_path": f"/category/{category.pk}/{category.slug}/",
        "category_topics": sum(1 for t in topics if t["category"] is category),
        "comments_per_page": config.comments_per_page,
        "topics_per_page": config.topics_per_page,
        "database": str(connection.settings_dict["NAME"]),
        "seeded_at": now.isoformat(),
        "seconds": round(time.perf_counter() - started, 2),
        "timings": timings,
    }
    state = {**summary, "members": members}
    fd = os.open(args.state, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(state, fh, indent=2)
    log(
        f"seeded Spirit: {summary['posts']} comments in {summary['threads']} topics, "
        f"{summary['likes']} likes, {summary['users']} users in {summary['seconds']} s; "
        f"measured topic {summary['topic_path']} ({summary['target_posts']} comments)"
    )
    return summary


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000, help="comments in all (10000)")
    parser.add_argument("--threads", type=int, default=None, help="topics (posts / 10)")
    parser.add_argument("--members", type=int, default=32, help="signed-in members (32)")
    parser.add_argument("--target-posts", type=int, default=240, help="comments of the topic")
    parser.add_argument("--likes", type=float, default=1.2, help="mean likes per comment")
    parser.add_argument("--days", type=int, default=180, help="topics spread over this many days")
    parser.add_argument("--batch", type=int, default=2000, help="rows per transaction (2000)")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed")
    parser.add_argument("--state", required=True, help="where to write the state (JSON, 0600)")
    parser.add_argument("--reset", action="store_true", help="remove earlier data first")
    args = parser.parse_args(argv)
    if args.threads is None:
        args.threads = max(1, args.posts // 10)
    if args.threads < 1 or args.posts < args.threads + args.target_posts - 1:
        parser.error("need at least one topic and posts >= threads + target-posts - 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    import django

    django.setup()
    seed(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
