"""What every side process (compensation approval, collaboration request, corrective action task,
mention) shares: it belongs to one complaint, its `case`, which is also written into viewflow's
Process.artifact. Any process row therefore finds its complaint the same way, on the process
table's (artifact_content_type, artifact_object_id) index, whatever kind of side process it is
(selectors.common.side_processes)."""

from typing import Any

from django.contrib.contenttypes.models import ContentType


class CaseArtifact:
    """Mixed into each side process model (they all declare `case`): saving one records its case
    as the process's artifact."""

    case_id: Any
    artifact_object_id: Any
    artifact_content_type: Any

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.case_id is not None and self.artifact_object_id != self.case_id:
            from complaints.models.complaint import Complaint

            self.artifact_content_type = ContentType.objects.get_for_model(Complaint)
            self.artifact_object_id = self.case_id
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "artifact_content_type", "artifact_object_id"}
        adding = self._state.adding  # type: ignore[attr-defined]
        super().save(*args, **kwargs)  # type: ignore[misc]
        if adding and self.case_id is not None:
            # A side process opened on the case: its work is open again (a mention on a closed one).
            from complaints.services.open_work import open_work_refresh

            open_work_refresh(self.case_id)
