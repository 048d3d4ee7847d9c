"""Writes of the category intake forms: drafts, publishing, and storing a complaint's answers."""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import FieldKind, FormStatus
from complaints.models import Answer, Category, Complaint, CustomStep, FormField, FormVersion
from complaints.rules.intake_forms import FILE_KINDS, NUMBER_KINDS, YES, FieldDef
from complaints.selectors.intake_forms import EffectiveForm, form_problems
from complaints.services.attachments import attachment_add
from complaints.services.errors import Refused, is_system

# The columns a field row copies into a new draft (everything the admin defines).
FIELD_COLUMNS = (
    "position",
    "key",
    "kind",
    "label_zh_hans",
    "label_en",
    "help_zh_hans",
    "help_en",
    "required",
    "staff_only",
    "default",
    "choices",
    "min_value",
    "max_value",
    "min_length",
    "max_length",
    "pattern",
    "pattern_message_zh_hans",
    "pattern_message_en",
    "condition_field",
    "condition_values",
    "condition_effect",
    "file_extensions",
    "max_files",
)


class PublishRefused(Refused):
    """The version cannot be published; `problems` lists why, by field key ("" for the form)."""

    def __init__(self, problems: Mapping[str, list[str]]) -> None:
        self.problems = dict(problems)
        lines = [f"{key}: {message}" if key else message for key, messages in problems.items() for message in messages]
        super().__init__("; ".join(lines))


def _may_change_forms(actor: Any) -> None:
    """Refuses unless the actor may change intake forms (the system, importing a configuration,
    always may)."""
    if not is_system(actor) and not actor.has_perm("complaints.change_formversion"):
        raise PublishRefused({"": [_("You may not change intake forms.")]})


def _owner(*, category: Category | None, step: CustomStep | None) -> dict[str, Any]:
    """The filter naming a form's owner: a category's intake form or a custom step's form."""
    return {"category": category} if category is not None else {"custom_step": step}


def form_draft(*, category: Category | None = None, step: CustomStep | None = None, actor: Any = None) -> FormVersion:
    """Returns the draft form of a category (or of a custom step), creating it as a copy of the
    published version (or empty) when there is none. Published versions are never edited: this is
    how a form changes."""
    _may_change_forms(actor)
    owner = _owner(category=category, step=step)
    with transaction.atomic():
        # One draft even when two admins click.
        if category is not None:
            Category.objects.select_for_update().get(pk=category.pk)
        else:
            assert step is not None, "a form belongs to a category or a custom step"
            CustomStep.objects.select_for_update().get(pk=step.pk)
        draft = FormVersion.objects.filter(**owner, status=FormStatus.DRAFT).first()
        if draft is not None:
            return draft
        source = FormVersion.objects.filter(**owner, status=FormStatus.PUBLISHED).prefetch_related("fields").first()
        last = FormVersion.objects.filter(**owner).order_by("-number").values_list("number", flat=True)
        draft = FormVersion.objects.create(
            **owner,
            number=(last.first() or 0) + 1,
            status=FormStatus.DRAFT,
            created_by=actor,
            required_standard_fields=list(source.required_standard_fields) if source else [],
        )
        if source is not None:
            for row in source.fields.all():  # one by one, so the history shows each copied question
                FormField.objects.create(version=draft, **{column: getattr(row, column) for column in FIELD_COLUMNS})
        return draft


def form_publish(*, version: FormVersion, actor: Any = None) -> FormVersion:
    """Publishes a draft: checks it against the parent category's form and other forms' keys,
    retires the version in use (complaints filed with it, and custom step tasks asking it, keep
    it), and puts this one in use for the next complaint or task. Raises PublishRefused with every
    problem; nothing changes then."""
    _may_change_forms(actor)
    with transaction.atomic():
        if version.category_id is not None:
            Category.objects.select_for_update().get(pk=version.category_id)
        else:
            CustomStep.objects.select_for_update().filter(id=version.custom_step_id or 0).first()
        version = FormVersion.objects.select_related("category", "category__parent", "custom_step").get(pk=version.pk)
        if version.status != FormStatus.DRAFT:
            raise PublishRefused({"": [_("Only a draft can be published; this version is already in use or retired.")]})
        problems = form_problems(version)
        if problems:
            raise PublishRefused(problems)
        owner = _owner(category=version.category, step=version.custom_step)
        for current in FormVersion.objects.filter(**owner, status=FormStatus.PUBLISHED):
            current.status = FormStatus.RETIRED
            current.save(update_fields=["status"])  # save(), not update(): the history records it
        version.status = FormStatus.PUBLISHED
        version.published_at = timezone.now()
        version.published_by = actor
        version.save(update_fields=["status", "published_at", "published_by"])
        return version


def form_withdraw(*, category: Category) -> int:
    """Stops asking the category's questions (the version in use is retired, nothing is deleted).
    Returns how many versions were retired (0 or 1)."""
    retired = 0
    for current in FormVersion.objects.filter(category=category, status=FormStatus.PUBLISHED):
        current.status = FormStatus.RETIRED
        current.save(update_fields=["status"])  # save(), not update(): the history records it
        retired += 1
    return retired


def answers_store(
    *,
    complaint: Complaint,
    form: EffectiveForm,
    answers: Mapping[str, Any],
    actor: Any,
    run: Any = None,
) -> list[Answer]:
    """Stores validated answers (key → typed value, files as lists of uploads) against the exact
    questions they answered, and records the form versions the complaint was filed with (with
    `run`: the answers of that custom step's task, whose run keeps its own version). Empty answers
    are not stored. Returns the stored answers."""
    if run is None:
        complaint.form_versions.set(form.versions)
    stored: list[Answer] = []
    for defn in form.fields:
        value = answers.get(defn.key)
        if value is None or value == "" or value == [] or value == ():
            continue
        assert defn.id is not None, "answers are stored against saved questions"
        answer = Answer(complaint=complaint, field_id=defn.id, key=defn.key, run=run)
        _fill(answer, defn, value)
        answer.save()
        if defn.kind in FILE_KINDS:
            for upload in value:
                attachment_add(complaint=complaint, upload=upload, actor=actor, answer=answer)
        stored.append(answer)
    return stored


def _fill(answer: Answer, defn: FieldDef, value: Any) -> None:
    kind = defn.kind
    if kind in NUMBER_KINDS:
        answer.number = Decimal(value)
        answer.text = str(value)
    elif kind == FieldKind.DATE:
        assert isinstance(value, date)
        answer.date = value
        answer.text = value.isoformat()
    elif kind == FieldKind.DATETIME:
        assert isinstance(value, datetime)
        answer.moment = value
        answer.date = timezone.localtime(value).date()
        answer.text = value.isoformat()
    elif kind == FieldKind.YES_NO:
        answer.flag = value == YES
        answer.text = value
    elif kind == FieldKind.MULTI_CHOICE:
        answer.codes = list(value)
        answer.text = "," + ",".join(value) + ","
    elif kind in FILE_KINDS:
        uploads: list[UploadedFile] = list(value)
        answer.number = Decimal(len(uploads))
        answer.text = ", ".join(u.name or "" for u in uploads)
    else:
        answer.text = str(value)
