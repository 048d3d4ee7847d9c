"""python manage.py api_token USERNAME --name NAME [--department CODE] [--role CODE]

Prints a new token once; see docs/api.md."""

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.models import ApiToken, roles_refused
from complaints.models import Department, Role


class Command(BaseCommand):
    help = "Creates an API token acting as USERNAME and prints it (it is stored hashed: this is the only time)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="Which integration uses the token.")
        parser.add_argument("--department", action="append", default=[], help="Narrow to a department code.")
        parser.add_argument("--role", action="append", default=[], help="Act only with this role (code).")
        parser.add_argument("--days", type=int, default=None, help="Expires after this many days (default: never).")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        departments = list(Department.objects.filter(code__in=options["department"]))
        missing = set(options["department"]) - {d.code for d in departments}
        if missing:
            raise CommandError(f"No department {', '.join(sorted(missing))}.")
        roles = list(Role.objects.filter(code__in=options["role"]))
        missing = set(options["role"]) - {r.code for r in roles}
        if missing:
            raise CommandError(f"No role {', '.join(sorted(missing))}.")
        refused = roles_refused(user, roles) if roles else ""
        if refused:
            raise CommandError(refused)
        token = ApiToken(name=options["name"], owner=user)
        if options["days"] is not None:
            token.expires_at = timezone.now() + timedelta(days=options["days"])
        raw = token.set_token()
        token.save()
        token.departments.set(departments)
        token.roles.set(roles)
        self.stdout.write(raw)
