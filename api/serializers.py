"""What the API reads and writes. Writes are validated by the same Django forms as the staff
pages (one validation path); the request serializers here describe those forms in the schema."""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from complaints.choices import (
    ActionArea,
    ActionKind,
    ActionStatus,
    AppealDecision,
    Channel,
    Demand,
    Emotion,
    EscalationReason,
    SendBackReason,
    Urgency,
)
from complaints.forms.page import CONTACT_CHANNELS
from complaints.models import Complaint, CustomerContact, Note
from complaints.selectors.privacy import may_see_contact, shield
from complaints.selectors.steps import runs_of
from complaints.selectors.worklist import ClockState


class ProblemErrorSerializer(serializers.Serializer):
    pointer = serializers.CharField(help_text=_("JSON Pointer to the field in error, “#/” for the whole request."))
    detail = serializers.CharField()
    code = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(required=False)
    instance = serializers.CharField(required=False)
    code = serializers.CharField(required=False)
    errors = ProblemErrorSerializer(many=True, required=False)


class ComplaintCreateSerializer(serializers.Serializer):
    """A complaint as another system sends it: the keys `route_preview` reads (docs/route-preview.md)."""

    customer_name = serializers.CharField(max_length=100)
    customer_phone = serializers.CharField(max_length=32)
    contact_person = serializers.CharField(max_length=100, required=False)
    customer_language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text=_("The language the customer reads (messages to the customer use it); default: the site's."),
    )
    description = serializers.CharField(
        required=False, help_text=_("The problem in the customer's words (alias of customer_words).")
    )
    customer_words = serializers.CharField(required=False)
    channel = serializers.ChoiceField(choices=Channel.choices)
    department = serializers.CharField(
        required=False, help_text=_("Code of the registering department; needed when the caller registers in several.")
    )
    category = serializers.CharField(required=False, help_text=_("Category code; default: the token's category."))
    product_model = serializers.CharField(max_length=100, required=False)
    batch_number = serializers.CharField(max_length=64, required=False)
    order_number = serializers.CharField(max_length=64, required=False)
    plate_or_vin = serializers.CharField(max_length=32, required=False)
    purchase_date = serializers.DateField(required=False)
    occurred_at = serializers.DateTimeField(required=False)
    occurred_place = serializers.CharField(max_length=200, required=False)
    handler_understanding = serializers.CharField(required=False)
    risk_flagged = serializers.BooleanField(required=False)
    manager_requested = serializers.BooleanField(required=False)
    demand = serializers.ChoiceField(choices=Demand.choices, required=False, help_text=_("Default: other."))
    demand_detail = serializers.CharField(max_length=300, required=False)
    requested_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    requested_compensation = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, help_text=_("Alias of requested_amount.")
    )
    emotion = serializers.ChoiceField(choices=Emotion.choices, required=False, help_text=_("Default: calm."))
    received_at = serializers.DateTimeField(required=False)
    promised_response_at = serializers.DateTimeField(required=False)
    answers = serializers.DictField(
        required=False, help_text=_("Answers to the category's questions by key; “form.<key>” top-level keys work too.")
    )


class CodeNameField(serializers.Field):
    """A configuration row as {code, name} (or null)."""

    def to_representation(self, value: Any) -> Any:
        return {"code": value.code, "name": str(value)}


class ComplaintCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    url = serializers.CharField()


class ComplaintSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    priority = serializers.SlugRelatedField(slug_field="code", read_only=True)
    level = serializers.SerializerMethodField()
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    answers = serializers.SerializerMethodField()
    custom_steps = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "reference",
            "customer_name",
            "customer_phone",
            "category",
            "product_model",
            "order_number",
            "customer_words",
            "demand",
            "requested_amount",
            "emotion",
            "channel",
            "risk_flagged",
            "department",
            "owner",
            "priority",
            "level",
            "stage",
            "outcome",
            "received_at",
            "first_response_due",
            "response_due",
            "resolution_due",
            "waiting_since",
            "closed_at",
            "answers",
            "custom_steps",
        ]
        read_only_fields = fields

    def get_level(self, obj: Complaint) -> int | None:
        return obj.level.rank if obj.level_id else None

    def to_representation(self, instance: Complaint) -> Any:
        """Contact details (name, phone, and numbers inside the words) masked unless the caller sees
        them in full under the privacy policy; full reads are collected for the access log."""
        request = self.context.get("request")
        full = may_see_contact(getattr(request, "user", None), instance)
        if full and "seen_in_full" in self.context:
            self.context["seen_in_full"].append(instance)
        return super().to_representation(shield(instance, full=full))

    def get_answers(self, obj: Complaint) -> dict[str, Any]:
        if not self.context.get("with_answers"):
            return {}
        return {answer.key: answer.value for answer in obj.answers.filter(run__isnull=True).select_related("field")}

    def get_custom_steps(self, obj: Complaint) -> list[dict[str, Any]]:
        """The admin-defined steps the complaint ran (on one complaint's page, like its answers)."""
        if not self.context.get("with_answers"):
            return []
        return [
            {
                "step": run.step.code,
                "point": run.point,
                "outcome": run.outcome,
                "started_at": run.created,
                "done_at": run.done_at,
                "note": run.note,
                "answers": {answer.key: answer.value for answer in run.answers.all()},
            }
            for run in runs_of([obj.pk]).prefetch_related("answers__field").order_by("created", "pk")
        ]


class EscalateSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=EscalationReason.choices)
    note = serializers.CharField(max_length=4000, required=False, help_text=_("Required for “other”."))
    suggested_direction = serializers.CharField(max_length=2000, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    affected = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False)
    seen_level = serializers.IntegerField(
        required=False, help_text=_("The level id the caller saw; refused if the complaint moved meanwhile.")
    )


class SendBackSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=SendBackReason.choices)
    note = serializers.CharField(max_length=4000, required=False)
    seen_level = serializers.IntegerField(required=False)


class EscalationResultSerializer(serializers.Serializer):
    direction = serializers.CharField()
    from_level = serializers.IntegerField(allow_null=True)
    to_level = serializers.IntegerField(allow_null=True)
    detail = serializers.CharField()


class CompensationSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    purpose = serializers.CharField(max_length=2000)


class CompensationResultSerializer(serializers.Serializer):
    approval = serializers.IntegerField(allow_null=True, help_text=_("The approval request, if one was needed."))
    amount = serializers.CharField()
    detail = serializers.CharField()


class CollaborationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    department = serializers.CharField(help_text=_("Code of a functional department."))
    question = serializers.CharField(max_length=4000)


class AppealRequestSerializer(serializers.Serializer):
    grounds = serializers.CharField(max_length=4000, help_text=_("Why the customer appeals, in their words."))


class AppealSerializer(serializers.Serializer):
    """An appeal to the independent customer-experience office and its decision, if made."""

    id = serializers.IntegerField(read_only=True)
    office = serializers.CharField(help_text=_("Code of the office department."))
    grounds = serializers.CharField()
    filed_by = serializers.CharField(allow_null=True, help_text=_("The agent who filed it; null: the customer."))
    created = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    decision = serializers.ChoiceField(choices=AppealDecision.choices, allow_blank=True)
    decision_text = serializers.CharField(allow_blank=True)
    remedy = serializers.CharField(allow_blank=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class WaitSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000, help_text=_("What the customer complained about again."))


class ReopenResultSerializer(serializers.Serializer):
    task = serializers.IntegerField(help_text=_("The containment task the reopened complaint waits in."))
    detail = serializers.CharField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_by = serializers.CharField(allow_null=True)
    uploaded_at = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField(help_text=_("Download it here with the same token."))


class AttachmentUploadSerializer(serializers.Serializer):
    attachments = serializers.ListField(
        child=serializers.FileField(), help_text=_("One or more files (multipart/form-data).")
    )


class ActionSerializer(serializers.Serializer):
    """A corrective action of the complaint (the quality card's row)."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ActionKind.choices)
    area = serializers.ChoiceField(choices=ActionArea.choices, allow_blank=True)
    description = serializers.CharField()
    causes = serializers.ListField(child=serializers.IntegerField(), help_text=_("Ids of the causes it addresses."))
    department = serializers.CharField(allow_null=True, help_text=_("Code of the department responsible."))
    owner = serializers.CharField(allow_null=True, help_text=_("Login of its owner."))
    due_date = serializers.DateField(allow_null=True)
    cost = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    status = serializers.ChoiceField(choices=ActionStatus.choices)
    evidence = serializers.CharField(allow_blank=True)
    files = serializers.ListField(child=serializers.IntegerField(), help_text=_("Ids of its evidence attachments."))
    verification_note = serializers.CharField(allow_blank=True)
    reopened_reason = serializers.CharField(allow_blank=True)
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


class ActionCreateSerializer(serializers.Serializer):
    """The quality card's "Plan a corrective action" form (evidence files: add them to the
    complaint's attachments)."""

    kind = serializers.ChoiceField(choices=ActionKind.choices)
    area = serializers.ChoiceField(choices=ActionArea.choices)
    description = serializers.CharField(max_length=4000)
    causes = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text=_("Ids of this complaint's causes it addresses; required for a permanent action."),
    )
    department = serializers.CharField(
        required=False, help_text=_("Code of the department responsible: another one gets a task in its queue.")
    )
    owner = serializers.CharField(required=False, help_text=_("Login of an active user."))
    due_date = serializers.DateField(required=False)
    cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)


# The statuses a progress report may set (verification is the quality card's, not a report's); named
# in SPECTACULAR_SETTINGS so the schema has one enum per choice set.
ACTION_REPORTED = [
    (status.value, status.label) for status in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.DONE)
]


class ActionProgressSerializer(serializers.Serializer):
    """The quality card's "Report progress" form: planned, in progress or done (done needs evidence)."""

    status = serializers.ChoiceField(choices=ACTION_REPORTED)
    evidence = serializers.CharField(max_length=4000, required=False)
    seen_status = serializers.ChoiceField(
        choices=ActionStatus.choices,
        required=False,
        help_text=_("The status you last read: refused with 412 if someone changed the action since."),
    )


class AnsweredSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, required=False)


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Note
        fields = ["id", "text", "author", "at"]
        read_only_fields = ["id", "author", "at"]
        extra_kwargs = {"text": {"max_length": 8000}}


class ContactSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    channel = serializers.ChoiceField(choices=CONTACT_CHANNELS)

    class Meta:
        model = CustomerContact
        fields = ["id", "channel", "summary", "promise", "promised_by", "by", "at"]
        read_only_fields = ["id", "by", "at"]
        extra_kwargs = {"summary": {"max_length": 4000}}


# How a task's governing deadline stands (complaints.selectors.worklist.clock_state).
DEADLINE_STATES = [
    (ClockState.BREACHED, _("Breached")),
    (ClockState.WARNING, _("Past the warning time")),
    (ClockState.RUNNING, _("Running")),
    (ClockState.PAUSED, _("Paused (waiting for the customer)")),
    (ClockState.NONE, _("No deadline")),
]


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    step = serializers.CharField()
    status = serializers.CharField()
    owner = serializers.CharField(allow_null=True)
    queue = serializers.CharField(allow_null=True)
    complaint = serializers.IntegerField(allow_null=True)
    reference = serializers.CharField(allow_null=True)
    created = serializers.DateTimeField()
    due = serializers.DateTimeField(
        allow_null=True,
        help_text=_(
            "When the deadline that governs the task falls due (the staff lists' “Time left”); null while "
            "it is paused or when none runs."
        ),
    )
    warn = serializers.DateTimeField(
        allow_null=True, help_text=_("When that deadline's warning time falls; null when it has none.")
    )
    deadline_state = serializers.ChoiceField(
        choices=DEADLINE_STATES,
        help_text=_(
            "How that deadline stands now: breached, past its warning time, running, paused (waiting for "
            "the customer) or none. The lists put breached first, then by due time, then paused, then none."
        ),
    )
    paused_left = serializers.DurationField(
        format="iso-8601",
        allow_null=True,
        help_text=_("The time a paused deadline has left (ISO 8601); null unless paused."),
    )


# --- KPIs (read-only; complaints.selectors.kpi.Summary as JSON) ------------------------------


class KpiRatioSerializer(serializers.Serializer):
    """A KPI as part / whole; the codes name the parts for the dashboard's drill-down lists."""

    label = serializers.CharField()
    part = serializers.IntegerField()
    whole = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    meets_target = serializers.BooleanField(allow_null=True)
    part_code = serializers.CharField()
    whole_code = serializers.CharField()


class KpiTimeSerializer(serializers.Serializer):
    level = serializers.CharField()
    priority = serializers.CharField()
    count = serializers.IntegerField()
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)
    part_code = serializers.CharField()


class KpiParetoSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.FloatField()
    share = serializers.FloatField()
    cumulative = serializers.FloatField()


class KpiTrendSerializer(serializers.Serializer):
    bucket = serializers.DateTimeField()
    part_code = serializers.CharField()
    total = serializers.IntegerField()
    valid = serializers.IntegerField()
    escalated = serializers.IntegerField()


class KpiRegionSerializer(serializers.Serializer):
    department = serializers.IntegerField(source="department.pk")
    department_name = serializers.CharField(source="department.name")
    volume = serializers.IntegerField()
    fcr = serializers.FloatField(allow_null=True)
    escalation = serializers.FloatField(allow_null=True)
    satisfaction = serializers.FloatField(allow_null=True)
    repeat = serializers.FloatField(allow_null=True)
    response_met = serializers.FloatField(
        allow_null=True, help_text="Share of level response deadlines met (%), on the basis asked (region_basis)."
    )
    resolution_met = serializers.FloatField(
        allow_null=True, help_text="Share of level resolution deadlines met (%), on the basis asked (region_basis)."
    )
    own_limits = serializers.BooleanField(help_text="The department or one below it sets its own time limits.")


class KpiSummarySerializer(serializers.Serializer):
    """Every KPI of the dashboard for the filters given (definitions: DOMAIN.md and the dashboard)."""

    start = serializers.DateField(allow_null=True, help_text="First day counted (complaints received from).")
    end = serializers.DateField(allow_null=True, help_text="Last day counted.")
    volume = serializers.IntegerField()
    valid = serializers.IntegerField()
    invalid = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    fcr = KpiRatioSerializer()
    escalation = KpiRatioSerializer(many=True)
    resolution_times = KpiTimeSerializer(many=True)
    deadlines = KpiRatioSerializer(many=True)
    satisfaction = KpiRatioSerializer()
    recovery = KpiRatioSerializer()
    repeat = KpiRatioSerializer()
    compensation = serializers.DecimalField(max_digits=16, decimal_places=2)
    action_cost = serializers.DecimalField(max_digits=16, decimal_places=2)
    open_batches = serializers.IntegerField()
    appeals = serializers.IntegerField()
    categories = KpiParetoSerializer(many=True)
    causes = KpiParetoSerializer(many=True)
    responsibility = KpiParetoSerializer(many=True)
    trend_unit = serializers.ChoiceField(choices=["week", "month"])
    trend = KpiTrendSerializer(many=True)
    regions = KpiRegionSerializer(many=True)
