from .appeal import Appeal
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
from .kpi import (
    ComplaintExport,
    KpiDay,
    KpiDayBreakdown,
    KpiDayLevel,
    KpiSettings,
    KpiStale,
    ReviewDecision,
    ReviewPack,
    SavedFilter,
)
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
from .regional import RegionalBound, RegionalValue
from .routing import RoutingCondition, RoutingRule, StageProfile
from .steps import CustomStep, CustomStepCondition, CustomStepLimit, CustomStepRun
from .triage import EmotionPhrase, TriageModel, TriageSettings, TriageSignal
from .urgency import TaskUrgency

__all__ = [
    "AccessLog",
    "ActionTask",
    "ActionVerification",
    "Answer",
    "Appeal",
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
    "ComplaintExport",
    "CorrectiveAction",
    "CustomStep",
    "CustomStepCondition",
    "CustomStepLimit",
    "CustomStepRun",
    "CustomerContact",
    "CustomerLink",
    "Delivery",
    "Department",
    "EmotionPhrase",
    "Escalation",
    "EscalationLevel",
    "FormField",
    "FormVersion",
    "InAppNotice",
    "KpiDay",
    "KpiDayBreakdown",
    "KpiDayLevel",
    "KpiSettings",
    "KpiStale",
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
    "RegionalBound",
    "RegionalValue",
    "Responsibility",
    "ReviewDecision",
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
    "TriageModel",
    "TriageSettings",
    "TriageSignal",
    "UserPreference",
    "WorkingHours",
]
