from .complaint import (
    Attachment,
    Complaint,
    CorrectiveAction,
    CustomerContact,
    ReferenceCounter,
    RootCauseAnalysis,
)
from .config import Category, EscalationLevel, Priority, ProcessSettings
from .events import ComplaintEvent
from .org import Department, Membership, Role, StageRoute

__all__ = [
    "Attachment",
    "Category",
    "Complaint",
    "ComplaintEvent",
    "CorrectiveAction",
    "CustomerContact",
    "Department",
    "EscalationLevel",
    "Membership",
    "Priority",
    "ProcessSettings",
    "ReferenceCounter",
    "Role",
    "RootCauseAnalysis",
    "StageRoute",
]
