"""Train the triage model on the closed complaints: manage.py triage_train"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from complaints.services.learning import TooLittleData, triage_train


class Command(BaseCommand):
    help = (
        "Trains a triage model (category, priority, department from the customer's words) on the closed, "
        "resolved complaints with a fixed seed, stores it with its evaluation on a held-out share and prints "
        "the evaluation as JSON. Below the admin's minimum data nothing is trained."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            model = triage_train()
        except TooLittleData as error:
            raise CommandError(
                f"Too little data: {error.have} closed complaints, {error.need} needed (triage settings)."
            ) from None
        self.stdout.write(
            json.dumps(
                {
                    "version": model.version,
                    "data_size": model.data_size,
                    "active": model.active,
                    "evaluation": model.evaluation,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
