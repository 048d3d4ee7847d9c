from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlowsConfig(AppConfig):
    name = "flows"
    verbose_name = _("Complaint process")

    def ready(self) -> None:
        # Services open approvals, collaboration requests and action tasks through this port (complaints never
        # imports flows).
        from complaints.services.work import starter_register
        from flows.flows import ActionFlow, AppealFlow, ApprovalFlow, CollaborationFlow, CustomStepFlow, MentionFlow

        starter_register(kind="approval", start=lambda fields: ApprovalFlow.start.run(fields=fields))
        starter_register(kind="collaboration", start=lambda fields: CollaborationFlow.start.run(fields=fields))
        starter_register(kind="action", start=lambda fields: ActionFlow.start.run(fields=fields))
        starter_register(kind="mention", start=lambda fields: MentionFlow.start.run(fields=fields))
        starter_register(kind="custom_step", start=lambda fields: CustomStepFlow.start.run(fields=fields))
        starter_register(kind="appeal", start=lambda fields: AppealFlow.start.run(fields=fields))
        # The customer's public form starts the complaint process with registration as its first step.
        from flows.driver import start_with

        starter_register(kind="complaint", start=lambda fields: start_with(fields["first_step"]))
        # The customer's confirmation and survey complete the step the agent's task would.
        from flows.driver import complete_as_customer

        starter_register(kind="step", start=lambda fields: complete_as_customer(**fields))
