"""Safety data: a person's safety plan, what the risk engine found in what they wrote, the
crisis queue (one open case per person, its timeline and notes), "worried about someone"
concerns, who is on call, and the outcome labels that let an operator evaluate the engine.

Private text (safety plans, case notes, concern notes) is encrypted with the key of the person
it is about, so erasing that person shreds it everywhere, backups included. Risk events keep
no words of the text they describe: only offsets, rule ids and a keyed digest (decision 0012).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alongside.core.fields import EncryptedTextField


class SafetyPlan(models.Model):
    """A Stanley–Brown safety plan. Every section is private text, encrypted at rest; the
    section keys match ``alongside.safety.plan.SECTION_KEYS``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_plan"
    )
    warning_signs = EncryptedTextField(owner_field="user", null=True, blank=True)
    coping_strategies = EncryptedTextField(owner_field="user", null=True, blank=True)
    distractions = EncryptedTextField(owner_field="user", null=True, blank=True)
    people_to_ask = EncryptedTextField(owner_field="user", null=True, blank=True)
    professionals = EncryptedTextField(owner_field="user", null=True, blank=True)
    environment_safety = EncryptedTextField(owner_field="user", null=True, blank=True)
    reasons_for_living = EncryptedTextField(owner_field="user", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:  # never the text
        return f"SafetyPlan({self.pk})"


class Level(models.TextChoices):
    """Risk levels of API.md, least to most urgent (``detection.LEVELS``)."""

    NONE = "none", _("No risk found")
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")
    IMMINENT = "imminent", _("Imminent")


class Case(models.Model):
    """One person's open crisis case: every high-risk text, concern and request for a person
    about them joins it until a responder closes it with an outcome.

    Ordering of the queue: ``priority`` (the rank of ``level``) first, then cases nobody has
    acknowledged yet, then the longest waiting. Escalation state lives here so that a restart
    loses nothing: ``next_escalation_at`` is when the periodic job next acts on the case.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        SUPPORTED = "supported", _("Supported")
        REFERRED = "referred", _("Referred to another service")
        EMERGENCY_SERVICES = "emergency_services", _("Emergency services contacted")
        FALSE_ALARM = "false_alarm", _("False alarm")

    class Source(models.TextChoices):
        RISK = "risk", _("Detected in what they wrote")
        SOMEONE_ELSE = "someone_else", _("Worried about someone they know")
        CONCERN = "concern", _("Someone is worried about them")
        ASKED = "asked", _("Asked to talk to a person")
        SCREENING = "screening", _("Screening safety question")

    id = models.BigAutoField(primary_key=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_cases"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    level = models.CharField(max_length=10, choices=Level.choices)
    #: ``detection.level_rank(level)``: sortable.
    priority = models.PositiveSmallIntegerField()
    sources = models.JSONField(default=list, blank=True)
    first_detected_at = models.DateTimeField(default=timezone.now)
    #: When the case last started to need a responder (opened, or its level rose after an
    #: acknowledgement). Waiting time and the acknowledgement deadline count from here.
    waiting_since = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Seconds from detection to the first acknowledgement (time-to-acknowledge).
    ack_seconds = models.PositiveIntegerField(null=True, blank=True)
    #: 0: on-call responders told; 1: every responder; 2: responders and administrators.
    escalation_level = models.PositiveSmallIntegerField(default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    last_escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="open"),
                name="safety_case_one_open_per_person",
            )
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["status", "-priority", "waiting_since", "id"], name="safety_case_queue"
            ),
            models.Index(
                fields=["next_escalation_at"],
                condition=models.Q(status="open", acknowledged_at__isnull=True),
                name="safety_case_escalation_due",
            ),
            models.Index(fields=["person", "-created_at"], name="safety_case_person"),
        ]

    def __str__(self) -> str:
        return f"Case({self.pk})"


class RiskEvent(models.Model):
    """The engine found risk (``low`` or above) in something a person wrote.

    No words of the text are kept here: ``spans`` holds ``[start, end, rule, category]``
    offsets into the assessed text and ``text_digest`` a keyed digest of it, so a responder's
    page can highlight the evidence in the post as long as it is unchanged, and the words
    follow the post's own life (edits, deletion, erasure).
    """

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="risk_events"
    )
    surface = models.CharField(max_length=12)
    object_type = models.CharField(max_length=20, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    level = models.CharField(max_length=10, choices=Level.choices)
    score = models.FloatField(default=0.0)
    subject = models.CharField(max_length=10, default="unknown")
    categories = models.JSONField(default=list, blank=True)
    rules = models.JSONField(default=list, blank=True)
    spans = models.JSONField(default=list, blank=True)
    text_digest = models.CharField(max_length=64, blank=True, default="")
    text_length = models.PositiveIntegerField(default=0)
    engine_version = models.CharField(max_length=40, blank=True, default="")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="risk_events"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "-created_at"], name="safety_riskevent_user"),
            models.Index(fields=["object_type", "object_id"], name="safety_riskevent_object"),
        ]

    def __str__(self) -> str:
        return f"RiskEvent({self.pk}, {self.level})"


class CaseEvent(models.Model):
    """The timeline of a case: who did what, when. No free text (notes are ``CaseNote``)."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Case opened")
        EVIDENCE = "evidence", _("New evidence")
        LEVEL_RAISED = "level_raised", _("Level raised")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        NOTE = "note", _("Note added")
        ESCALATED = "escalated", _("Escalated")
        OUTREACH = "outreach", _("Caring message sent")
        RESOLVED = "resolved", _("Resolved")

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["case", "-id"], name="safety_caseevent_case"),
            models.Index(fields=["kind", "-created_at"], name="safety_caseevent_kind"),
        ]


