"""Form fields shared by the standard intake, the category forms and the step forms."""

import zipfile
from collections.abc import Callable, Collection
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, cast

import phonenumbers
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image

from complaints.rules.filetypes import HEAD_BYTES, OFFICE_ZIP_EXTENSIONS, content_matches, office_archive_fault
from complaints.selectors.common import process_settings
from complaints.selectors.once import reading_once

DATETIME_FORMAT = "%Y-%m-%d %H:%M"
DATETIME_INPUT_FORMATS = [DATETIME_FORMAT, "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"]
IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "gif", "webp", "bmp"})


# Dates a complaint can plausibly carry; outside them a date is a typo (or a probe) and would
# overflow when converted between time zones.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


def plausible_date(value: Any) -> None:
    """Refuses a date or time outside EARLIEST_YEAR..LATEST_YEAR with a message."""
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise forms.ValidationError(
            _("Enter a date between the years %(first)s and %(last)s."),
            code="implausible_date",
            params={"first": EARLIEST_YEAR, "last": LATEST_YEAR},
        )


class PlausibleDateTimeField(forms.DateTimeField):
    def to_python(self, value: Any) -> Any:
        # Checked before the time zone is applied: 0001-01-01 00:00 in UTC+8 is before year 1.
        for fmt in self.input_formats:
            try:
                naive = datetime.strptime(str(value).strip(), fmt)  # noqa: DTZ007 - only its year is read
            except (TypeError, ValueError):
                continue
            plausible_date(naive)
            break
        return super().to_python(value)


def datetime_field(**kwargs: Any) -> forms.DateTimeField:
    return PlausibleDateTimeField(
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(format=DATETIME_FORMAT),
        validators=[plausible_date],
        **kwargs,
    )


def date_field(**kwargs: Any) -> forms.DateField:
    return forms.DateField(
        input_formats=["%Y-%m-%d"], widget=forms.DateInput(format="%Y-%m-%d"), validators=[plausible_date], **kwargs
    )


class CopiedChoiceField(forms.ModelChoiceField):
    """A choice of a configuration row (a department, a category). Inside a transition, which reads
    configuration once (complaints.selectors.once), the posted value is looked up in the process's
    copy of the rows (`rows`: by id) among those `offered` (the rows the queryset holds) instead of
    a query; elsewhere, or without both, as Django's ModelChoiceField. The row found is the shared
    copy: read it, do not change it."""

    rows: Callable[[], dict[int, Any]] | None = None
    offered: Callable[[Any], bool] | None = None

    def to_python(self, value: Any) -> Any:
        if self.rows is None or self.offered is None or not reading_once() or value in self.empty_values:
            return super().to_python(value)
        key = self.to_field_name or "pk"
        wanted = str(getattr(value, key) if isinstance(value, self.queryset.model) else value)  # type: ignore[union-attr]
        for row in self.rows().values():
            if str(getattr(row, key)) == wanted and self.offered(row):
                return row
        raise forms.ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": wanted}
        )


def every_row(row: Any) -> bool:
    return True


def by_pk(row: Any) -> Any:
    return row.pk


def row_name(row: Any, rows: dict[int, Any]) -> str:
    return str(row)


class ConfigChoiceField(forms.ChoiceField):
    """A choice among configuration rows (priorities, levels, categories, departments) that cleans
    to the row itself (None when left empty). Its choices come from the process's copy of the
    configuration (`rows`: complaints.selectors.once, read again only after an admin's change): the
    rows `keep` keeps, in `order`, named by `name_of`, after `empty_label` when one is given. A
    ModelChoiceField reads its table to list the choices and again to check the one chosen: a query
    each per page for what changes a few times a year."""

    def __init__(
        self,
        *,
        rows: Callable[[], dict[int, Any]],
        keep: Callable[[Any], bool] = every_row,
        order: Callable[[Any], Any] = by_pk,
        name_of: Callable[[Any, dict[int, Any]], str] = row_name,
        empty_label: Any = None,
        **kwargs: Any,
    ) -> None:
        self.rows = rows
        # Callable choices, listed when the form is rendered or checked (in the reader's language). A
        # partial of plain functions: the form deep-copies its fields, and a method would take the
        # form (or filter set) and its request along.
        kwargs["choices"] = partial(config_choices, rows, keep, order, name_of, empty_label)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return self.rows().get(int(value)) if value not in self.empty_values else None

    def label_of(self, row: Any) -> str:
        """The name a row is offered under."""
        return str(dict(self.choices).get(str(row.pk), row))  # type: ignore[arg-type]


def config_choices(
    rows: Callable[[], dict[int, Any]],
    keep: Callable[[Any], bool],
    order: Callable[[Any], Any],
    name_of: Callable[[Any, dict[int, Any]], str],
    empty_label: Any = None,
) -> list[tuple[str, str]]:
    """The (id, name) choices of a ConfigChoiceField, after ("", empty_label) when one is given."""
    by_id = rows()
    empty = [("", str(empty_label))] if empty_label is not None else []
    return empty + [(str(row.pk), name_of(row, by_id)) for row in sorted(filter(keep, by_id.values()), key=order)]


