"""A batch investigation shared by two stores shows each store only its own complaints' references
and plates."""

from typing import Any

from tests.security.conftest import client_as


def test_the_batch_page_hides_other_scopes_references_and_plates(world: dict[str, Any]) -> None:
    a, b = world["a"], world["b"]
    investigation = a.objects["investigation"]
    investigation.complaints.add(b.complaint)
    b.objects["contact"].investigation = investigation
    b.objects["contact"].save(update_fields=["investigation"])
    page = client_as(world["users"]["agent_b"]).get(f"/workflow/batch/{investigation.pk}/").content.decode()
    assert b.complaint.reference in page and b.objects["contact"].plate_or_vin in page
    assert a.complaint.reference not in page and a.objects["contact"].plate_or_vin not in page
    search = f"/workflow/batch/{investigation.pk}/?q={a.objects['contact'].plate_or_vin}"
    assert a.objects["contact"].phone[-4:] not in client_as(world["users"]["agent_b"]).get(search).content.decode()
