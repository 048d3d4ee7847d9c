"""Enumerations shared by models, rules and forms."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Stage(models.TextChoices):
    """Where a complaint stands in its life (DOMAIN.md, "The life of a complaint")."""

    INTAKE = "intake", _("Intake")
    FIRST_RESPONSE = "first_response", _("First response")
    VERIFICATION = "verification", _("Verification")
    CONTAINMENT = "containment", _("Containment and root-cause analysis")
    PERMANENT_ACTIONS = "permanent_actions", _("Permanent corrective actions")
    EFFECTIVENESS = "effectiveness", _("Effectiveness verification")
    CUSTOMER_CONFIRMATION = "customer_confirmation", _("Customer confirmation")
    CLOSED = "closed", pgettext_lazy("stage", "Closed")


class RoutedStage(models.TextChoices):
    """The human steps of the process; each is routed to a role in a department."""

    FIRST_RESPONSE = "first_response", _("First response")
    VERIFICATION = "verification", _("Verification")
    CONTAINMENT = "containment", _("Containment (temporary action)")
    ROOT_CAUSE = "root_cause", _("Root-cause analysis")
    PERMANENT_ACTIONS = "permanent_actions", _("Permanent corrective actions")
    EFFECTIVENESS = "effectiveness", _("Effectiveness verification")
    CUSTOMER_CONFIRMATION = "customer_confirmation", _("Customer confirmation")
    FOLLOW_UP = "follow_up", _("Follow-up")


class AssignRule(models.TextChoices):
    """Who gets a new task of a step (the admin chooses per step routing)."""

    QUEUE = "queue", _("Its queue: someone claims it")
    CASE_OWNER = "case_owner", _("The case owner")
    EARLIER_STEP = "earlier_step", _("Whoever did a named earlier step")
    LEAST_LOADED = "least_loaded", _("The queue member with the fewest open tasks")


class Outcome(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    INVALID = "invalid", _("Invalid")
    DUPLICATE = "duplicate", _("Duplicate")


class Emotion(models.TextChoices):
    """Ordered from calm to extremely angry; the order matters to triage."""

    CALM = "calm", _("Calm")
    AGITATED = "agitated", _("Agitated")
    ANGRY = "angry", _("Angry")
    EXTREMELY_ANGRY = "extremely_angry", _("Extremely angry")


class EmotionCueKind(models.TextChoices):
    """What an emotion lexicon phrase is evidence of."""

    INTENSITY = "intensity", _("Intensity word")
    THREAT = "threat", _("Threat (media, lawyer, regulator)")
    INSULT = "insult", _("Insult")
    URGENCY = "urgency", _("Urgency")
    VULNERABLE = "vulnerable", _("Vulnerable person")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone / hotline")
    STORE = "store", _("In store / on site")
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web form")
    APP = "app", _("Mobile app")
    SOCIAL = "social", _("Social media")
    SMS = "sms", _("Text message (SMS)")
    REGULATOR = "regulator", _("Regulator / consumer association")
    OTHER = "other", _("Other")


class Demand(models.TextChoices):
    REFUND = "refund", _("Refund")
    REPLACEMENT = "replacement", _("Replacement")
    REPAIR = "repair", _("Repair")
    APOLOGY = "apology", _("Apology")
    COMPENSATION = "compensation", _("Compensation")
    EXPLANATION = "explanation", _("Explanation")
    OTHER = "other", _("Other")


class DepartmentKind(models.TextChoices):
    HQ = "hq", _("Headquarters")
    REGION = "region", _("Region")
    STORE = "store", _("Store / branch")
    FUNCTIONAL = "functional", _("Functional department")


class VerificationOutcome(models.TextChoices):
    VALID = "valid", _("Valid: continue")
    INVALID = "invalid", _("Invalid: explain to the customer and close")
    DUPLICATE = "duplicate", _("Duplicate: link to the original and close")


class CauseVerdict(models.TextChoices):
    """Where a candidate cause on the fishbone stands; confirmed causes are the root cause."""

    OPEN = "open", _("Open (being checked)")
    CONFIRMED = "confirmed", _("Confirmed root cause")
    RULED_OUT = "ruled_out", _("Ruled out")


class ActionKind(models.TextChoices):
    TEMPORARY = "temporary", _("Temporary (containment)")
    PERMANENT = "permanent", _("Permanent")


class ActionArea(models.TextChoices):
    """What an action changes; all but the customer remedy and "other" prevent recurrence (8D D7)."""

    CUSTOMER = "customer", _("Customer remedy (replace, refund, repair…)")
    PROCESS = "process", _("Process / procedure")
    DESIGN = "design", _("Product design")
    SUPPLIER = "supplier", _("Supplier / material")
    TRAINING = "training", _("Training")
    INSPECTION = "inspection", _("Inspection / measurement")
    OTHER = "other", _("Other")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    EFFECTIVE = "effective", _("Verified effective")
    NOT_EFFECTIVE = "not_effective", _("Not effective")


class ConfirmationOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Customer confirms the resolution")
    NOT_SATISFIED = "not_satisfied", _("Customer is not satisfied")


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    TRIAGED = "triaged", _("Triaged")
    SUGGESTION = "suggestion", _("Triage suggestion accepted or overridden")
    EMOTION_SCORED = "emotion_scored", _("Emotion index from the customer's words")
    STAGE_CHANGED = "stage_changed", _("Stage changed")
    CUSTOMER_CONTACT = "customer_contact", _("Customer contact")
    VERIFIED = "verified", _("Verified")
    ACTION_RECORDED = "action_recorded", _("Corrective action recorded")
    ROOT_CAUSE = "root_cause", _("Root cause recorded")
    EFFECTIVENESS = "effectiveness", _("Effectiveness checked")
    CONFIRMATION = "confirmation", _("Customer confirmation")
    CLOSED = "closed", pgettext_lazy("event", "Closed")
    FOLLOWED_UP = "followed_up", _("Followed up")
    ATTACHMENT = "attachment", _("Attachment added")
    DEADLINES_RECOMPUTED = "deadlines_recomputed", _("Deadlines recomputed")
    SIGNALS = "signals", _("Triage signals changed")
    PRIORITY_RAISED = "priority_raised", _("Priority raised")
    ESCALATED = "escalated", _("Escalated")
    SENT_BACK = "sent_back", _("Sent back down")
    TOP_LEVEL = "top_level", _("Escalation attempted at the top level")
    APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
    APPROVAL_DECIDED = "approval_decided", _("Approval decided")
    COMPENSATION = "compensation", _("Compensation proposed")
    COLLABORATION_REQUESTED = "collab_requested", _("Collaboration requested")
    COLLABORATION_REROUTED = "collab_rerouted", _("Collaboration request passed on")
    COLLABORATION_ANSWERED = "collab_answered", _("Collaboration request answered")
    NOTE = "note", _("Internal note")
    NOTIFIED = "notified", _("Notification sent")
    DEADLINE_WARNING = "deadline_warning", _("Deadline warning")
    DEADLINE_BREACHED = "deadline_breached", _("Deadline breached")
    WAITING = "waiting", _("Waiting for the customer")
    RESUMED = "resumed", _("Customer answered: clock resumed")
    CLAIMED = "claimed", _("Task claimed")
    RELEASED = "released", _("Task released to its queue")
    REASSIGNED = "reassigned", _("Task reassigned")
    AUTO_ASSIGNED = "auto_assigned", _("Task assigned by rule")
    BATCH_LINKED = "batch_linked", _("Linked to a batch investigation")
    PROBLEM_DESCRIBED = "problem_described", _("Problem described (5W2H)")
    CAUSE_RECORDED = "cause_recorded", _("Cause recorded on the fishbone")
    RESPONSIBILITY = "responsibility", _("Responsibility assigned")
    ACTION_UPDATED = "action_updated", _("Corrective action updated")
    ACTION_VERIFIED = "action_verified", _("Corrective action verified")
    REOPENED = "reopened", _("Reopened")
    CUSTOMER_ADDED = "customer_added", _("The customer added information")
    LINK_SENT = "link_sent", _("Tracking link sent to the customer")
    LINK_REVOKED = "link_revoked", _("Tracking link revoked")
    CUSTOM_STEP_STARTED = "custom_step_started", _("Custom step started")
    CUSTOM_STEP_DONE = "custom_step_done", _("Custom step done")
    APPEAL_OPENED = "appeal_opened", _("Appealed to the customer-experience office")
    APPEAL_DECIDED = "appeal_decided", _("Appeal decided by the customer-experience office")

    LEGAL_HOLD = "legal_hold", _("Legal hold set or released")


class DepartmentScope(models.TextChoices):
    """Which department handles something, relative to the complaint's own department."""

    OWN = "own", _("The complaint's own department")
    STORE = "store", _("The nearest store at or above the complaint's department")
    REGION = "region", _("The nearest region at or above the complaint's department")
    HQ = "hq", _("Headquarters above the complaint's department")
    FIXED = "fixed", _("A fixed department")


