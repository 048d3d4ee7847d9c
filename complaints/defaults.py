"""Default roles, priorities, levels, step routing and process settings (DOMAIN.md).

Every value here is a starting point that admins change in the admin; nothing reads these
numbers from code. Names are in Chinese, the default language, with English beside them;
admins rename them freely. Installed by migration 0002 (and by tests that flush the database).
"""

from decimal import Decimal
from typing import Any

ROLES = [
    ("agent", "一线客服 Agent", True),
    ("store_manager", "门店经理 Store manager", True),
    ("regional_lead", "区域负责人 Regional lead", False),
    ("customer_relations", "客户关系 Customer relations", False),
    ("executive", "总部高管 Executive", False),
    ("quality_engineer", "质量工程师 Quality engineer", False),
    ("department_contact", "部门联络人 Department contact", False),
]
PRIORITIES = [
    # code, name, rank, colour, first response (min), resolution (h)
    ("P0", "紧急 Critical", 0, "#c62828", 10, 24),
    ("P1", "高 High", 1, "#ef6c00", 30, 48),
    ("P2", "中 Normal", 2, "#1565c0", 30, 72),
    ("P3", "低 Low", 3, "#607d8b", 120, 120),
]
LEVELS = [
    (1, "门店 Store", "store_manager", Decimal("3000")),
    (2, "区域 Region", "regional_lead", Decimal("10000")),
    (3, "总部 HQ", "executive", None),
]
ROUTES = {
    "first_response": "agent",
    "verification": "quality_engineer",
    "containment": "agent",
    "root_cause": "quality_engineer",
    "permanent_actions": "quality_engineer",
    "effectiveness": "quality_engineer",
    "customer_confirmation": "agent",
    "follow_up": "agent",
}


def install_defaults(apps: Any) -> None:
    """Creates whatever of the defaults is missing; existing rows are left as the admin set them."""
    Role = apps.get_model("complaints", "Role")
    Priority = apps.get_model("complaints", "Priority")
    EscalationLevel = apps.get_model("complaints", "EscalationLevel")
    StageRoute = apps.get_model("complaints", "StageRoute")
    ProcessSettings = apps.get_model("complaints", "ProcessSettings")

    roles = {}
    for code, name, can_register in ROLES:
        roles[code], _ = Role.objects.get_or_create(code=code, defaults={"name": name, "can_register": can_register})
    priorities = {}
    for code, name, rank, colour, minutes, hours in PRIORITIES:
        priorities[code], _ = Priority.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "rank": rank,
                "colour": colour,
                "first_response_minutes": minutes,
                "resolution_hours": hours,
            },
        )
    for rank, name, role, authority in LEVELS:
        EscalationLevel.objects.get_or_create(
            rank=rank, defaults={"name": name, "role": roles[role], "authority_amount": authority}
        )
    for stage, role in ROUTES.items():
        StageRoute.objects.get_or_create(stage=stage, defaults={"role": roles[role]})
    ProcessSettings.objects.get_or_create(
        pk=1, defaults={"default_priority": priorities["P2"], "risk_priority": priorities["P0"]}
    )
