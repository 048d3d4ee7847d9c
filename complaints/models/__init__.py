from .batch import BatchEvent, BatchInvestigation, Delivery, OutreachContact
from .clock import BreachAction, Clock, ClockRule
from .complaint import Attachment, Complaint, CustomerContact, PendingUpload, ReferenceCounter
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
from .inbox import InAppNotice
from .intake_forms import Answer, FormField, FormVersion
from .kpi import KpiSettings, ReviewPack, SavedFilter
from .notify import NotificationChannel, NotificationPreference, NotificationRecipient, NotificationTemplate
from .org import Department, Membership, Role, StageRoute
from .portal import CustomerLink, PortalSettings, PublicFiling
from .preferences import UserPreference
from .privacy import AccessLog, CategoryRetention, PrivacyPolicy
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
    "AccessLog",
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
    "CategoryRetention",
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
    "CustomerLink",
    "Delivery",
    "Department",
    "Escalation",
    "EscalationLevel",
    "FormField",
    "FormVersion",
    "InAppNotice",
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
    "PendingUpload",
    "PortalSettings",
    "Priority",
    "PrivacyPolicy",
    "ProcessSettings",
    "PublicFiling",
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