class TimeUnit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (closed)")
    WORKING_DAY = "working_day", _("Working day with its own hours (e.g. an adjusted working weekend)")


class MatchMode(models.TextChoices):
    ALL = "all", _("All conditions hold")
    ANY = "any", _("Any condition holds")


class Operator(models.TextChoices):
    EQUALS = "eq", _("equals")
    NOT_EQUALS = "ne", _("does not equal")
    IN = "in", _("is one of")
    NOT_IN = "not_in", _("is none of")
    CONTAINS = "contains", _("contains")
    NOT_CONTAINS = "not_contains", _("does not contain")
    GREATER = "gt", _("is greater than")
    GREATER_EQUAL = "gte", _("is at least")
    LESS = "lt", _("is less than")
    LESS_EQUAL = "lte", _("is at most")
    IS_EMPTY = "empty", _("is empty")
    IS_SET = "set", _("is filled in")


class NotificationEvent(models.TextChoices):
    P0_ALERT = "p0_alert", _("P0 alert")
    ESCALATION = "escalation", _("Escalation")
    DEADLINE_WARNING = "deadline_warning", _("Deadline warning")
    BREACH = "breach", _("Deadline breached")
    TOP_LEVEL = "top_level", _("Escalation attempted at the top level")
    CUSTOMER_UPDATE = "customer_update", _("Message to the customer: new handler and time")
    APPROVAL = "approval", _("Approval requested")
    COLLABORATION = "collaboration", _("Collaboration request")
    MENTION = "mention", _("Mentioned in an internal note")
    PROGRESS = "progress", _("P0 progress update due")
    FOLLOW_UP = "follow_up", _("Follow-up due")
    CUSTOMER_ADDED = "customer_added", _("The customer added information")
    # Messages to the customer (their address, their language):
    CUSTOMER_REGISTERED = "c_registered", _("Message to the customer: complaint registered")
    CUSTOMER_PROMISE = "c_promise", _("Message to the customer: new promise")
    CUSTOMER_WAITING = "c_waiting", _("Message to the customer: we need something from you")
    CUSTOMER_CLOSED = "c_closed", _("Message to the customer: complaint closed")
    CUSTOMER_MESSAGE = "c_message", _("Message to the customer from the case owner")
    CUSTOMER_CONFIRM = "c_confirm", _("Message to the customer: please confirm the resolution")
    CUSTOMER_SURVEY = "c_survey", _("Message to the customer: follow-up survey")
    CUSTOMER_APPEAL_RECEIVED = "c_appeal_received", _("Message to the customer: appeal received")
    CUSTOMER_APPEAL_DECIDED = "c_appeal_decided", _("Message to the customer: appeal decided")
    APPEAL = "appeal", _("Appeal to the customer-experience office")


