"""The API's doors: each validates with the staff page's form and calls the same service."""

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import django_filters
from django.core.paginator import InvalidPage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.forms import FileField
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ErrorDetail, NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from viewflow.workflow.models import Task

from api import scope
from api.models import ApiToken, IdempotencyRecord
from api.problems import Refused
from api.serializers import (
    ActionCreateSerializer,
    ActionProgressSerializer,
    ActionSerializer,
    AnsweredSerializer,
    AppealRequestSerializer,
    AppealSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CollaborationSerializer,
    CompensationResultSerializer,
    CompensationSerializer,
    ComplaintCreatedSerializer,
    ComplaintCreateSerializer,
    ComplaintSerializer,
    ContactSerializer,
    EscalateSerializer,
    EscalationResultSerializer,
    KpiSummarySerializer,
    NoteSerializer,
    ReopenResultSerializer,
    ReopenSerializer,
    SendBackSerializer,
    TaskSerializer,
    WaitSerializer,
)
from complaints.admin.tools import CONFIG_PERMISSION
from complaints.choices import Outcome, Stage
from complaints.downloads import attachment_response
from complaints.forms import IntakeForm
from complaints.forms import escalation as escalation_forms
from complaints.forms import page as page_forms
from complaints.forms import quality as quality_forms
from complaints.forms.answers import ANSWER_PREFIX
from complaints.forms.customer_side import AppealForm
from complaints.forms.kpi import KpiFilterForm
from complaints.models import AccessLog, Appeal, Complaint, CustomerContact, Escalation, Note
from complaints.rules.privacy import mask_text
from complaints.selectors.escalation import is_handler
from complaints.selectors.intake_forms import ROUTING_PREFIX, categories_by_id
from complaints.selectors.kpi import RegionBasis, kpi_summary, may_see_dashboard, region_comparison
from complaints.selectors.once import reads_once
from complaints.selectors.pages import PeekPaginator
from complaints.selectors.privacy import may_see_contact
from complaints.selectors.quality import actions_of
from complaints.selectors.routing import departments_by_id, levels_by_id, priorities_by_id
from complaints.selectors.worklist import (
    LIST_RELATED,
    NUMBERED_COLUMNS,
    ClockState,
    attach_cases,
    attach_config,
    attach_deadlines,
    clock_state,
    complaint_search,
    inbox_rows,
    of_cases,
    queue_branches,
    queue_rows,
)
from complaints.services import intake, quality
from complaints.services.appeal import appeal_open
from complaints.services.approvals import compensation_propose
from complaints.services.assignment import task_claim, task_release
from complaints.services.attachments import attachment_add
from complaints.services.clocks import complaint_customer_answered, complaint_wait_for_customer
from complaints.services.collaboration import collaboration_request
from complaints.services.config_io import ConfigImportError, config_export, config_import
from complaints.services.escalation import complaint_escalate, complaint_send_back
from complaints.services.inserts import insert_new
from complaints.services.notes import note_add
from complaints.services.privacy import access_record
from complaints.services.stages import contact_log
from complaints.services.transitions import one_transition

IDEMPOTENCY_HEADER = "Idempotency-Key"
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=_("The complaint's ETag as last read: refused with 412 if it changed since."),
)
ALIASES = {"description": "customer_words", "requested_compensation": "requested_amount"}
CREATE_KEYS = set(ComplaintCreateSerializer().fields) - {"answers"}


def form_or_400(form: Any) -> dict[str, Any]:
    """The form's cleaned data, or a 400 with its field errors (the staff page's messages, with
    their codes); a category question's error points into `answers`."""
    if form.is_valid():
        return form.cleaned_data
    errors: dict[str, Any] = {}
    for field, items in form.errors.as_data().items():
        details = [ErrorDetail(message, code=error.code or "invalid") for error in items for message in error]
        if field.startswith(ANSWER_PREFIX):
            errors.setdefault("answers", {})[field[len(ANSWER_PREFIX) :]] = details
        else:
            errors[field] = details
    raise ValidationError(errors)


