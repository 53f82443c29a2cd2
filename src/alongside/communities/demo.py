"""Demo communities and threads: realistic, respectful, and idempotent (seeded once per
community; running the demo again changes nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from alongside.accounts.models import User
from alongside.accounts.selectors import actor_for_user
from alongside.communities.access import place_for
from alongside.communities.models import Community, Membership, Post, Thread
from alongside.communities.services import (
    community_create,
    post_create,
    reaction_add,
    thread_create,
)

V = Community.Visibility


@dataclass(frozen=True)
class DemoReply:
    author: str
    body: str
    anonymous: bool = False


@dataclass(frozen=True)
class DemoThread:
    author: str
    title: str
    body: str
    anonymous: bool = False
    warning: dict[str, object] | None = None
    tags: tuple[str, ...] = ()
    replies: tuple[DemoReply, ...] = ()
    support: tuple[tuple[str, str], ...] = ()  # (username, reaction kind)


@dataclass(frozen=True)
class DemoCommunity:
    slug: str
    name: str
    description: str
    rules: str
    visibility: str = V.PUBLIC
    teen_friendly: bool = False
    members: tuple[str, ...] = ()
    threads: tuple[DemoThread, ...] = field(default_factory=tuple)


RULES = (
    "1. Be kind. People here are often having a hard time.\n"
    "2. Share your experience, not instructions: no details of methods.\n"
    "3. No diagnosis or medication advice; talk to a professional about treatment.\n"
    "4. Keep others' stories private.\n"
    "5. If you are in danger right now, use the Get help now link at the top of every page."
)

COMMUNITIES: tuple[DemoCommunity, ...] = (
    DemoCommunity(
        "anxiety",
        "Anxiety",
        "Worry, panic, and the everyday work of living with an anxious mind.",
        RULES,
        teen_friendly=True,
        members=("river_stone", "quiet_harbor", "lin_wei", "lantern_keeper", "morning_walk"),
        threads=(
            DemoThread(
                "river_stone",
                "Panic on the train this morning",
                "It came out of nowhere between two stations. I counted things I could see "
                "and it passed, but I feel wrung out. Does the tiredness afterwards ever get "
                "easier?\n\n#panic #commuting",
                replies=(
                    DemoReply(
                        "lantern_keeper",
                        "That wrung-out feeling is so familiar. For me it got shorter once I "
                        "stopped fighting it: a glass of water, a slow walk, and being gentle "
                        "with myself for the rest of the day.",
                    ),
                    DemoReply(
                        "morning_walk",
                        "Counting what you could see was a good move. Well done for getting "
                        "through it.",
                    ),
                ),
                support=(("lantern_keeper", "hug"), ("quiet_harbor", "relate")),
            ),
            DemoThread(
                "quiet_harbor",
                "Exams next week and I can't sleep",
                "Every night my brain replays everything I haven't revised yet. Any tips "
                "that actually work? #sleep #exams",
                replies=(
                    DemoReply(
                        "lin_wei",
                        "Something that helps me: write tomorrow's three tasks on paper before "
                        "bed, so your head doesn't have to hold them. And it's fine to ask a "
                        "teacher for help planning.",
                    ),
                ),
                support=(("river_stone", "strength"),),
            ),
            DemoThread(
                "lantern_keeper",
                "Small win: I made the phone call",
                "I've been putting off calling the GP for weeks. Did it today. Shaky voice, "
                "but done. #smallwins",
                support=(("river_stone", "thanks"), ("morning_walk", "hug")),
            ),
            DemoThread(
                "morning_walk",
                "Does anyone else feel anxious on Sunday evenings?",
                "Not even about anything specific. Just a heavy feeling as the weekend ends.",
                anonymous=True,
            ),
        ),
    ),
    DemoCommunity(
        "depression",
        "Depression",
        "For low days and long stretches. You don't have to explain yourself here.",
        RULES,
        members=("river_stone", "bamboo_grove", "lantern_keeper"),
        threads=(
            DemoThread(
                "bamboo_grove",
                "Getting out of bed felt impossible today",
                "I managed a shower by the afternoon. That was all I had in me. Writing it "
                "here so it counts for something.",
                anonymous=True,
                replies=(
                    DemoReply(
                        "lantern_keeper",
                        "It counts. Some days a shower is the whole mountain. Thank you for "
                        "telling us.",
                    ),
                ),
                support=(("river_stone", "hug"), ("lantern_keeper", "strength")),
            ),
            DemoThread(
                "river_stone",
                "Things that helped me on grey days",
                "- opening the curtains first thing\n- one text to one friend\n"
                "- a ten-minute walk, even in the rain\n\nWhat's on your list? #selfcare",
            ),
        ),
    ),
    DemoCommunity(
        "grief",
        "Grief and loss",
        "For anyone missing someone: recent losses, old ones, and the complicated kind.",
        RULES,
        members=("morning_walk", "river_stone"),
        threads=(
            DemoThread(
                "morning_walk",
                "A year since my sister died",
                "The anniversary is on Thursday. I keep thinking about the last time we "
                "talked. I don't know how to spend the day.",
                warning={"topics": ["grief"], "text": "death of a family member"},
                replies=(
                    DemoReply(
                        "river_stone",
                        "I'm so sorry. When my dad's anniversary came, I cooked his favourite "
                        "meal and told stories about him. Maybe something small that was "
                        "hers?",
                    ),
                ),
                support=(("river_stone", "hug"),),
            ),
        ),
    ),
    DemoCommunity(
        "students",
        "Students",
        "School, university, deadlines, friendships and figuring things out.",
        RULES,
        teen_friendly=True,
        members=("quiet_harbor", "maple_morning", "xiao_yu"),
        threads=(
            DemoThread(
                "maple_morning",
                "Feeling left out of my friend group",
                "They made plans in a group chat I'm not in. Maybe I'm overthinking it but "
                "it really stung.",
            ),
            DemoThread(
                "xiao_yu",
                "考试压力好大",
                "每天都在复习到很晚，感觉有点喘不过气。大家是怎么放松的？ #考试",
                replies=(
                    DemoReply(
                        "quiet_harbor",
                        "I don't read Chinese well but I used a translator: same here. "
                        "Short walks between study blocks help me a bit.",
                    ),
                ),
            ),
        ),
    ),
    DemoCommunity(
        "parents",
        "Parents and carers",
        "Supporting a child or a family member, and looking after yourself while you do.",
        RULES,
        visibility=V.MEMBERS,
        members=("morning_walk",),
    ),
    DemoCommunity(
        "lgbtq",
        "LGBTQ+",
        "A space for LGBTQ+ people and questioning folks.",
        RULES,
        teen_friendly=True,
        members=("quiet_harbor", "lantern_keeper"),
    ),
    DemoCommunity(
        "recovery",
        "Recovery",
        "Recovery from substance use, eating disorders and self-harm: progress, setbacks, "
        "and the people walking alongside you.",
        RULES,
        visibility=V.MEMBERS,
        members=("river_stone",),
    ),
    DemoCommunity(
        "supporters-lounge",
        "Peer supporters' lounge",
        "A private room for trained peer supporters to debrief and look after each other.",
        RULES,
        visibility=V.PRIVATE,
        members=("lantern_keeper", "lin_wei"),
    ),
)


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def seed_communities() -> int:
    """Create the demo communities and, for a community with no threads yet, its threads.
    Returns how many threads were created."""
    created = 0
    with transaction.atomic():
        for spec in COMMUNITIES:
            community = Community.objects.filter(slug=spec.slug).first()
            if community is None:
                community = community_create(
                    slug=spec.slug,
                    name=spec.name,
                    description=spec.description,
                    rules=spec.rules,
                    visibility=spec.visibility,
                    teen_friendly=spec.teen_friendly,
                )
            for username in spec.members:
                user = _user(username)
                if user is not None:
                    Membership.objects.get_or_create(user=user, community=community)
            if Thread.objects.filter(community=community).exists():
                continue
            for demo in spec.threads:
                created += _seed_thread(community, demo)
    return created


def _seed_thread(community: Community, demo: DemoThread) -> int:
    author = _user(demo.author)
    if author is None:
        return 0
    actor = actor_for_user(author)
    written = thread_create(
        actor=actor,
        place=place_for(actor, community),
        title=demo.title,
        body=demo.body,
        anonymous=demo.anonymous,
        content_warning=demo.warning,
        tags=list(demo.tags),
    )
    for reply in demo.replies:
        replier = _user(reply.author)
        if replier is None:
            continue
        replier_actor = actor_for_user(replier)
        post_create(
            actor=replier_actor,
            thread=written.thread,
            place=place_for(replier_actor, community),
            body=reply.body,
            anonymous=reply.anonymous,
        )
    opening = Post.objects.get(pk=written.post.pk)
    for username, kind in demo.support:
        supporter = _user(username)
        if supporter is not None:
            supporter_actor = actor_for_user(supporter)
            reaction_add(
                actor=supporter_actor,
                post=opening,
                place=place_for(supporter_actor, community),
                kind=kind,
            )
    return 1