class NoticeOnlyEvent(models.TextChoices):
    """Events told only in the workspace's notification list, to the person they concern (no notify
    list, no template, no channel)."""

    EXPORT_READY = "export_ready", _("Export ready")
    EXPORT_FAILED = "export_failed", _("Export failed")


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook (SMS and IM gateways)")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")
    FEISHU = "feishu", _("Feishu (Lark) group robot")


ROBOT_KINDS = (ChannelKind.WECOM, ChannelKind.DINGTALK, ChannelKind.FEISHU)
"""Channels that post to a group chat through its robot's webhook (complaints/rules/robots.py)."""


class RecipientKind(models.TextChoices):
    ROLE = "role", _("Holders of a role in a department")
    HEAD = "head", _("Head of a department")
    USER = "user", _("A named user")
    CASE_OWNER = "case_owner", _("The case owner")


class FieldKind(models.TextChoices):
    """The kinds of question an admin can add to a category's intake form."""

    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Decimal / amount")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    CHOICE = "choice", _("Single choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    YES_NO = "yes_no", _("Yes / no")
    PHONE = "phone", _("Phone number")
    EMAIL = "email", _("E-mail address")
    PLATE_OR_VIN = "plate_or_vin", _("Plate number or VIN")
    FILE = "file", _("File")
    PHOTO = "photo", _("Photo")


class FormStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (not in use yet)")
    PUBLISHED = "published", _("Published (in use)")
    RETIRED = "retired", _("Superseded (kept for the complaints filed with it)")


class ConditionEffect(models.TextChoices):
    SHOW = "show", _("Show only when; “required” applies then")
    REQUIRE = "require", _("Always shown; required only when")


class Signal(models.TextChoices):
    """Triage signals the product computes itself; admins add keyword signals with their own codes."""

    MANAGER = "manager", _("Customer asked for a manager")
    EMOTION = "emotion", _("Emotion at or above the threshold")
    OVER_AUTHORITY = "over_authority", _("Demand above the level's authority")
    REPEAT = "repeat", _("Repeat complaint")
    MANY_AFFECTED = "many_affected", _("Many customers affected (same incident)")


class EscalationReason(models.TextChoices):
    CUSTOMER_ASKED = "customer_asked", _("The customer asked for a higher level")
    OVER_AUTHORITY = "over_authority", _("Above this level's authority")
    RISK = "risk", _("Safety, legal or public-opinion risk")
    OVERDUE = "overdue", _("Overdue")
    COMMITTED_TIME = "committed_time", _("The time promised to the customer passed")
    OTHER = "other", _("Other (explain)")