class ApiIntakeForm(IntakeForm):
    """The staff intake form as an integration fills it: departments and categories by code, the
    departments narrowed to the token's, and no promised response time (no person promised one)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].to_field_name = "code"  # type: ignore[attr-defined]
        self.fields["promised_response_at"].required = False


def intake_data(payload: Any, *, token: ApiToken | None, departments: set[int]) -> dict[str, Any]:
    """The intake form's data from the API's JSON (route_preview's keys and aliases); `departments`:
    the ids of those the request may register in."""
    if not isinstance(payload, dict):
        raise ValidationError({"non_field_errors": [_("The complaint must be a JSON object.")]})
    answers = payload.get("answers") or {}
    if not isinstance(answers, dict):
        raise ValidationError({"answers": [_("Answers must be an object keyed by question.")]})
    answers = {**answers, **{k[len(ROUTING_PREFIX) :]: v for k, v in payload.items() if k.startswith(ROUTING_PREFIX)}}
    unknown = sorted(k for k in payload if k not in CREATE_KEYS and k != "answers" and not k.startswith(ROUTING_PREFIX))
    if unknown:
        raise ValidationError({key: [_("Unknown field.")] for key in unknown})
    data: dict[str, Any] = {ALIASES.get(k) or k: v for k, v in payload.items() if k in CREATE_KEYS}
    # What the staff form preselects or the model defaults to; the schema documents both.
    data.setdefault("demand", "other")
    data.setdefault("emotion", "calm")
    if not data.get("department") and len(departments) == 1:
        # The departments are read once per configuration (complaints.selectors.once).
        only = departments_by_id().get(next(iter(departments)))
        if only is not None:
            data["department"] = only.code
    code = data.get("category")
    if code in (None, "") and token is not None and token.default_category_id:
        data["category"] = str(token.default_category_id)
    elif code not in (None, ""):
        # The categories are read once per configuration (complaints.selectors.once).
        found = [c.pk for c in categories_by_id().values() if c.active and c.code == str(code)]
        data["category"] = str(found[0]) if found else "-"
    data.update({ANSWER_PREFIX + str(key): value for key, value in answers.items()})
    return {k: "" if v is None else v for k, v in data.items()}


def complaint_start(*, request: Request, payload: Any) -> Complaint:
    """Registers a complaint and starts its process exactly as the staff intake page does: the
    start node's permission, the intake form, complaint_register, then the flow runs triage. The
    whole registration reads each settings row once."""
    with reads_once():
        return _complaint_start(request=request, payload=payload)


def _complaint_start(*, request: Request, payload: Any) -> Complaint:
    from flows.flows import ComplaintFlow

    node = ComplaintFlow.start
    activation = node.activation_class.create(node, None, None)
    if not node.can_execute(request.user, activation.task):
        raise Refused(_("You may not register complaints."))
    departments = scope.registering(request)
    token = request.auth if isinstance(request.auth, ApiToken) else None
    data = intake_data(payload, token=token, departments=departments)
    form = ApiIntakeForm(data=data, user=request.user, instance=activation.process, department_ids=departments)
    cleaned = form_or_400(form)
    # One transition, as the staff intake page: the walk's tasks and the lists' deadline rows of the
    # new complaint are written once, at the end. Inside the Idempotency-Key's transaction no
    # savepoint: a failure here rolls that back as well.
    with one_transition(savepoint=False):
        activation.start(SimpleNamespace(user=request.user))
        complaint = intake.complaint_register(
            complaint=activation.process,
            data=cleaned,
            department=cleaned["department"],
            receiver=request.user,
            answer_form=form.answer_form,
            answers=form.answers,
        )
        activation.execute()
    return complaint


def key_claim(*, user: Any, key: str, fingerprint: str) -> int | None:
    """Records the first request with this Idempotency-Key (returns the record's id), or None when
    the user sent the key before. One statement, no savepoint: a concurrent request with the same key
    waits on the unique index until the first one's transaction ends, then gets None (or, if that
    one rolled back, the key)."""
    record = IdempotencyRecord(user=user, key=key, fingerprint=fingerprint)
    return record.pk if insert_new(IdempotencyRecord, [record], unique=("user", "key")) else None


def fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class InstantFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 instant, compared in UTC (the database refuses offsets beyond ±15:59)."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:
                raise ValidationError({self.field_name: [_("Enter a valid date/time.")]}) from None
        return super().filter(qs, value)


class ComplaintFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices)
    department = django_filters.CharFilter(field_name="department__code", help_text=_("Department code."))
    category = django_filters.CharFilter(field_name="category__code", help_text=_("Category code."))
    priority = django_filters.CharFilter(method="by_priority", help_text=_("Priority code, e.g. P1."))
    level = django_filters.NumberFilter(method="by_level", help_text=_("Level rank."))
    reference = django_filters.CharFilter(field_name="reference")
    received_after = InstantFilter(field_name="received_at", lookup_expr="gte")
    received_before = InstantFilter(field_name="received_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="search", help_text=_("Reference, phone, name or words, as in the lists."))

    class Meta:
        model = Complaint
        fields: list[str] = []

    def search(self, queryset: QuerySet[Complaint], name: str, value: str) -> QuerySet[Complaint]:
        return queryset.filter(pk__in=complaint_search(value).values("pk"))

    # The priority and level by their ids, from the configuration copy: the list so filtered is read
    # from the column's index with the number (NewestFirst), which a join to the priority or level
    # table would keep PostgreSQL from.
    def by_priority(self, queryset: QuerySet[Complaint], name: str, value: str) -> QuerySet[Complaint]:
        return queryset.filter(priority_id__in=[p.pk for p in priorities_by_id().values() if p.code == value])

    @extend_schema_field(OpenApiTypes.INT)  # a rank, as the level__rank filter it replaced said
    def by_level(self, queryset: QuerySet[Complaint], name: str, value: Any) -> QuerySet[Complaint]:
        return queryset.filter(level_id__in=[lv.pk for lv in levels_by_id().values() if lv.rank == value])


class NewestFirst(CursorPagination):
    ordering = "-created"  # the index the staff list pages by (process_created); ties: the cursor offset
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> Any:
        """Newest first; filtered by stage, outcome, priority or level (NUMBERED_COLUMNS), latest
        registered first (by number: the order of creation), read from that column's index with the
        number. Newest first, the walk tested every complaint until a page of a rare choice: 90-120
        ms for a stage, a priority or a level at 1,000,000 complaints, 3.8 s for an outcome none
        has."""
        if any(request.query_params.get(name) for name in NUMBERED_COLUMNS):
            return ("-pk",)
        return super().get_ordering(request, queryset, view)


def created_response(complaint: Complaint, *, replay: bool) -> Response:
    url = reverse("api:complaint-detail", args=[complaint.pk])
    body = {"id": complaint.pk, "reference": complaint.reference, "url": url}
    headers = {"Location": url}
    if replay:
        headers["Idempotent-Replayed"] = "true"
    return Response(body, status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED, headers=headers)


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Complaints the caller may see, exactly as in the staff pages."""

    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilter
    pagination_class = NewestFirst
    queryset = Complaint.objects.none()

    def get_queryset(self) -> QuerySet[Complaint]:
        # The configuration's rows from its copy (paginate_queryset, get_object): joined, the list's
        # six tables took PostgreSQL longer to plan than to read a page (3.5 ms against 0.6 at
        # 1,000,000 complaints).
        return scope.visible_complaints(self.request, listed=self.action == "list").select_related("owner")

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        if page is not None:
            attach_config(page)
        return page

    def get_object(self) -> Any:
        complaint = super().get_object()
        attach_config([complaint])
        return complaint

    def filter_queryset(self, queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
        # The filters are the list's; a detail URL names one complaint whatever the query string says.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["handling"] = getattr(self, "_handling", set())
        context["with_answers"] = self.action == "retrieve"
        self._seen_in_full: list[Complaint] = []
        context["seen_in_full"] = self._seen_in_full
        return context

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        """Every complaint a read showed in full goes to the access log, in one INSERT."""
        seen = getattr(self, "_seen_in_full", None)
        if seen and request.method == "GET" and getattr(response, "status_code", 500) < 400:
            access_record(user=request.user, complaints={c.pk: c for c in seen}.values(), kind=AccessLog.Kind.API)
        return super().finalize_response(request, response, *args, **kwargs)

    def complaint(self) -> Complaint:
        """The complaint of the URL in the caller's scope (404 outside it). On a write, a stale
        If-Match (the complaint changed since the caller read it) answers 412."""
        complaint = self.get_object()
        self._handling = {complaint.pk} if is_handler(user=self.request.user, complaint=complaint) else set()
        expected = self.request.headers.get("If-Match")
        if expected and self.request.method != "GET" and expected.strip() != self.etag(complaint):
            raise PreconditionFailed()
        return complaint

    def etag(self, complaint: Complaint) -> str:
        """A strong ETag over everything the API shows of the complaint."""
        context = {"handling": self._handling, "with_answers": True}
        data = ComplaintSerializer(complaint, context=context).data
        return '"' + hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32] + '"'

    def handlers_only(self) -> None:
        if not self._handling:
            raise Refused(_("Only someone handling this complaint can do this."))

    @extend_schema(
        request=ComplaintCreateSerializer,
        responses={201: ComplaintCreatedSerializer, 200: ComplaintCreatedSerializer},
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description=_("A key unique to this complaint: a retry with the same key returns the first result."),
            )
        ],
    )
    def create(self, request: Request) -> Response:
        """Registers a complaint and starts its process, as staff intake does. With an
        Idempotency-Key, a retried request answers 200 with the complaint the first one created."""
        key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip()
        if len(key) > 255:
            raise ValidationError({IDEMPOTENCY_HEADER: [_("At most 255 characters.")]})
        if not key:
            return created_response(complaint_start(request=request, payload=request.data), replay=False)
        print_ = fingerprint(request.data)
        with transaction.atomic():
            # A concurrent retry with the same key waits on this row until the first commits.
            record = key_claim(user=request.user, key=key, fingerprint=print_)
            if record is not None:
                complaint = complaint_start(request=request, payload=request.data)
                IdempotencyRecord.objects.filter(pk=record).update(complaint=complaint)
                return created_response(complaint, replay=False)
        first = IdempotencyRecord.objects.select_related("complaint").get(user=request.user, key=key)
        if first.fingerprint != print_ or first.complaint is None:
            raise UnprocessableKey()
        return created_response(first.complaint, replay=True)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        complaint = self.complaint()
        return Response(self.get_serializer(complaint).data, headers={"ETag": self.etag(complaint)})

    @extend_schema(request=EscalateSerializer, parameters=[IF_MATCH], responses={200: EscalationResultSerializer})
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, pk: str) -> Response:
        """Moves the complaint up one level (handlers only), as the page's Escalate button."""
        complaint = self.complaint()
        data = form_or_400(escalation_forms.EscalateForm(data=request.data))
        escalation = complaint_escalate(
            complaint=complaint,
            actor=request.user,
            reason=data["reason"],
            note=data.get("note") or "",
            suggested_direction=data.get("suggested_direction") or "",
            urgency=data["urgency"],
            affected=data.get("affected"),
            seen_level_id=data.get("seen_level"),
        )
        if escalation.direction == Escalation.Direction.REFUSED:
            detail = _("%(level)s is the top level: your attempt was recorded and the executive alerted.") % {
                "level": escalation.to_level
            }
        else:
            detail = _("Escalated to %(level)s.") % {"level": escalation.to_level}
        return Response(escalation_result(escalation, detail))

    @extend_schema(request=SendBackSerializer, parameters=[IF_MATCH], responses={200: EscalationResultSerializer})
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk: str) -> Response:
        """Sends the complaint one level down (supervisors only)."""
        complaint = self.complaint()
        data = form_or_400(escalation_forms.SendBackForm(data=request.data))
        escalation = complaint_send_back(
            complaint=complaint,
            actor=request.user,
            reason=data["reason"],
            note=data.get("note") or "",
            seen_level_id=data.get("seen_level"),
        )
        return Response(escalation_result(escalation, _("Sent back to %(level)s.") % {"level": escalation.to_level}))

    @extend_schema(methods=["GET"], responses={200: NoteSerializer(many=True)})
    @extend_schema(methods=["POST"], request=NoteSerializer, parameters=[IF_MATCH], responses={201: NoteSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def notes(self, request: Request, pk: str) -> Response:
        """Internal notes; anyone who may see the complaint may write one (@login mentions work)."""
        complaint = self.complaint()
        if request.method == "GET":
            rows = Note.objects.filter(complaint=complaint).select_related("author").order_by("at", "pk")
            return Response(NoteSerializer(rows, many=True).data)
        data = form_or_400(escalation_forms.NoteForm(data=request.data))
        note = note_add(complaint=complaint, author=request.user, text=data["text"])
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses={200: ContactSerializer(many=True)})
    @extend_schema(
        methods=["POST"], request=ContactSerializer, parameters=[IF_MATCH], responses={201: ContactSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def contacts(self, request: Request, pk: str) -> Response:
        """Contacts with the customer and what was promised by when. Logging one is for handlers."""
        complaint = self.complaint()
        if request.method == "GET":
            rows = CustomerContact.objects.filter(complaint=complaint).select_related("by").order_by("at", "pk")
            return Response(ContactSerializer(rows, many=True).data)
        self.handlers_only()
        data = form_or_400(page_forms.ContactForm(data=request.data))
        contact = contact_log(
            complaint=complaint,
            actor=request.user,
            channel=data["channel"],
            summary=data["summary"],
            promise=data.get("promise") or "",
            promised_by=data.get("promised_by"),
        )
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CompensationSerializer, parameters=[IF_MATCH], responses={200: CompensationResultSerializer})
    @action(detail=True, methods=["post"])
    def compensation(self, request: Request, pk: str) -> Response:
        """Proposes compensation (handlers); above the level's authority an approval is requested."""
        complaint = self.complaint()
        self.handlers_only()
        data = form_or_400(escalation_forms.CompensationForm(data=request.data))
        approval = compensation_propose(
            complaint=complaint, actor=request.user, amount=data["amount"], purpose=data["purpose"]
        )
        if approval is None:
            detail = _("%(amount)s CNY is within this level's authority and was recorded.") % {"amount": data["amount"]}
        else:
            detail = _("%(amount)s CNY needs approval: a request went to %(level)s.") % {
                "amount": approval.amount,
                "level": approval.level,
            }
        return Response(
            {"approval": approval.pk if approval else None, "amount": str(data["amount"]), "detail": detail}
        )

    @extend_schema(request=CollaborationSerializer, parameters=[IF_MATCH], responses={201: CollaborationSerializer})
    @action(detail=True, methods=["post"])
    def collaboration(self, request: Request, pk: str) -> Response:
        """Asks a functional department (by code) a question (handlers); its contact gets a task."""
        complaint = self.complaint()
        self.handlers_only()
        form = escalation_forms.CollaborationRequestForm(data=request.data)
        form.fields["department"].to_field_name = "code"  # type: ignore[attr-defined]
        data = form_or_400(form)
        asked = collaboration_request(
            complaint=complaint, actor=request.user, department=data["department"], question=data["question"]
        )
        body = {"id": asked.pk, "department": asked.department.code, "question": asked.question}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: AppealSerializer},  # 404 (no appeal yet) is documented as a problem, like every error
        operation_id="appeal_read",
    )
    @extend_schema(
        methods=["POST"], request=AppealRequestSerializer, parameters=[IF_MATCH], responses={201: AppealSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def appeal(self, request: Request, pk: str) -> Response:
        """The complaint's appeal to the customer-experience office (404 without one); POST appeals
        for the customer (handlers; after the top level decided or within the window after closing)."""
        complaint = self.complaint()
        if request.method == "GET":
            appeal = Appeal.objects.filter(case=complaint).select_related("department", "filed_by").first()
            if appeal is None:
                raise NotFound
            return Response(appeal_row(appeal, full=may_see_contact(request.user, complaint)))
        self.handlers_only()
        data = form_or_400(AppealForm(data=request.data))
        appeal = appeal_open(complaint=complaint, actor=request.user, grounds=data["grounds"])
        return Response(appeal_row(appeal), status=status.HTTP_201_CREATED)

    @extend_schema(request=WaitSerializer, parameters=[IF_MATCH], responses={200: ComplaintSerializer})
    @action(detail=True, methods=["post"])
    def wait(self, request: Request, pk: str) -> Response:
        """The case waits for the customer (handlers): the resolution clock pauses."""
        complaint = self.complaint()
        self.handlers_only()
        data = form_or_400(escalation_forms.WaitForm(data=request.data))
        complaint = complaint_wait_for_customer(complaint=complaint, actor=request.user, reason=data["reason"])
        return Response(self.get_serializer(complaint).data)

    @extend_schema(request=AnsweredSerializer, parameters=[IF_MATCH], responses={200: ComplaintSerializer})
    @action(detail=True, methods=["post"])
    def answered(self, request: Request, pk: str) -> Response:
        """The customer answered (handlers): the resolution clock runs again."""
        complaint = self.complaint()
        self.handlers_only()
        data = form_or_400(escalation_forms.AnsweredForm(data=request.data))
        complaint = complaint_customer_answered(complaint=complaint, actor=request.user, note=data.get("note") or "")
        return Response(self.get_serializer(complaint).data)

    @extend_schema(request=ReopenSerializer, parameters=[IF_MATCH], responses={200: ReopenResultSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        """Reopens a closed complaint with the customer's reason (handlers), as the page's Reopen
        door: fresh deadlines, a containment task, the reason on the timeline."""
        from flows.reopen import complaint_reopen_process

        complaint = self.complaint()
        data = form_or_400(escalation_forms.ReopenForm(data=request.data))
        task = complaint_reopen_process(complaint=complaint, actor=request.user, reason=data["reason"])
        detail = _("%(reference)s was reopened and waits for containment.") % {"reference": complaint.reference}
        return Response({"task": task.pk, "detail": detail})

    @extend_schema(methods=["GET"], responses={200: AttachmentSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AttachmentUploadSerializer},
        parameters=[IF_MATCH],
        responses={201: AttachmentSerializer(many=True)},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser], pagination_class=None)
    def attachments(self, request: Request, pk: str) -> Response:
        """The complaint's files; anyone who may see the complaint may add evidence (multipart,
        field `attachments`, the admin's size and type limits and content checks apply)."""
        complaint = self.complaint()
        if request.method == "GET":
            rows = complaint.attachments.select_related("uploaded_by").order_by("uploaded_at", "pk")
            return Response([attachment_row(complaint, row) for row in rows])
        data = form_or_400(page_forms.AttachmentForm(data={}, files=request.FILES))
        with transaction.atomic():  # all the files or none
            added = [
                attachment_add(complaint=complaint, upload=upload, actor=request.user) for upload in data["attachments"]
            ]
        return Response([attachment_row(complaint, row) for row in added], status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_pk>[0-9]+)")
    def attachment(self, request: Request, pk: str, attachment_pk: str) -> HttpResponseBase:
        """One file of the complaint, as a download (never sniffed as another type)."""
        complaint = self.complaint()
        row = complaint.attachments.filter(pk=int(attachment_pk)).first()
        if row is None:
            raise NotFound
        return attachment_response(row)

    @extend_schema(methods=["GET"], responses={200: ActionSerializer(many=True)})
    @extend_schema(
        methods=["POST"], request=ActionCreateSerializer, parameters=[IF_MATCH], responses={201: ActionSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def actions(self, request: Request, pk: str) -> Response:
        """The complaint's corrective actions; POST plans one, as the quality card's form (the
        complaint's handlers and quality; another department gets it as a task in its queue)."""
        complaint = self.complaint()
        if request.method == "GET":
            return Response([action_row(row) for row in actions_of(complaint)])
        payload = request.data if isinstance(request.data, dict) else {}
        form = quality_forms.ActionForm(data=action_form_data(payload), complaint=complaint)
        form.fields["department"].to_field_name = "code"  # type: ignore[attr-defined]
        form.fields["owner"].to_field_name = "username"  # type: ignore[attr-defined]
        data = form_or_400(form)
        planned = quality.action_plan(
            complaint=complaint,
            actor=request.user,
            kind=data["kind"],
            area=data["area"],
            description=data["description"],
            causes=list(data.get("causes") or []),
            department=data.get("department"),
            owner=data.get("owner"),
            due_date=data.get("due_date"),
            cost=data.get("cost"),
        )
        return Response(action_row(actions_one(complaint, planned.pk)), status=status.HTTP_201_CREATED)

    @extend_schema(request=ActionProgressSerializer, parameters=[IF_MATCH], responses={200: ActionSerializer})
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<action_pk>[0-9]+)/progress")
    def action_progress(self, request: Request, pk: str, action_pk: str) -> Response:
        """Reports progress on an action (planned, in progress, done with evidence), as the quality
        card's form: its owner, its department and the analysts. A `seen_status` the action is no
        longer in answers 412."""
        complaint = self.complaint()
        row = complaint.actions.filter(pk=int(action_pk)).first()
        if row is None:
            raise NotFound
        payload = request.data if isinstance(request.data, dict) else {}
        data = form_or_400(quality_forms.ActionProgressForm(data=payload))
        try:
            quality.action_move(
                action=row,
                actor=request.user,
                status=data["status"],
                evidence=data.get("evidence") or "",
                seen_status=data.get("seen_status") or None,
            )
        except quality.QualityConflict as conflict:
            raise PreconditionFailed(str(conflict)) from None
        return Response(action_row(actions_one(complaint, row.pk)))

    @extend_schema(responses={200: inline_serializer("Answers", {"answers": serializers.DictField()})})
    @action(detail=True, methods=["get"])
    def answers(self, request: Request, pk: str) -> Response:
        """The answers to the category's questions, typed (numbers, dates, codes)."""
        complaint = self.complaint()
        rows = complaint.answers.select_related("field")
        return Response({"answers": {a.key: a.value for a in rows}})


def appeal_row(appeal: Appeal, *, full: bool = True) -> dict[str, Any]:
    """The appeal; the customer's words with numbers masked for a reader who sees contacts masked."""
    return {
        "id": appeal.pk,
        "office": appeal.department.code,
        "grounds": appeal.grounds if full else mask_text(appeal.grounds),
        "filed_by": appeal.filed_by.get_username() if appeal.filed_by else None,
        "created": appeal.created,
        "due_at": appeal.due_at,
        "decision": appeal.decision,
        "decision_text": appeal.decision_text,
        "remedy": appeal.remedy,
        "decided_at": appeal.decided_at,
    }


def attachment_row(complaint: Complaint, row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "name": row.name,
        "content_type": row.content_type,
        "size": row.size,
        "uploaded_by": row.uploaded_by.get_username() if row.uploaded_by_id else None,
        "uploaded_at": row.uploaded_at,
        "url": reverse("api:complaint-attachment", args=[complaint.pk, row.pk]),
    }


def action_form_data(payload: dict[str, Any]) -> Any:
    """The action form's data from JSON: `causes` as a list of ids (a form's multi-valued field)."""
    from django.utils.datastructures import MultiValueDict

    data = MultiValueDict({k: [v] for k, v in payload.items() if k != "causes" and v is not None})
    causes = payload.get("causes")
    if causes is not None:
        data.setlist("causes", causes if isinstance(causes, list) else [causes])
    return data


def actions_one(complaint: Complaint, action_pk: int) -> Any:
    return next(row for row in actions_of(complaint) if row.pk == action_pk)


def action_row(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "kind": row.kind,
        "area": row.area,
        "description": row.description,
        "causes": [cause.pk for cause in row.causes.all()],
        "department": row.department.code if row.department_id else None,
        "owner": row.owner.get_username() if row.owner_id else None,
        "due_date": row.due_date,
        "cost": str(row.cost) if row.cost is not None else None,
        "status": row.status,
        "evidence": row.evidence,
        "files": [attachment.pk for attachment in row.files.all()],
        "verification_note": row.verification_note,
        "reopened_reason": row.reopened_reason,
        "created_by": row.created_by.get_username() if row.created_by_id else None,
        "created_at": row.created_at,
    }


def escalation_result(escalation: Escalation, detail: str) -> dict[str, Any]:
    return {
        "direction": escalation.direction,
        "from_level": escalation.from_level.rank if escalation.from_level_id else None,
        "to_level": escalation.to_level.rank if escalation.to_level_id else None,
        "detail": detail,
    }


class PreconditionFailed(APIException):
    status_code = 412
    default_code = "precondition_failed"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or _("The complaint changed since you read it (If-Match); read it again and retry."))


class UnprocessableKey(ValidationError):
    status_code = 422

    def __init__(self) -> None:
        super().__init__({IDEMPOTENCY_HEADER: [_("This key was used for a different request.")]})


def task_row(task: Task, now: datetime | None = None) -> dict[str, Any]:
    """A task as the API gives it, with its complaint and the deadline that governs it, as the staff
    worklists show them (attach_cases, and with_stored_deadlines or attach_deadlines: attached with
    the others of a list, in a query for them all; else here, for this one task). `now`: the time
    the deadline's state is read at (a page reads every row at the same time)."""
    if "redress_case" not in task.__dict__:
        attach_cases([task])
    if "clock_rank" not in task.__dict__:
        attach_deadlines([task])
    case = task.redress_case
    case_id, reference = (case.pk, case.reference) if case is not None else (None, None)
    state = clock_state(task, now)
    running = state in (ClockState.BREACHED, ClockState.WARNING, ClockState.RUNNING)
    return {
        "id": task.pk,
        "step": str(task.flow_task.task_title or task.flow_task.name) if task.flow_task else "",
        "status": task.status,
        "owner": task.owner.get_username() if task.owner_id else None,
        "queue": task.owner_permission or None,
        "complaint": case_id,
        "reference": reference,
        "created": task.created,
        "due": task.clock_due if running else None,
        "warn": task.clock_warn if running else None,
        "deadline_state": state,
        "paused_left": task.paused_left if state == ClockState.PAUSED else None,
    }


class UrgentFirst(PageNumberPagination):
    """The task lists' pages, in the staff worklists' order (most urgent first), by number, each
    read one row past the page instead of counting the list (PeekPaginator; a list in parts, such as
    several queues, read part by part: the view's `list_branches`). The envelope is the complaint
    list's (`next`, `previous`, `results`; no count). A page number that is not a number, or past
    the end, answers 404 "Invalid page.", as DRF's page-number pagination does; "last" is no page
    name here (it would count the list)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    last_page_strings = ()

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        branches = getattr(view, "list_branches", None)
        paginator = PeekPaginator(queryset, self.get_page_size(request), branches=branches)
        number = request.query_params.get(self.page_query_param) or 1
        try:
            self.page = paginator.page(number)
        except InvalidPage as error:
            raise NotFound(self.invalid_page_message.format(page_number=number, message=str(error))) from None
        return list(self.page)

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "example": "http://api.example.org/api/tasks/queue/?page=3"},
                "previous": {**link, "example": "http://api.example.org/api/tasks/queue/?page=1"},
                "results": schema,
            },
        }


class TaskViewSet(viewsets.GenericViewSet):
    """The caller's inbox and queues, as the staff worklists show them; claim and release."""

    serializer_class = TaskSerializer
    queryset = Task.objects.none()
    pagination_class = UrgentFirst
    # The list's parts, each read in the list's order from its own index (UrgentFirst): the queues.
    list_branches: Callable[[QuerySet[Task]], list[QuerySet[Any]]] | None = None

    def flows(self) -> list[Any]:
        from flows.flows import FLOWS

        return list(FLOWS)

    def in_scope(self, tasks: QuerySet[Task]) -> QuerySet[Task]:
        narrowed = scope.token_departments(self.request)
        if narrowed is None:
            return tasks
        visible = scope.visible_complaints(self.request).values("pk")
        return tasks.filter(
            Q(process_id__in=visible)
            | Q(process__compensationapproval__case_id__in=visible)
            | Q(process__collaborationrequest__case_id__in=visible)
            | Q(process__actiontask__case_id__in=visible)
            | Q(process__mention__case_id__in=visible)
            | Q(process__appeal__case_id__in=visible)
        )

    def listed(self, rows: QuerySet[Task]) -> QuerySet[Task]:
        """A list's rows (inbox_rows, queue_rows) narrowed to the token's departments, if it names
        some: the rows whose case the request may see."""
        if scope.token_departments(self.request) is None:
            return rows
        return of_cases(rows, scope.visible_complaints(self.request))

    def available(self) -> QuerySet[Task]:
        """The tasks of the flows the caller may view, as the staff worklists read them."""
        return Task._default_manager.filter_available(self.flows(), self.request.user).select_related(*LIST_RELATED)

    def page(self, rows: QuerySet[Task]) -> Response:
        """One page of a task list, each row with its complaint (attach_cases: a query for the page)
        and its governing deadline as read at one instant."""
        tasks = attach_cases(self.paginate_queryset(rows))
        now = timezone.now()
        return self.get_paginated_response(TaskSerializer([task_row(task, now) for task in tasks], many=True).data)

    @extend_schema(responses={200: TaskSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def inbox(self, request: Request) -> Response:
        """Tasks assigned to the caller, most urgent first (as the staff inbox): breached (most
        overdue first), then by time left, then paused (least time left first), then those without a
        deadline; newest first within each. Paged: follow `next`."""
        return self.page(self.listed(inbox_rows(self.available(), request.user)))

    @extend_schema(responses={200: TaskSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def queue(self, request: Request) -> Response:
        """Tasks waiting in the caller's queues, most urgent first across all of them (as the staff
        queue; the order as for the inbox). Paged: follow `next`."""
        user = request.user
        narrowed = scope.token_departments(request) is not None
        # The caller's queues are read one by one, each from its index as far as the page (the
        # staff queue's list_branches); narrowed, from the narrowed rows.
        self.list_branches = lambda rows: queue_branches(rows if narrowed else None, user)
        return self.page(self.listed(queue_rows(self.available(), user)))

    def task(self, pk: str) -> Task:
        """A task of the caller's inbox or queues; 404 for any other."""
        manager = Task._default_manager
        mine = manager.inbox(self.flows(), self.request.user).values("pk")
        queued = manager.queue(self.flows(), self.request.user).values("pk")
        try:
            number = int(pk)
        except ValueError:
            raise NotFound from None
        task = self.in_scope(Task.objects.filter(Q(pk__in=mine) | Q(pk__in=queued))).filter(pk=number).first()
        if task is None:
            raise NotFound
        return task

    @extend_schema(request=None, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str) -> Response:
        """Takes a queued task into the caller's inbox; 403 if a colleague was first."""
        return Response(TaskSerializer(task_row(task_claim(task=self.task(pk), actor=request.user))).data)

    @extend_schema(
        request=inline_serializer("StepData", {}, help_text=_("The step's form fields, as on its page.")),
        responses={200: TaskSerializer},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        """Completes a task of the caller's inbox with its step's form data (the fields of the
        step's page), through the step page's own form and service; the process moves on."""
        task = self.task(pk)
        if task.owner_id != request.user.pk:
            raise Refused(_("Claim the task first."))
        with task.activation() as activation:
            flow_task = activation.flow_task
            view_class = getattr(getattr(flow_task, "_view", None), "view_class", None)
            form_class = getattr(view_class, "form_class", None)
            if view_class is None or form_class is None or not hasattr(view_class, "perform"):
                raise Refused(_("This step cannot be completed over the API."))
            if not flow_task.can_execute(request.user, activation.task):
                raise Refused(_("You may not complete this task."))
            view = view_class()
            view.request = SimpleNamespace(user=request.user, activation=activation)
            view.kwargs = {}
            kwargs: dict[str, Any] = {"data": request.data if isinstance(request.data, dict) else {}}
            if getattr(view, "form_wants_context", False):
                kwargs.update(user=request.user, complaint=activation.process)
            form = form_class(**kwargs)
            if any(isinstance(field, FileField) and field.required for field in form.fields.values()):
                raise Refused(_("This step needs files: complete it on its page."))
            data = form_or_400(form)
            with transaction.atomic():
                activation.start(SimpleNamespace(user=request.user))
                view.perform(data)
                # The service may have saved its own copy of the process row: finish on what it wrote.
                activation.process.refresh_from_db()
                activation.execute()
        task.refresh_from_db()
        return Response(TaskSerializer(task_row(task)).data)

    @extend_schema(request=None, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str) -> Response:
        """Puts the caller's task back in its queue."""
        return Response(TaskSerializer(task_row(task_release(task=self.task(pk), actor=request.user))).data)


class ConfigurationView(APIView):
    """The whole configuration as one JSON document, as the admin's Export/Import configuration
    pages: the export needs the configuration permission, the import is for administrators
    (superusers), and an invalid document changes nothing."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        """The configuration document (secrets as placeholders, which an import keeps)."""
        if not request.user.has_perm(CONFIG_PERMISSION):
            raise Refused(_("Only those who own the configuration may export it."))
        return Response(config_export())

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: inline_serializer("ConfigImported", {"imported": serializers.DictField()})},
    )
    def post(self, request: Request) -> Response:
        """Imports a configuration document (as exported); every problem is listed at
        `#/document`, and nothing changes if there is any."""
        if not request.user.is_superuser:
            raise Refused(_("Only administrators may import a configuration."))
        try:
            counts = config_import(document=request.data)
        except ConfigImportError as error:
            raise ValidationError({"document": error.errors}) from None
        return Response({"imported": counts})


KPI_FILTERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (default: the first of this month)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, included (default: today)."),
    OpenApiParameter("department", OpenApiTypes.INT, description="A department, with those below it."),
    OpenApiParameter("category", OpenApiTypes.INT, description="A category, with those below it."),
    OpenApiParameter("priority", OpenApiTypes.INT, description="A priority's id."),
    OpenApiParameter("level", OpenApiTypes.INT, description="The current escalation level's id."),
    OpenApiParameter("channel", OpenApiTypes.STR, description="The intake channel."),
    OpenApiParameter(
        "region_basis",
        OpenApiTypes.STR,
        enum=[RegionBasis.OWN, RegionBasis.HQ],
        description="The regions' deadlines met on each region's own limits (own, the default) or on HQ's (hq).",
    ),
]


class KpiView(APIView):
    """The dashboard's KPIs for the caller: the same filters (the dashboard's form) and the same
    scope (the complaints the caller may see), for the roles the KPI settings allow."""

    @extend_schema(parameters=KPI_FILTERS, responses={200: KpiSummarySerializer})
    def get(self, request: Request) -> Response:
        """Every KPI of the complaints received in the period that the caller may see."""
        if not may_see_dashboard(request.user):
            raise Refused(_("The dashboard is for the roles the KPI settings name."))
        form = KpiFilterForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
        filters = form.filters()
        summary = kpi_summary(user=request.user, filters=filters)
        period = filters.period
        data = {
            **{name: getattr(summary, name) for name in KpiSummarySerializer().fields if hasattr(summary, name)},
            "start": period.start if period else None,
            "end": period.end - timedelta(days=1) if period else None,
            "regions": region_comparison(
                user=request.user,
                filters=filters,
                basis=RegionBasis.HQ if request.query_params.get("region_basis") == RegionBasis.HQ else RegionBasis.OWN,
            ),
        }
        return Response(KpiSummarySerializer(data).data)
