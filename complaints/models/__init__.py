from .complaint import (
    Attachment,
    Complaint,
    CorrectiveAction,
    CustomerContact,
    ReferenceCounter,
    RootCauseAnalysis,
)
from .config import (
    BusinessCalendar,
    CalendarDay,
    Category,
    EscalationLevel,
    LevelLimit,
    Priority,
    ProcessSettings,
    WorkingHours,
)
from .events import ComplaintEvent
from .intake_forms import Answer, FormField, FormVersion
from .notify import NotificationRecipient, NotificationTemplate
from .org import Department, Membership, Role, StageRoute
from .routing import RoutingCondition, RoutingRule, StageProfile

__all__ = [
    "Answer",
    "Attachment",
    "BusinessCalendar",
    "CalendarDay",
    "Category",
    "Complaint",
    "ComplaintEvent",
    "CorrectiveAction",
    "CustomerContact",
    "Department",
    "EscalationLevel",
    "FormField",
    "FormVersion",
    "LevelLimit",
    "Membership",
    "NotificationRecipient",
    "NotificationTemplate",
    "Priority",
    "ProcessSettings",
    "ReferenceCounter",
    "Role",
    "RootCauseAnalysis",
    "RoutingCondition",
    "RoutingRule",
    "StageProfile",
    "StageRoute",
    "WorkingHours",
]
