# ruff: noqa: S608  (the SQL is built from this file's constants and integer ids, never from input)
"""A year (or several) of complaints for benchmarks and for trying Redress at size.

Run after `seed_demo` on PostgreSQL: `python manage.py bench_data --complaints 1000000 --open 100000`.
Every row is written by set-based SQL (`INSERT … SELECT` over `generate_series`), so a million
complaints with their processes, tasks, clocks and events take minutes, not hours. The rows are
spread over the demo organisation the way a real year would be: the stores' agents, the regional
lead and the quality engineer find their inbox, queue, breached list and archive full; the open
complaints stand at every stage and level, with a mix of priorities, paused clocks and breaches.
Deterministic for a given size (`setseed`); adds to what exists, never deletes.
"""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from complaints.services.intake import reference_numbers
from complaints.services.urgency import urgency_rebuild

STORES = {
    # store code: (share of the complaints, its region)
    "store-pudong": (0.40, "region-east"),
    "store-tianhe": (0.30, "region-south"),
    "store-hangzhou": (0.15, "region-east"),
    "store-nanshan": (0.15, "region-south"),
}

# Open complaints by stage (the step waiting), cumulative shares below.
OPEN_STAGES = (
    ("first_response", 0.30, "first_response"),
    ("verification", 0.15, "verification"),
    ("containment", 0.20, "root_cause"),  # containment done at the store, the root cause waits at quality
    ("permanent_actions", 0.10, "permanent_actions"),
    ("effectiveness", 0.10, "effectiveness"),
    ("customer_confirmation", 0.15, "customer_confirmation"),
)
QUALITY_STEPS = {"verification", "root_cause", "permanent_actions", "effectiveness"}
FLOW = "flows/flows.ComplaintFlow"
STEP_FLOW = "flows/flows.CustomStepFlow"
# The open complaints' stages in process order, and the first of them at which a custom step of each
# point has run (an open complaint standing there waits for it; later ones have it done; a step
# before close runs on closed complaints only).
STAGE_ORDER = (
    "first_response",
    "verification",
    "containment",
    "permanent_actions",
    "effectiveness",
    "customer_confirmation",
)
POINT_STAGE = {
    "after_triage": "first_response",
    "after_verification": "containment",
    "before_permanent_actions": "permanent_actions",
    "before_confirmation": "customer_confirmation",
}
STEP_SHARE = 0.10  # besides every P0 complaint, this share of the others passes each active custom step
BATCH_DAYS = 10  # one store-day in this many received complaints of a defective batch, ...
BATCH_SIZE = (3, 40)  # ... from this many to this many of them (as many as the day had, if fewer)


def _case(expr: str, pairs: list[tuple[float, str]]) -> str:
    """A CASE over cumulative shares of a uniform random column."""
    whens, total = [], 0.0
    for share, value in pairs[:-1]:
        total += share
        whens.append(f"WHEN {expr} < {total:.4f} THEN {value}")
    return f"(CASE {' '.join(whens)} ELSE {pairs[-1][1]} END)"


