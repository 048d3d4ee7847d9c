from .clock import Clock
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
    StepLimit,
    WorkingHours,
)
from .escalation import CollaborationRequest, CompensationApproval, Escalation, Note, Notification
from .events import ComplaintEvent
from .intake_forms import Answer, FormField, FormVersion
from .notify import NotificationChannel, NotificationPreference, NotificationRecipient, NotificationTemplate
from .org import Department, Membership, Role, StageRoute
from .routing import RoutingCondition, RoutingRule, StageProfile
from .triage import TriageSignal

__all__ = [
    "Answer",
    "Attachment",
    "BusinessCalendar",
    "CalendarDay",
    "Category",
    "Clock",
    "CollaborationRequest",
    "CompensationApproval",
    "Complaint",
    "ComplaintEvent",
    "CorrectiveAction",
    "CustomerContact",
    "Department",
    "Escalation",
    "EscalationLevel",
    "FormField",
    "FormVersion",
    "LevelLimit",
    "Membership",
    "Note",
    "Notification",
    "NotificationChannel",
    "NotificationPreference",
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
    "StepLimit",
    "TriageSignal",
    "WorkingHours",
]
