"""The admin home in setup order: the configuration models grouped as an admin sets them up
(organisation → ladder → routing → forms and steps → notifications → quality → settings), then
operations and logs; and the checklist of what is still missing (complaints/selectors/setup.py)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

# (group, models as "app_label.model_name"), in the order an admin sets them up.
SETUP_GROUPS: list[tuple[Any, list[str]]] = [
    (
        _("1. Organisation"),
        ["complaints.department", "complaints.role", "complaints.membership", "auth.user", "auth.group"],
    ),
    (
        _("2. Escalation ladder"),
        [
            "complaints.priority",
            "complaints.businesscalendar",
            "complaints.escalationlevel",
            "complaints.regionalbound",
            "complaints.regionalvalue",
        ],
    ),
    (
        _("3. Routing"),
        [
            "complaints.category",
            "complaints.triagesignal",
            "complaints.routingrule",
            "complaints.stageprofile",
            "complaints.stageroute",
            "complaints.triagesettings",
            "complaints.emotionphrase",
            "complaints.triagemodel",
        ],
    ),
    (_("4. Forms and steps"), ["complaints.formversion", "complaints.customstep", "complaints.processsettings"]),
    (
        _("5. Notifications"),
        [
            "complaints.notificationrecipient",
            "complaints.notificationtemplate",
            "complaints.notificationchannel",
            "complaints.notificationpreference",
        ],
    ),
    (_("6. Quality and KPIs"), ["complaints.causecategory", "complaints.kpisettings"]),
    (_("7. Customer portal and privacy"), ["complaints.portalsettings", "complaints.privacypolicy"]),
]
OPERATIONS = _("Operations and logs")


def grouped_app_list(app_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Regroups Django's app list: the setup groups first (models the user may see, in the order
    above), then every other model of these apps under "Operations and logs", then the other apps
    as Django lists them."""
    by_key = {
        f"{app['app_label']}.{model['object_name'].lower()}": (app, model)
        for app in app_list
        for model in app["models"]
    }
    placed: set[str] = set()
    groups = []
    for index, (name, keys) in enumerate(SETUP_GROUPS, start=1):
        found = [by_key[key] for key in keys if key in by_key]
        if not found:
            continue
        placed.update(key for key in keys if key in by_key)
        groups.append(_group(f"setup{index}", name, found))
    grouped_apps = {key.split(".")[0] for key in placed}
    rest = [by_key[key] for key in by_key if key not in placed and key.split(".")[0] in grouped_apps | {"complaints"}]
    if rest:
        groups.append(_group("operations", OPERATIONS, rest))
    others = [app for app in app_list if app["app_label"] not in grouped_apps | {"complaints"}]
    return groups + others


def _group(key: str, name: Any, entries: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    app = entries[0][0]
    return {
        **app,
        "name": name,
        "app_label": key,  # the index's anchors and CSS classes; links still go to each model
        # the caption opens the group's first page (the app's URL would mark every group current)
        "app_url": entries[0][1].get("admin_url") or app["app_url"],
        "models": [model for _app, model in entries],
        "has_module_perms": True,
    }