class Command(BaseCommand):
    help = "Adds N complaints (M of them open) with their processes, tasks, clocks and events (PostgreSQL)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--complaints", type=int, required=True, help="Complaints to add (open and closed).")
        parser.add_argument("--open", type=int, required=True, help="How many of them are still open.")
        parser.add_argument("--days", type=int, default=365, help="Spread the closed ones over this many days.")
        parser.add_argument(
            "--extras-only",
            action="store_true",
            help="Add only the custom-step runs and batch investigations, to complaints generated before "
            "the generator made them (those without either); --complaints and --open are then ignored.",
        )

    def handle(
        self, *args: Any, complaints: int, open: int, days: int, extras_only: bool = False, **options: Any
    ) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_data writes with PostgreSQL's generate_series: set DATABASE_URL.")
        if extras_only:
            started = time.monotonic()
            with transaction.atomic(), connection.cursor() as cursor:
                self.cursor = cursor
                cursor.execute(
                    "CREATE TEMP TABLE bench_extra AS SELECT process_ptr_id AS pid FROM complaints_complaint c"
                    " WHERE reference LIKE 'C-%%' AND NOT EXISTS (SELECT 1 FROM complaints_customsteprun r"
                    " WHERE r.case_id = c.process_ptr_id) AND NOT EXISTS (SELECT 1 FROM"
                    " complaints_batchinvestigation_complaints b WHERE b.complaint_id = c.process_ptr_id)"
                )
                self._extras()
            self._analyze()
            self.stdout.write(self.style.SUCCESS(f"Extras added in {time.monotonic() - started:.0f} s"))
            return
        if not 0 <= open <= complaints:
            raise CommandError("--open must be between 0 and --complaints.")
        ids = self._ids()
        started = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            self.cursor = cursor
            self._plan(complaints, open, days, ids)
            for step in (self._counters, self._processes, self._complaints, self._tasks, self._clocks, self._events):
                t0 = time.monotonic()
                step(ids)
                self.stdout.write(f"  {step.__name__.strip('_')}: {time.monotonic() - t0:.1f} s")
            cursor.execute("CREATE TEMP TABLE bench_extra AS SELECT pid FROM bench_rows")
            self._extras()
        t0 = time.monotonic()
        rows = urgency_rebuild()  # the lists' stored deadlines, as the services would have written them
        self.stdout.write(f"  task deadlines: {time.monotonic() - t0:.1f} s ({rows:,} open tasks)")
        self._analyze()
        self.stdout.write(
            self.style.SUCCESS(f"Added {complaints:,} complaints ({open:,} open) in {time.monotonic() - started:.0f} s")
        )

    def _analyze(self) -> None:
        with connection.cursor() as cursor:
            for table in (
                "viewflow_process",
                "viewflow_task",
                "complaints_complaint",
                "complaints_clock",
                "complaints_complaintevent",
                "complaints_taskurgency",
                "complaints_customsteprun",
                "complaints_batchinvestigation",
                "complaints_batchinvestigation_complaints",
            ):
                cursor.execute(f"ANALYZE {table}")

    # The demo organisation -------------------------------------------------------------------

    def _ids(self) -> dict[str, Any]:
        with connection.cursor() as cursor:

            def one(sql: str, *params: Any) -> Any:
                cursor.execute(sql, params)
                row = cursor.fetchone()
                if row is None:
                    raise CommandError(f"Run seed_demo first (nothing for {params}).")
                return row[0]

            ids: dict[str, Any] = {
                "dept": {code: one("SELECT id FROM complaints_department WHERE code=%s", code) for code in STORES},
                "priority": [
                    one("SELECT id FROM complaints_priority WHERE code=%s", code) for code in ("P0", "P1", "P2", "P3")
                ],
                "level": [one("SELECT id FROM complaints_escalationlevel WHERE rank=%s", rank) for rank in (1, 2, 3)],
                "agent": {},
            }
            cursor.execute("SELECT id FROM complaints_category WHERE active ORDER BY id")
            ids["categories"] = [row[0] for row in cursor.fetchall()]
            # The agent of each store (the receiver and first owner), the region lead, the quality engineer.
            for store in STORES:
                cursor.execute(
                    "SELECT m.user_id FROM complaints_membership m JOIN complaints_department d ON d.id=m.department_id"
                    " JOIN complaints_role r ON r.id=m.role_id WHERE d.code=%s AND r.code='agent' ORDER BY m.user_id"
                    " LIMIT 1",
                    [store],
                )
                row = cursor.fetchone()
                ids["agent"][store] = row[0] if row else None
            cursor.execute(
                "SELECT d.code, m.user_id FROM complaints_membership m JOIN complaints_department d"
                " ON d.id=m.department_id JOIN complaints_role r ON r.id=m.role_id"
                " WHERE r.code IN ('regional_lead','quality_engineer') ORDER BY m.user_id DESC"
            )
            ids["holder"] = dict(cursor.fetchall())
            fallback = next((u for u in ids["agent"].values() if u), None)
            for store in STORES:  # a store without an agent of its own: its region's agent registers
                ids["agent"][store] = ids["agent"][store] or fallback
            ids["process_base"] = one("SELECT COALESCE(MAX(id), 0) FROM viewflow_process") + 1
        return ids

    def _plan(self, n: int, m: int, days: int, ids: dict[str, Any]) -> None:
        """One row per new complaint with every choice made: the rest is joins on it."""
        c = self.cursor
        c.execute("SELECT setseed(0.17)")
        stores = list(STORES.items())
        store_of = _case("r_store", [(share, f"'{code}'") for code, (share, _region) in stores])
        region_of = "(CASE store " + " ".join(f"WHEN '{code}' THEN '{r}'" for code, (_s, r) in stores) + " END)"
        dept_of = "(CASE store " + " ".join(f"WHEN '{code}' THEN {ids['dept'][code]}" for code in STORES) + " END)"
        agent_of = "(CASE store " + " ".join(f"WHEN '{code}' THEN {ids['agent'][code]}" for code in STORES) + " END)"
        prio = ids["priority"]
        levels = ids["level"]
        cats = ids["categories"]
        stage_of = _case("r_stage", [(share, f"'{stage}'") for stage, share, _step in OPEN_STAGES])
        step_of = "(CASE stage " + " ".join(f"WHEN '{s}' THEN '{step}'" for s, _x, step in OPEN_STAGES) + " END)"
        c.execute("DROP TABLE IF EXISTS bench_plan")
        # Open complaints came in over the last 60 days; closed ones over `days` up to a week ago, so
        # complaints are still being closed until a day or so ago, among the open ones, as in a real
        # year (every step of a closed one, at most 6.2 days after it came in, is in the past). Until
        # the seventeenth session closed ones ended 60 days ago: nothing had closed for two months.
        c.execute(
            f"""
            CREATE TEMP TABLE bench_plan AS
            SELECT i, {ids["process_base"]} + i - 1 AS pid, i > {n - m} AS open,
                   random() AS r_store, random() AS r_stage, random() AS r_prio, random() AS r_level,
                   random() AS r_clock, random() AS r_owner, random() AS r_cat, random() AS r_t
            FROM generate_series(1, {n}) AS i
            """
        )
        c.execute(
            f"""
            CREATE TEMP TABLE bench_rows AS
            SELECT p.*,
                   {dept_of} AS dept_id, {agent_of} AS agent_id, {region_of} AS region,
                   CASE WHEN r_prio < 0.02 THEN {prio[0]} WHEN r_prio < 0.20 THEN {prio[1]}
                        WHEN r_prio < 0.70 THEN {prio[2]} ELSE {prio[3]} END AS priority_id,
                   CASE WHEN r_prio < 0.02 THEN 3 WHEN r_level < 0.15 THEN 2 ELSE 1 END AS level_rank,
                   (ARRAY{cats})[1 + floor(r_cat * {len(cats)})::int] AS category_id,
                   CASE WHEN open THEN now() - (r_t * interval '60 days')
                        ELSE now() - interval '7 days' - (r_t * interval '{days} days') END AS created,
                   CASE WHEN open THEN {stage_of} ELSE 'closed' END AS stage
            FROM (SELECT *, {store_of} AS store FROM bench_plan) p
            """
        )
        c.execute(
            f"""
            ALTER TABLE bench_rows ADD COLUMN level_id bigint, ADD COLUMN step text, ADD COLUMN queue text,
                ADD COLUMN task_owner int, ADD COLUMN resolution_due timestamptz, ADD COLUMN paused bool,
                ADD COLUMN closed timestamptz;
            UPDATE bench_rows SET
                level_id = CASE level_rank WHEN 1 THEN {levels[0]} WHEN 2 THEN {levels[1]} ELSE {levels[2]} END,
                step = CASE WHEN open THEN {step_of} END,
                paused = open AND stage = 'customer_confirmation' AND r_clock < 0.3,
                -- Closed after 1 hour to 6 days, log-uniform (median ~12 h; ~14 %% past the 3-day resolution
                -- limit): a spread like real cases, so the resolution-time percentiles have something to sort.
                closed = CASE WHEN NOT open THEN created + interval '1 hour' * exp(random() * 5) END;
            UPDATE bench_rows SET queue = CASE
                    WHEN step IN ({", ".join(f"'{s}'" for s in QUALITY_STEPS)}) THEN 'quality__quality_engineer'
                    WHEN level_rank = 2 THEN region || '__regional_lead'
                    ELSE store || '__agent' END
                WHERE open;
            """
        )
        holders = ids["holder"]
        quality = holders.get("quality")
        region_case = " ".join(
            f"WHEN '{code}__regional_lead' THEN {uid}" for code, uid in holders.items() if code != "quality"
        )
        c.execute(
            f"""
            UPDATE bench_rows SET task_owner = CASE
                    WHEN queue = 'quality__quality_engineer' THEN {quality or "NULL"}
                    {"WHEN queue LIKE '%%regional_lead' THEN CASE queue " + region_case + " END" if region_case else ""}
                    ELSE agent_id END
                WHERE open AND r_owner < 0.6 AND store IN ('store-pudong', 'store-tianhe');
            -- Resolution clocks: about 8%% breached, 10%% past the warning time, the rest running.
            UPDATE bench_rows SET resolution_due = CASE
                    WHEN NOT open THEN created + interval '3 days'
                    WHEN r_clock < 0.08 THEN now() - r_clock * interval '100 hours'
                    WHEN r_clock < 0.18 THEN now() + (r_clock - 0.08) * interval '40 hours'
                    ELSE now() + interval '5 hours' + r_clock * interval '20 days' END;
            CREATE INDEX ON bench_rows (pid);
            """
        )

    # Rows ------------------------------------------------------------------------------------

    def _processes(self, ids: dict[str, Any]) -> None:
        self.cursor.execute(
            f"""
            INSERT INTO viewflow_process (id, flow_class, status, created, finished, data)
            SELECT pid, '{FLOW}', CASE WHEN open THEN 'NEW' ELSE 'DONE' END, created,
                   closed, '{{}}'::jsonb
            FROM bench_rows ORDER BY pid;
            SELECT setval(pg_get_serial_sequence('viewflow_process', 'id'), (SELECT MAX(id) FROM viewflow_process));
            """
        )

    def _complaints(self, ids: dict[str, Any]) -> None:
        # Names as a year's customers have them: 40 surnames, a given name of two characters (36,000
        # names, about 25 complaints each at 1,000,000) or, for one complaint in eight, of one (1,200
        # names, about 100 each: the commonest names of a real year). A pool of 225 names gave one
        # name to 9,524 complaints, which no search of a real year meets.
        surnames = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡")
        first = list("伟芳娜敏静磊洋勇军杰涛明超丽强艳华平刚桂玉兰英霞辉鹏飞婷斌宇")
        second = list("华英兰平明玲军杰峰涛林红霞强龙文斌波辉鑫宁燕瑶琳浩凯博欣怡然")
        span = len(surnames) * len(first)
        name_sql = (
            f"(ARRAY{surnames})[1 + i % {len(surnames)}] || (ARRAY{first})[1 + (i / {len(surnames)}) % {len(first)}]"
            # one in eight by the top three bits of a 32-bit multiplicative hash of the row's number
            f" || CASE WHEN ((i::bigint * 2654435761) % 4294967296) / 536870912 = 0 THEN ''"
            f" ELSE (ARRAY{second})[1 + (i / {span}) % {len(second)}] END"
        )
        plates = ["沪A", "沪B", "浙A", "粤A", "粤B"]
        words = [
            "The delivery arrived damaged and nobody called back.",
            "空调安装后一直漏水，师傅说下周再来。",
            "Charged twice for the same order.",
            "车辆保养后发动机故障灯亮。",
            "The roadside assistance came four hours late.",
        ]
        self.cursor.execute(
            f"""
            INSERT INTO complaints_complaint (
                process_ptr_id, reference, customer_name, customer_phone, customer_email, legal_hold,
                contact_person, customer_language,
                product_model,
                batch_number, order_number, plate_or_vin, occurred_place, customer_words, handler_understanding,
                risk_flagged, demand, demand_detail, emotion, channel, received_at, promised_response_at, stage,
                outcome, outcome_note, level_entered_at, first_response_due, response_due, resolution_due,
                rework_round, closed_at, satisfaction, satisfaction_comment, category_id, owner_id, receiver_id,
                department_id, level_id, priority_id, manager_requested, signals, start_level_id, waiting_reason,
                waiting_since, emotion_phrases, work_open)
            SELECT pid, reference,
                {name_sql},
                '+86138' || lpad(((i::bigint * 7919) % 100000000)::text, 8, '0'), '', false, '',
                '{settings.LANGUAGE_CODE}',
                'M-' || (i % 40), '',
                'SO' || lpad(((i::bigint * 104729) % 10000000000)::text, 10, '0'),
                (ARRAY{plates})[1 + i % {len(plates)}] || upper(substr(md5(i::text), 1, 5)), '',
                (ARRAY{words})[1 + i % {len(words)}], '', r_prio < 0.02,
                (ARRAY['replacement','refund','repair','apology','compensation'])[1 + i % 5], '',
                (ARRAY['calm','agitated','angry'])[1 + i % 3], (ARRAY['phone','store','web','app'])[1 + i % 4],
                created, created + interval '3 hours', stage,
                CASE WHEN open THEN 'open' ELSE 'resolved' END, '', created,
                created + interval '4 hours', created + interval '1 day', resolution_due,
                0, closed,
                CASE WHEN open THEN NULL ELSE 1 + i % 5 END, '', category_id, agent_id, agent_id,
                dept_id, level_id, priority_id, false, '[]'::jsonb,
                CASE WHEN level_rank = 3 THEN level_id ELSE {ids["level"][0]} END, '',
                CASE WHEN paused THEN now() - interval '1 day' END, '[]'::jsonb, open
            FROM bench_rows
            """
        )

    def _tasks(self, ids: dict[str, Any]) -> None:
        """Closed: start, triage, first response, verification, confirmation, close, all done. Open:
        start, triage, the steps before the stage done, and the step waiting (queued or claimed)."""
        c = self.cursor
        done_steps = [
            ("start", "HUMAN_START", "NULL", "0 hours", "TRUE"),
            ("triage", "FUNCTION", "NULL", "1 minute", "TRUE"),
            ("first_response", "HUMAN", "store || '__agent'", "2 hours", "NOT open OR stage <> 'first_response'"),
            (
                "verification",
                "HUMAN",
                "'quality__quality_engineer'",
                "6 hours",
                "NOT open OR stage NOT IN ('first_response', 'verification')",
            ),
            (
                "containment",
                "HUMAN",
                "store || '__agent'",
                "10 hours",
                "open AND stage <> 'first_response' AND stage <> 'verification'",
            ),
            ("customer_confirmation", "HUMAN", "store || '__agent'", "40 hours", "NOT open"),
            ("close", "FUNCTION", "NULL", "47 hours", "NOT open"),
        ]
        quality = ids["holder"].get("quality") or "NULL"
        for name, kind, queue, after, when in done_steps:
            owner = "agent_id" if kind == "HUMAN_START" else "NULL"
            if kind == "HUMAN":
                owner = f"CASE WHEN {queue} = 'quality__quality_engineer' THEN {quality} ELSE agent_id END"
            c.execute(
                f"""
                INSERT INTO viewflow_task (flow_task, flow_task_type, status, created, started, finished, token,
                    owner_permission, owner_id, process_id, assigned, data)
                SELECT '{FLOW}.{name}', '{kind}', 'DONE', created + interval '{after}',
                    created + interval '{after}', created + interval '{after}' + interval '30 minutes', 'start',
                    {"'complaints.queue__' || " + queue if queue != "NULL" else "''"}, {owner}, pid,
                    {"created + interval '" + after + "'" if kind == "HUMAN" else "NULL"}, '{{}}'::jsonb
                FROM bench_rows WHERE {when}
                """
            )
        c.execute(
            """
            INSERT INTO viewflow_task (flow_task, flow_task_type, status, created, token, owner_permission, owner_id,
                process_id, assigned, data)
            SELECT 'flows/flows.ComplaintFlow.' || step, 'HUMAN', CASE WHEN task_owner IS NULL THEN 'NEW'
                ELSE 'ASSIGNED' END, created + interval '12 hours' * r_stage, 'start',
                'complaints.queue__' || queue, task_owner, pid,
                CASE WHEN task_owner IS NOT NULL THEN created + interval '13 hours' * r_stage END, '{}'::jsonb
            FROM bench_rows WHERE open
            """
        )

    def _clocks(self, ids: dict[str, Any]) -> None:
        """First response (stopped once answered), level response (open complaints) and resolution
        (running, paused while waiting for the customer, stopped when closed), warning at 80%."""
        self.cursor.execute(
            """
            INSERT INTO complaints_clock (complaint_id, kind, subject, level_id, state, started_at, due_at, warn_at,
                warned_at, breached_at, stopped_at, paused_at, remaining)
            SELECT pid, 'first_response', 0, level_id,
                CASE WHEN open AND stage = 'first_response' THEN 'running' ELSE 'stopped' END, created,
                CASE WHEN open AND stage = 'first_response' THEN resolution_due - interval '2 days'
                     ELSE created + interval '4 hours' END,
                CASE WHEN open AND stage = 'first_response' THEN resolution_due - interval '2 days' - interval '1 hour'
                     ELSE created + interval '3 hours' END,
                NULL, NULL, CASE WHEN open AND stage = 'first_response' THEN NULL ELSE created + interval '2 hours' END,
                NULL, NULL
            FROM bench_rows;
            INSERT INTO complaints_clock (complaint_id, kind, subject, level_id, state, started_at, due_at, warn_at,
                warned_at, breached_at, stopped_at, paused_at, remaining)
            SELECT pid, 'response', 0, level_id, CASE WHEN paused THEN 'paused' ELSE 'running' END, created,
                resolution_due + interval '1 day', resolution_due, NULL, NULL, NULL,
                CASE WHEN paused THEN now() - interval '1 day' END,
                CASE WHEN paused THEN r_clock * interval '4 days' END
            FROM bench_rows WHERE open;
            INSERT INTO complaints_clock (complaint_id, kind, subject, level_id, state, started_at, due_at, warn_at,
                warned_at, breached_at, stopped_at, paused_at, remaining)
            SELECT pid, 'resolution', 0, level_id,
                CASE WHEN NOT open THEN 'stopped' WHEN paused THEN 'paused' ELSE 'running' END, created,
                resolution_due, resolution_due - (resolution_due - created) * 0.2,
                CASE WHEN open AND resolution_due - (resolution_due - created) * 0.2 < now() THEN
                    resolution_due - (resolution_due - created) * 0.2 END,
                CASE WHEN open AND resolution_due < now() OR closed > resolution_due THEN resolution_due END,
                closed,
                CASE WHEN paused THEN now() - interval '1 day' END,
                CASE WHEN paused THEN r_clock * interval '3 days' END
            FROM bench_rows;
            """
        )

    def _events(self, ids: dict[str, Any]) -> None:
        self.cursor.execute(
            """
            INSERT INTO complaints_complaintevent (complaint_id, at, kind, actor_id, old, new, note)
            SELECT pid, created, 'registered', agent_id, '{}'::jsonb, '{}'::jsonb, '' FROM bench_rows;
            INSERT INTO complaints_complaintevent (complaint_id, at, kind, actor_id, old, new, note)
            SELECT pid, created + interval '1 minute', 'triaged', NULL, '{}'::jsonb,
                jsonb_build_object('level', level_rank), '' FROM bench_rows;
            INSERT INTO complaints_complaintevent (complaint_id, at, kind, actor_id, old, new, note)
            SELECT pid, created + interval '12 hours' * r_stage, 'stage_changed', agent_id,
                jsonb_build_object('stage', 'first_response'), jsonb_build_object('stage', stage), ''
            FROM bench_rows WHERE open AND stage <> 'first_response';
            INSERT INTO complaints_complaintevent (complaint_id, at, kind, actor_id, old, new, note)
            SELECT pid, closed, 'closed', agent_id, '{}'::jsonb, '{}'::jsonb, ''
            FROM bench_rows WHERE NOT open;
            """
        )

    def _counters(self, ids: dict[str, Any]) -> None:
        """References C-YYYY-NNNNNN in filing order per year, each year's block reserved from the
        same numbering registrations use (`reference_numbers`)."""
        self.cursor.execute("SELECT extract(year FROM created)::int, count(*) FROM bench_rows GROUP BY 1 ORDER BY 1")
        firsts = [
            (year, reference_numbers(prefix="C", year=year, count=added)) for year, added in self.cursor.fetchall()
        ]
        self.cursor.execute("CREATE TEMP TABLE bench_firsts (year int PRIMARY KEY, first bigint)")
        self.cursor.executemany("INSERT INTO bench_firsts (year, first) VALUES (%s, %s)", firsts)
        self.cursor.execute(
            """
            ALTER TABLE bench_rows ADD COLUMN reference text;
            UPDATE bench_rows b
            SET reference = 'C-' || n.year || '-' || lpad(n.number::text, greatest(6, length(n.number::text)), '0')
            FROM (SELECT r.pid, extract(year FROM r.created)::int AS year,
                         f.first - 1 + row_number() OVER (
                             PARTITION BY extract(year FROM r.created) ORDER BY r.created, r.pid) AS number
                  FROM bench_rows r JOIN bench_firsts f ON f.year = extract(year FROM r.created)::int) n
            WHERE b.pid = n.pid;
            DROP TABLE bench_firsts;
            """
        )

    # Custom steps and batches ----------------------------------------------------------------

    def _extras(self) -> None:
        """Custom-step runs and batch investigations for the complaints in `bench_extra` (pid). Their
        random choices are hashes of the complaint's id, not draws from the seeded sequence, so the
        rest of a generated year stays as it was and `--extras-only` adds the same to an older one."""
        for step in (self._step_runs, self._batches):
            t0 = time.monotonic()
            step()
            self.stdout.write(f"  {step.__name__.strip('_')}: {time.monotonic() - t0:.1f} s")
        # A complaint whose custom-step run waits has work open (services.open_work).
        self.cursor.execute(
            """
            UPDATE complaints_complaint c SET work_open = true FROM viewflow_process p
            WHERE NOT c.work_open AND p.finished IS NULL AND p.artifact_object_id = c.process_ptr_id
              AND p.artifact_content_type_id = (SELECT id FROM django_content_type
                                                WHERE app_label = 'complaints' AND model = 'complaint')
              AND c.process_ptr_id IN (SELECT pid FROM bench_extra)
            """
        )

    def _step_runs(self) -> None:
        """Every active custom step runs on every P0 complaint and on STEP_SHARE of the others that
        reached its point: done (1 h to 4 days after it started, log-uniform) or, on closed complaints,
        8 % refused and 4 % canceled; an open complaint standing at the point waits for its run, whose
        task waits in the step's queue. Each run is its own process with one task, as the flow makes."""
        c = self.cursor
        c.execute("SELECT id FROM django_content_type WHERE app_label = 'complaints' AND model = 'complaint'")
        complaint_type = c.fetchone()[0]
        c.execute(
            "SELECT s.id, s.point, COALESCE(d.code, ''), r.code FROM complaints_customstep s"
            " JOIN complaints_role r ON r.id = s.role_id LEFT JOIN complaints_department d ON d.id = s.department_id"
            " WHERE s.active ORDER BY s.id"
        )
        steps = c.fetchall()
        c.execute("DROP TABLE IF EXISTS bench_runs")
        c.execute(
            """
            CREATE TEMP TABLE bench_runs (pid bigint, case_id bigint, step_id bigint, point text, queue text,
                created timestamptz, done_at timestamptz, outcome text)
            """
        )
        for step_id, point, dept_code, role_code in steps:
            first = POINT_STAGE.get(point)
            reached = STAGE_ORDER[STAGE_ORDER.index(first) :] if first else ()
            waiting = f"c.stage = '{first}'" if first else "FALSE"
            queue = (
                f"'complaints.queue__{dept_code}__{role_code}'"
                if dept_code
                else f"'complaints.queue__' || d.code || '__{role_code}'"
            )
            u, v, w = (_uniform(f"c.process_ptr_id::text || ':step{step_id}{salt}'") for salt in ("", "t", "o"))
            c.execute(
                f"""
                INSERT INTO bench_runs (pid, case_id, step_id, point, queue, created, done_at, outcome)
                SELECT nextval(pg_get_serial_sequence('viewflow_process', 'id')), c.process_ptr_id, {step_id},
                    '{point}', {queue}, started,
                    CASE WHEN NOT ({waiting}) THEN LEAST(started + interval '1 hour' * exp(4.6 * {v}),
                                                         COALESCE(c.closed_at, now())) END,
                    CASE WHEN {waiting} THEN 'open'
                         WHEN c.closed_at IS NOT NULL AND {w} < 0.08 THEN 'refused'
                         WHEN c.closed_at IS NOT NULL AND {w} < 0.12 THEN 'canceled'
                         ELSE 'done' END
                FROM complaints_complaint c
                JOIN bench_extra e ON e.pid = c.process_ptr_id
                JOIN complaints_department d ON d.id = c.department_id
                JOIN complaints_priority p ON p.id = c.priority_id,
                LATERAL (SELECT c.received_at + (COALESCE(c.closed_at, now()) - c.received_at) * 0.4) AS t(started)
                WHERE (p.code = 'P0' OR {u} < {STEP_SHARE})
                  AND (c.closed_at IS NOT NULL OR c.stage IN ({", ".join(f"'{s}'" for s in reached) or "''"}))
                """
            )
        c.execute("UPDATE bench_runs SET done_at = NULL WHERE outcome = 'canceled'")  # never answered
        c.execute(
            f"""
            INSERT INTO viewflow_process (id, flow_class, status, created, finished, data, artifact_content_type_id,
                artifact_object_id)
            SELECT pid, '{STEP_FLOW}', CASE outcome WHEN 'open' THEN 'NEW' WHEN 'canceled' THEN 'CANCELED'
                ELSE 'DONE' END, created, COALESCE(done_at, CASE WHEN outcome = 'canceled' THEN created END),
                '{{}}'::jsonb, {complaint_type}, case_id
            FROM bench_runs ORDER BY pid;
            INSERT INTO complaints_customsteprun (process_ptr_id, point, batch, queue, outcome, note, done_at, case_id,
                step_id)
            SELECT pid, point, 1, queue, outcome, '', done_at, case_id, step_id FROM bench_runs;
            INSERT INTO viewflow_task (flow_task, flow_task_type, status, created, started, finished, token,
                owner_permission, process_id, data)
            SELECT '{STEP_FLOW}.do', 'HUMAN', CASE outcome WHEN 'open' THEN 'NEW' WHEN 'canceled' THEN 'CANCELED'
                ELSE 'DONE' END, created, CASE WHEN done_at IS NOT NULL THEN created END, done_at, 'start', queue,
                pid, '{{}}'::jsonb
            FROM bench_runs;
            """
        )
        c.execute("SELECT count(*), count(*) FILTER (WHERE outcome = 'open') FROM bench_runs")
        runs, waiting = c.fetchone()
        self.stdout.write(f"    {runs:,} custom-step runs ({waiting:,} waiting)")

    def _batches(self) -> None:
        """One store-day in BATCH_DAYS received complaints of a defective batch: BATCH_SIZE of that
        day's complaints at the store carry its batch number and are linked to its investigation
        (when there are at least three); an investigation whose newest complaint is from the last 60
        days is open, the older ones closed."""
        c = self.cursor
        store_day = "c.department_id::text || to_char(c.received_at, 'YYYYMMDD')"
        low, high = BATCH_SIZE
        c.execute("DROP TABLE IF EXISTS bench_batch")
        c.execute(
            f"""
            CREATE TEMP TABLE bench_batch AS
            SELECT complaint_id, received_at, batch_number FROM (
                SELECT c.process_ptr_id AS complaint_id, c.received_at, 'BN-' || {store_day} AS batch_number,
                       row_number() OVER (PARTITION BY {store_day} ORDER BY hashtext(c.process_ptr_id::text)) AS n,
                       {low} + (hashtext({store_day} || ':size') & 2147483647) % {high - low + 1} AS size
                FROM complaints_complaint c JOIN bench_extra e ON e.pid = c.process_ptr_id
                WHERE (hashtext({store_day} || ':batch') & 2147483647) % {BATCH_DAYS} = 0
            ) picked WHERE n <= size
            """
        )
        c.execute(
            """
            UPDATE complaints_complaint c SET batch_number = b.batch_number
            FROM bench_batch b WHERE b.complaint_id = c.process_ptr_id;
            INSERT INTO complaints_batchinvestigation (key, batch_number, product_model, status, opened_how,
                opened_at, closed_at, note)
            SELECT 'batch:' || batch_number, batch_number, '',
                   CASE WHEN max(received_at) > now() - interval '60 days' THEN 'open' ELSE 'closed' END,
                   'threshold', min(received_at) + interval '1 hour',
                   CASE WHEN max(received_at) <= now() - interval '60 days' THEN max(received_at) + interval '20 days'
                   END, ''
            FROM bench_batch GROUP BY batch_number HAVING count(*) >= 3
            ON CONFLICT DO NOTHING;
            INSERT INTO complaints_batchinvestigation_complaints (batchinvestigation_id, complaint_id)
            SELECT i.id, b.complaint_id FROM bench_batch b
            JOIN complaints_batchinvestigation i ON i.batch_number = b.batch_number
            ON CONFLICT DO NOTHING;
            """
        )
        c.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'open') FROM complaints_batchinvestigation"
            " WHERE batch_number LIKE 'BN-%%'"
        )
        made, still_open = c.fetchone()
        self.stdout.write(f"    {made:,} batch investigations ({still_open:,} open)")


def _uniform(text_sql: str) -> str:
    """A number in [0, 1) drawn from a hash of the given SQL text expression (deterministic)."""
    return f"((hashtext({text_sql}) & 2147483647) / 2147483648.0)"