def limit_length(field: forms.Field, limit: int | None) -> None:
    """Gives a text field a length limit with a message that names it (and the browser's maxlength);
    None leaves the field as it is."""
    if limit is None:
        return
    cast(Any, field).max_length = limit
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.validators.append(
        MaxLengthValidator(
            limit,
            message=_("Keep this to at most %(limit_value)s characters (it has %(show_value)s)."),
        )
    )
    field.widget.attrs["maxlength"] = str(limit)


def normalise_phone(value: str) -> str:
    """Returns the number in E.164 form, or raises ValidationError with a message for the user."""
    try:
        number = phonenumbers.parse(value, settings.REDRESS_PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(
            _("Enter a valid phone number, e.g. 13812345678 or +86 21 6888 8888."), code="invalid_phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def not_in_past(value: Any) -> None:
    if value is not None and value < timezone.now():
        raise forms.ValidationError(_("This time has already passed; promise a time in the future."), code="past")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files at once, each checked against the admin's size and type limits.

    `extensions` narrows the types the process settings allow; `images_only` accepts image types
    only and checks that each file really is a readable image; `max_files` caps the number."""

    widget = MultipleFileInput

    def __init__(
        self,
        *,
        extensions: Collection[str] = (),
        images_only: bool = False,
        max_files: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.extensions = frozenset(extensions)
        self.images_only = images_only
        self.max_files = max_files
        super().__init__(**kwargs)
        if max_files == 1:
            self.widget = forms.ClearableFileInput()  # type: ignore[assignment]  # one file: a plain input
        if images_only:
            self.widget.attrs.setdefault("accept", "image/*")

    def allowed(self) -> frozenset[str]:
        allowed = frozenset(process_settings().allowed_extensions())
        if self.images_only:
            allowed = (allowed | IMAGE_EXTENSIONS) & IMAGE_EXTENSIONS
        if self.extensions:
            allowed &= self.extensions
        return allowed

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(AttachmentsField, self).clean(f, initial) for f in files if f]
        if not cleaned and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if self.max_files is not None and len(cleaned) > self.max_files:
            raise forms.ValidationError(
                _("Attach at most %(max)s file(s)."), code="max_files", params={"max": self.max_files}
            )
        config = process_settings()
        allowed = self.allowed()
        limit = config.attachment_max_mb * 1024 * 1024
        errors = []
        for upload in cleaned:
            extension = Path(upload.name or "").suffix.lower().lstrip(".")
            if extension not in allowed:
                errors.append(
                    forms.ValidationError(
                        _("%(name)s: files of type .%(ext)s are not accepted (allowed: %(allowed)s)."),
                        code="file_type",
                        params={"name": upload.name, "ext": extension or "?", "allowed": ", ".join(sorted(allowed))},
                    )
                )
            elif (upload.size or 0) > limit:
                errors.append(
                    forms.ValidationError(
                        _("%(name)s is larger than %(max)s MB."),
                        code="file_size",
                        params={"name": upload.name, "max": config.attachment_max_mb},
                    )
                )
            elif extension in IMAGE_EXTENSIONS and not is_image(upload):
                errors.append(
                    forms.ValidationError(
                        _("%(name)s is not a readable image."), code="file_content", params={"name": upload.name}
                    )
                )
            elif not content_matches(extension, head_bytes(upload)):
                errors.append(
                    forms.ValidationError(
                        _("%(name)s: its content is not a .%(ext)s file, so it is not accepted."),
                        code="file_content",
                        params={"name": upload.name, "ext": extension},
                    )
                )
            elif extension in OFFICE_ZIP_EXTENSIONS and (fault := office_fault(extension, upload)):
                errors.append(
                    forms.ValidationError(
                        _("%(name)s contains macros or active content, so it is not accepted.")
                        if fault == "active"
                        else _("%(name)s: its content is not a .%(ext)s file, so it is not accepted."),
                        code="file_content",
                        params={"name": upload.name, "ext": extension},
                    )
                )
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


def head_bytes(upload: UploadedFile) -> bytes:
    """The first bytes of an upload, which say what it is (complaints.rules.filetypes)."""
    try:
        upload.seek(0)
        return upload.read(HEAD_BYTES)
    finally:
        upload.seek(0)


# The most of an office document's `[Content_Types].xml` or `mimetype` member that is read (real
# ones are a few KB; a bigger one is read no further, so a zip bomb costs nothing).
OFFICE_MEMBER_BYTES = 256 * 1024


def office_fault(extension: str, upload: UploadedFile) -> str:
    """Opens a zip-based office upload's directory and asks complaints.rules.filetypes what is
    wrong with it ("" when nothing is; "content" when it is no readable zip)."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()

            def member(name: str) -> bytes:
                if name not in names:
                    return b""
                with archive.open(name) as part:
                    return part.read(OFFICE_MEMBER_BYTES)

            return office_archive_fault(extension, names, member("[Content_Types].xml"), member("mimetype"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
        return "content"
    finally:
        upload.seek(0)


def is_image(upload: UploadedFile) -> bool:
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
        return True
    except Exception:
        return False
    finally:
        upload.seek(0)