class CaseNote(models.Model):
    """Words attached to a case, encrypted with the key of the person the case is about.

    ``note`` and ``resolution`` are responders' notes (never shown to the person);
    ``member`` is what the person wrote when asking for someone to talk to; ``outreach`` is a
    message a responder sent them. The person sees (and exports) only the last two.
    """

    class Kind(models.TextChoices):
        NOTE = "note", _("Responder note")
        RESOLUTION = "resolution", _("Resolution note")
        MEMBER = "member", _("From the person")
        OUTREACH = "outreach", _("Message to the person")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.NOTE)
    text = EncryptedTextField(owner_field="person")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["case", "created_at"], name="safety_casenote_case"),
        ]

    def __str__(self) -> str:  # never the text
        return f"CaseNote({self.pk})"


class Concern(models.Model):
    """ "I'm worried about this person": goes to responders as a case about ``person``, never
    to the person. Rows are kept also when the target was not found (``person`` null), so the
    reporter's rate limit counts every attempt and the answer never tells the two apart."""

    class TargetType(models.TextChoices):
        POST = "post", _("A post")
        USER = "user", _("A person")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_type = models.CharField(max_length=8, choices=TargetType.choices)
    target_id = models.CharField(max_length=150)
    #: The reporter's words, encrypted with the key of the person they are about.
    note = EncryptedTextField(owner_field="person", null=True, blank=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="concerns"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["reporter", "-created_at"], name="safety_concern_reporter"),
            models.Index(fields=["person", "-created_at"], name="safety_concern_person"),
        ]

    def __str__(self) -> str:
        return f"Concern({self.pk})"


class OnCall(models.Model):
    """A responder on call from ``since`` until ``until`` (open-ended when null)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "-since"], name="safety_oncall_user"),
        ]


class SafetySettings(models.Model):
    """A person's choices about safety outreach (absent row: the defaults)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="safety_settings",
    )
    #: May a responder send a caring message when someone is worried about them?
    concern_outreach = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)


class RiskLabel(models.Model):
    """A human judgement on one risk event, from a resolved case: the engine's level next to
    the level a responder's outcome implies. ``alongside safety evaluate --scheme levels``
    reads these (with the post's current text) to measure the engine on local data."""

    risk_event = models.OneToOneField(RiskEvent, on_delete=models.CASCADE, related_name="label")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="labels"
    )
    engine_level = models.CharField(max_length=10, choices=Level.choices)
    engine_version = models.CharField(max_length=40, blank=True, default="")
    level = models.CharField(max_length=10, choices=Level.choices)
    outcome = models.CharField(max_length=20, choices=Case.Outcome.choices)
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
