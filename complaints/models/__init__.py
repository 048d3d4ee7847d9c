from .batch import BatchEvent, BatchInvestigation, Delivery, OutreachContact
from .clock import BreachAction, Clock, ClockRule
from .complaint import Attachment, Complaint, CustomerContact, ReferenceCounter
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
from .escalation import CollaborationRequest, CompensationApproval, Escalation, Mention, Note, Notification
from .events import ComplaintEvent
from .intake_forms import Answer, FormField, FormVersion
from .kpi import KpiSettings, ReviewPack, SavedFilter
from .notify import NotificationChannel, NotificationPreference, NotificationRecipient, NotificationTemplate
from .org import Department, Membership, Role, StageRoute
from .preferences import UserPreference
from .quality import (
    ActionTask,
    ActionVerification,
    Cause,
    CauseCategory,
    CorrectiveAction,
    Responsibility,
    RootCauseAnalysis,
)
from .routing import RoutingCondition, RoutingRule, StageProfile
from .triage import TriageSignal
from .urgency import TaskUrgency

__all__ = [
    "ActionTask",
    "ActionVerification",
    "Answer",
    "Attachment",
    "BatchEvent",
    "BatchInvestigation",
    "BreachAction",
    "BusinessCalendar",
    "CalendarDay",
    "Category",
    "Cause",
    "CauseCategory",
    "Clock",
    "ClockRule",
    "CollaborationRequest",
    "CompensationApproval",
    "Complaint",
    "ComplaintEvent",
    "CorrectiveAction",
    "CustomerContact",
    "Delivery",
    "Department",
    "Escalation",
    "EscalationLevel",
    "FormField",
    "FormVersion",
    "KpiSettings",
    "LevelLimit",
    "Membership",
    "Mention",
    "Note",
    "Notification",
    "NotificationChannel",
    "NotificationPreference",
    "NotificationRecipient",
    "NotificationTemplate",
    "OutreachContact",
    "Priority",
    "ProcessSettings",
    "ReferenceCounter",
    "Responsibility",
    "ReviewPack",
    "Role",
    "RootCauseAnalysis",
    "RoutingCondition",
    "RoutingRule",
    "SavedFilter",
    "StageProfile",
    "StageRoute",
    "StepLimit",
    "TaskUrgency",
    "TriageSignal",
    "UserPreference",
    "WorkingHours",
]