class SendBackReason(models.TextChoices):
    WITHIN_AUTHORITY = "within_authority", _("Within the lower level's authority")
    RISK_CLEARED = "risk_cleared", _("The risk turned out lower")
    MISROUTED = "misrouted", _("Escalated by mistake")
    OTHER = "other", _("Other (explain)")


class EscalationTrigger(models.TextChoices):
    MANUAL = "manual", _("By hand")
    TRIAGE = "triage", _("Triage")
    DEADLINE = "deadline", _("Deadline")
    REPEAT = "repeat", _("New repeat complaint")
    OVER_AUTHORITY = "over_authority", _("Compensation above authority")
    KEYWORD = "keyword", _("Keyword in a new note")


class Urgency(models.TextChoices):
    NOW = "now", _("Now")
    TWO_HOURS = "2h", _("Within 2 hours")
    TODAY = "today", _("Today")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class AppealDecision(models.TextChoices):
    """What the independent customer-experience office decides on an appeal."""

    UPHELD = "upheld", pgettext_lazy("appeal", "Upheld")
    PARTLY = "partly", pgettext_lazy("appeal", "Partly upheld")
    REJECTED = "rejected", pgettext_lazy("appeal", "Rejected")


class CollaborationStep(models.TextChoices):
    """Who holds a collaboration request, in the order it passes on when nobody answers."""

    CONTACT = "contact", _("Department contact")
    HEAD = "head", _("Department head")
    SUPERIOR = "superior", _("Requester's superior")
    HQ = "hq", _("Headquarters")


class BatchStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("batch", "Open")
    CLOSED = "closed", pgettext_lazy("batch", "Closed")


class BatchOpenedBy(models.TextChoices):
    THRESHOLD = "threshold", _("Threshold of complaints reached")
    MARKED = "marked", _("Marked as a batch issue")


class BatchEventKind(models.TextChoices):
    OPENED = "opened", _("Investigation opened")
    LINKED = "linked", _("Complaint linked")
    IMPORTED = "imported", _("Deliveries imported")
    CONTACT = "contact", _("Outreach progress")
    CLOSED = "closed", pgettext_lazy("batch", "Closed")


class DeliveryIdentifier(models.TextChoices):
    """The column of a deliveries file that names one delivered item (and the complaint field it
    matches): a vehicle's plate/VIN, a device's serial number, a B2B customer's purchase order."""

    PLATE_OR_VIN = "plate_or_vin", _("Plate number or VIN")
    SERIAL_NUMBER = "serial_number", _("Serial number")
    CUSTOMER_PO = "customer_po", _("Customer PO")


class OutreachState(models.TextChoices):
    """Where the outreach to one customer stands; the allowed moves are in rules.batch."""

    TO_CONTACT = "to_contact", _("To contact")
    CONTACTED = "contacted", _("Contacted")
    INSPECTED = "inspected", _("Inspected")
    FIXED = "fixed", _("Fixed")
    NO_ISSUE = "no_issue", _("No issue found")


class StepPoint(models.TextChoices):
    """The fixed points of the complaint process where admin-defined custom steps run, in process order."""

    AFTER_TRIAGE = "after_triage", _("After triage")
    AFTER_VERIFICATION = "after_verification", _("After verification")
    BEFORE_PERMANENT_ACTIONS = "before_permanent_actions", _("Before permanent actions")
    BEFORE_CONFIRMATION = "before_confirmation", _("Before customer confirmation")
    BEFORE_CLOSE = "before_close", _("Before close")


class StepBack(models.TextChoices):
    """Where a refused gate sends the case back to (a stage before the point), in process order."""

    FIRST_RESPONSE = "first_response", _("First response")
    VERIFICATION = "verification", _("Verification")
    CONTAINMENT = "containment", _("Containment and root-cause analysis")
    PERMANENT_ACTIONS = "permanent_actions", _("Permanent corrective actions")
    CUSTOMER_CONFIRMATION = "customer_confirmation", _("Customer confirmation")


class StepRunStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("step", "Open")
    DONE = "done", pgettext_lazy("step", "Done")
    REFUSED = "refused", pgettext_lazy("step", "Refused")
    CANCELED = "canceled", pgettext_lazy("step", "Canceled")


class VaryingSetting(models.TextChoices):
    """The numbers HQ may let regions set for their own complaints (issue 24, within bounds)."""

    RESPONSE_TIME = "response_time", _("Time to respond (a level, a priority)")
    RESOLUTION_TIME = "resolution_time", _("Time to resolve (a level, a priority)")
    AUTHORITY = "authority", _("Compensation authority (a level)")
    WARNING_PERCENT = "warning_percent", _("Warning percent (a level)")
    CALENDAR = "calendar", _("Business calendar (a level)")
    FOLLOW_UP = "follow_up", _("Follow-up after closing, hours")
