"""Neutral, respectful text for benchmark data: everyday peer-support writing, no details of
self-harm or methods. Bodies are assembled from these pieces into a fixed number of distinct
templates (each rendered to HTML once), so a seeded database has realistic word statistics
for full-text search without a Markdown render per row."""

from __future__ import annotations

import random

TITLES = [
    "Struggling to sleep before exams",
    "First week back at work after a hard month",
    "How do you explain anxiety to family?",
    "Small win today",
    "Feeling low and not sure why",
    "Missing my grandmother this week",
    "Tips for getting through Sunday evenings",
    "Coming out to a friend went better than expected",
    "Therapy waiting list is long, what helped you meanwhile?",
    "Parenting a teenager who won't talk to me",
    "One year without drinking",
    "Panic in the supermarket again",
    "Grief comes in waves",
    "Starting university far from home",
    "I finally asked for help",
    "Routines that keep me steady",
    "Does anyone else feel tired all the time?",
    "Gratitude thread: one good thing today",
    "Talking to my doctor next week, nervous",
    "Loneliness after moving to a new city",
    "How do you deal with intrusive worries at night?",
    "Supporting a partner through a rough patch",
    "Back to square one, or so it feels",
    "Walking helped more than I expected",
    "Exam results day",
    "Anniversary of a loss",
    "Trying journaling for the first time",
    "When friends don't understand",
    "Setting boundaries with family",
    "Six months in recovery, checking in",
    "A calm morning for once",
    "Is it normal to feel numb?",
    "Weekend check-in",
    "Looking for study buddies who get it",
    "My kid had a good day at school",
    "Pride month feelings",
    "Learning to be kind to myself",
    "Night shifts and my mood",
    "Breathing exercises that actually work for me",
    "What do you say when people ask how you are?",
]

OPENERS = [
    "I have not posted here before, but I have been reading for a while.",
    "This week has been a lot, and I wanted to write it down somewhere kind.",
    "Checking in because I told myself I would.",
    "I am not really sure how to start this, so I will just start.",
    "Something small happened today and I wanted to share it.",
    "Long time reader, first time writing.",
    "It has been a hard few days.",
    "I wanted to say thank you to everyone who replied last time.",
    "Today was better than yesterday, which is something.",
    "I keep thinking about what someone said here last week.",
]

MIDDLES = [
    "My sleep has been all over the place and everything feels heavier when I am tired.",
    "I tried the breathing exercise someone suggested and it helped me get through the afternoon.",
    "Work has been stressful and I notice my worries get louder in the evening.",
    "I miss my mum a lot this time of year, and the quiet in the house is hard.",
    "My friends are lovely but I find it hard to explain what is going on in my head.",
    "I went for a walk by the river and felt a little more like myself.",
    "The waiting list for counselling is months long, so I am trying to find support here.",
    "Exams start next week and I cannot seem to focus for more than ten minutes.",
    "My teenager has been withdrawn and I am trying to be patient without pushing.",
    "I have been keeping a journal and writing three things I am grateful for each night.",
    "Some days I wake up feeling fine, and other days getting out of bed takes everything.",
    "I told my sister how I was feeling and she listened without trying to fix it.",
    "I noticed I have been skipping meals when I am anxious, so I set reminders.",
    "Grief is strange: I laughed at a memory today and then cried in the car.",
    "Moving to a new city has been lonelier than I expected.",
    "I am proud that I made the phone call I had been putting off for weeks.",
    "My doctor was kind and we made a plan together, which took some weight off.",
    "Music has been helping, especially quiet piano in the evenings.",
    "I do better with a routine: same wake time, a short walk, then breakfast.",
    "I get tired of pretending I am fine at work.",
    "Coming out to my friend was scary, but she hugged me and said she was glad I told her.",
    "I have been sober for a year and some days it still feels new.",
    "The panic came in the shop again, but I remembered to breathe and it passed.",
    "I find the nights hardest, when everything is quiet and my mind is not.",
    "Our support group meets on Thursdays and it has become the anchor of my week.",
    "I am learning that rest is not the same as giving up.",
    "My partner is going through a rough time and I want to support them without burning out.",
    "Studying with a friend on video call made the library feel less lonely.",
    "I keep comparing myself to others and it never helps.",
    "Reading other people's posts here makes me feel less alone.",
]

CLOSERS = [
    "Has anyone else been through something like this?",
    "Thank you for reading, it helps just to write it.",
    "Any tips that worked for you would mean a lot.",
    "Sending care to everyone else having a tough week.",
    "I will check in again soon.",
    "How are you all doing today?",
    "No advice needed, I just wanted to share.",
    "Be gentle with yourselves.",
]

REPLIES = [
    "Thank you for sharing this. I relate to so much of it.",
    "Sending you a hug. You are not alone in this.",
    "That sounds really hard. I am glad you wrote it here.",
    "What helped me with sleep was keeping my phone out of the bedroom.",
    "I am proud of you for making that call, it takes courage.",
    "Same here. The evenings are the hardest for me too.",
    "Grief does come in waves. Be gentle with yourself on the heavy days.",
    "A routine helped me a lot too, even a small one.",
    "Have you been able to talk to anyone offline about this? It might help.",
    "I read this twice because it felt like I could have written it.",
    "Walking helps me too, especially in the morning.",
    "Congratulations on a year! That is a big deal.",
    "It is okay not to be okay. Thank you for being honest.",
    "My counsellor suggested writing worries down before bed so they wait until morning.",
    "I hope tomorrow is kinder to you.",
    "The breathing exercise with the longer out-breath works for me too.",
    "Your kid is lucky to have a parent who cares this much.",
    "Studying in short blocks with breaks made exams more manageable for me.",
    "Checking in on you. How did today go?",
    "It took me a long time to learn that rest is productive too.",
]

TAG_LINES = [
    "#sleep #selfcare",
    "#anxiety",
    "#grief",
    "#exams #students",
    "#parenting",
    "#recovery",
    "#lgbtq #pride",
    "#gratitude",
    "#mindfulness #breathing",
    "#loneliness",
    "#smallwins",
    "#therapy",
]

#: A word common in bodies (about one post in eight), used for the search benchmark.
SEARCH_WORD = "sleep"


def _markdownish(rng: random.Random, text: str) -> str:
    """Some posts use a little Markdown, as people do."""
    roll = rng.random()
    if roll < 0.1:
        return text.replace("I ", "**I** ", 1)
    if roll < 0.15:
        return text + "\n\n- a short walk\n- a glass of water\n- one message to a friend"
    if roll < 0.18:
        return text + "\n\nThis page helped me: https://www.example.org/coping-with-stress"
    return text


def opening_bodies(rng: random.Random, count: int) -> list[str]:
    bodies = []
    for _ in range(count):
        parts = [rng.choice(OPENERS), *rng.sample(MIDDLES, rng.randint(1, 3))]
        text = " ".join(parts) + "\n\n" + rng.choice(CLOSERS)
        if rng.random() < 0.4:
            text += "\n\n" + rng.choice(TAG_LINES)
        bodies.append(_markdownish(rng, text))
    return bodies


def reply_bodies(rng: random.Random, count: int) -> list[str]:
    bodies = []
    for _ in range(count):
        parts = [rng.choice(REPLIES)]
        if rng.random() < 0.6:
            parts.append(rng.choice(MIDDLES))
        text = " ".join(parts)
        if rng.random() < 0.1:
            text += " " + rng.choice(TAG_LINES)
        bodies.append(_markdownish(rng, text))
    return bodies
