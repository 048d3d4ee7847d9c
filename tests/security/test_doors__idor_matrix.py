"""Every URL the resolver knows that names an object, knocked on by everyone who must not enter.

Ids of store A's complaint (and of its tasks, side processes, causes, actions, attachments, batch
investigation) are put into every such URL and fetched with GET and POST by people outside its
scope; then tasks are asked for through the wrong process, the wrong flow and the wrong step by
people who can see both complaints. Each answer must be a refusal (403/404/405 or the login page)
and carry none of store A's customer data.

Store B's agent, the likeliest attacker, knocks on every door with both verbs; the others knock on
every door that is not a task's and on one task door per flow and action (viewflow builds every
step's task doors alike), which keeps the run short."""

from typing import Any

from viewflow.workflow import STATUS

from tests.security.conftest import client_as, leaked, refused
from tests.security.doors import FLOWS, Door, object_doors, representatives, values_for


def knock(client: Any, url: str) -> list[tuple[str, Any]]:
    return [("GET", client.get(url)), ("POST", client.post(url, {}))]


def test_the_matrix_knows_every_kind_of_door(world: dict[str, Any]) -> None:
    """The walk finds the task doors of every flow and the doors nested under a complaint, and the
    ids it fills in are the right ones: someone who may see everything opens each task's page, so
    the refusals below are not refusals of wrong ids."""
    found = object_doors()
    assert {d.flow_label for d in found if d.is_task} == set(FLOWS)
    names = {d.name for d in found}
    assert {"workflow:flows:complaint:verification:execute", "workflow:flows:complaint:cause_edit"} <= names
    owner, a = client_as(world["users"]["superuser"]), world["a"]
    for door in found:
        if door.is_task and door.name.endswith(":detail"):
            assert owner.get(door.url(values_for(door, a, world["users"]))).status_code == 200, door.name
    assert leaked(owner.get(f"/workflow/flows/complaint/{a.complaint.pk}/"), a) == a.secrets()


def test_no_door_opens_a_complaint_to_anyone_outside_its_scope(world: dict[str, Any]) -> None:
    a, users = world["a"], world["users"]
    found = object_doors()
    knocks: list[tuple[Any, list[Door]]] = [
        (users["agent_b"], found),
        (None, representatives(found)),
        (users["outsider"], representatives(found)),
        (users["staff_b"], representatives(found)),
    ]
    failures = []
    for persona, chosen in knocks:
        client = client_as(persona)
        for door in chosen:
            url = door.url(values_for(door, a, users))
            for method, response in knock(client, url):
                if not refused(response, url) or leaked(response, a):
                    failures.append((str(persona), method, url, response.status_code, leaked(response, a)))
    assert not failures, "\n".join(map(str, failures))


def test_a_visible_parent_does_not_open_another_complaints_child(world: dict[str, Any]) -> None:
    """Store B's ids where the URL names the complaint (or process), store A's for the task, cause,
    action or contact under it: refused for the agent who sees only B, and for the lead and the
    superuser who see both (the task is not B's)."""
    a, b, users = world["a"], world["b"], world["users"]
    nested = [d for d in object_doors() if len(d.params) >= 2]
    assert any(d.is_task for d in nested)
    failures = []
    for persona, chosen in (
        (users["agent_b"], nested),
        (users["regional_lead"], representatives(nested)),
        (users["superuser"], representatives(nested)),
    ):
        client = client_as(persona)
        for door in chosen:
            ours, theirs = values_for(door, b, users), values_for(door, a, users)
            for child in door.params[1:]:
                if ours[child] == theirs[child]:
                    continue
                url = door.url({**ours, child: theirs[child]})
                for method, response in knock(client, url):
                    data = leaked(response, a) if persona == users["agent_b"] else []
                    if not refused(response, url) or data:
                        failures.append((str(persona), method, url, response.status_code, data))
    assert not failures, "\n".join(map(str, failures))


def test_a_task_opens_only_through_its_own_flow_and_step(world: dict[str, Any]) -> None:
    """Step confusion: a task under another step's name (verification's form executing a
    containment task), under another flow's name with the same process id, or under a process that
    does not exist is refused even for someone who may see and do everything; no task changes."""
    a, users = world["a"], world["users"]
    before = {t.pk: (t.status, t.owner_id) for t in a.tasks.values()}
    client = client_as(users["superuser"])
    failures = []
    found = [d for d in object_doors() if d.is_task]
    chosen = set(representatives(found))
    for door in found:
        values = values_for(door, a, users)
        steps = [name for (label, name) in a.tasks if label == door.flow_label and name != door.node_name]
        other_flow = next(p.pk for label, p in a.processes.items() if label != door.flow_label)
        wrongs = [{"task_pk": a.tasks[(door.flow_label, steps[0])].pk}]
        if door in chosen:  # the other confusions on one door per flow and action
            wrongs += [
                {"task_pk": a.tasks[(door.flow_label, steps[-1])].pk},
                {"process_pk": other_flow},
                {"process_pk": 10**9},
            ]
        for wrong in wrongs:
            url = door.url({**values, **wrong})
            for method, response in knock(client, url):
                if response.status_code != 404:
                    failures.append((method, url, response.status_code))
    assert not failures, "\n".join(map(str, failures))
    for task in a.tasks.values():
        task.refresh_from_db()
    assert {t.pk: (t.status, t.owner_id) for t in a.tasks.values()} == before
    assert a.tasks[("complaint", "first_response")].status != STATUS.DONE
