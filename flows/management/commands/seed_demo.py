"""Demo data: an organisation, one user per role, and complaints at different stages.

Idempotent: a second run finds what exists and creates nothing twice. Development only: the
accounts share a printed password.
"""

import io
import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image

from complaints.choices import (
    ActionArea,
    ActionKind,
    ActionStatus,
    BatchStatus,
    CauseVerdict,
    EscalationReason,
    FieldKind,
    OutreachState,
    StepBack,
    StepPoint,
)
from complaints.models import (
    BatchInvestigation,
    Category,
    CauseCategory,
    Complaint,
    CustomStep,
    CustomStepLimit,
    Delivery,
    Department,
    FormField,
    Membership,
    PortalSettings,
    Priority,
    Role,
    RoutingRule,
)
from complaints.services import quality
from complaints.services.batch import deliveries_import, outreach_move
from complaints.services.collaboration import collaboration_request
from complaints.services.config_io import config_import, preset_document
from complaints.services.escalation import complaint_escalate
from complaints.services.intake_forms import form_draft, form_publish
from flows import driver
from flows.flows import ComplaintFlow

DEMO_PASSWORD = "redress-demo"

DEPARTMENTS = [
    # code, Chinese name, English name, kind, parent
    ("hq", "总部", "Headquarters", "hq", None),
    ("region-east", "华东区域", "East region", "region", "hq"),
    ("region-south", "华南区域", "South region", "region", "hq"),
    ("store-pudong", "上海浦东店", "Shanghai Pudong store", "store", "region-east"),
    ("store-hangzhou", "杭州西湖店", "Hangzhou West Lake store", "store", "region-east"),
    ("store-tianhe", "广州天河店", "Guangzhou Tianhe store", "store", "region-south"),
    ("store-nanshan", "深圳南山店", "Shenzhen Nanshan store", "store", "region-south"),
    ("quality", "质量部", "Quality", "functional", "hq"),
    ("technical", "技术部", "Technical", "functional", "hq"),
    ("pr", "公关部", "Public relations", "functional", "hq"),
    ("legal", "法务部", "Legal", "functional", "hq"),
    # The independent office customers appeal to, outside the escalation ladder (DOMAIN.md).
    ("cx-office", "客户体验办公室", "Customer experience office", "functional", "hq"),
]
USERS = [
    # username, full name (given, family), department, role
    ("agent", ("芳", "王"), "store-pudong", "agent"),
    ("agent_south", ("娜", "李"), "store-tianhe", "agent"),
    ("store_manager", ("强", "张"), "store-pudong", "store_manager"),
    ("regional_lead", ("伟", "刘"), "region-east", "regional_lead"),
    ("customer_relations", ("静", "陈"), "hq", "customer_relations"),
    ("executive", ("磊", "杨"), "hq", "executive"),
    ("quality", ("敏", "赵"), "quality", "quality_engineer"),
    ("tech_contact", ("军", "黄"), "technical", "department_contact"),
    ("pr_contact", ("丽", "周"), "pr", "department_contact"),
    ("legal_contact", ("洋", "吴"), "legal", "department_contact"),
    ("tech_director", ("建国", "孙"), "technical", "department_contact"),
    ("parts_contact", ("鹏", "郑"), "parts", "department_contact"),
    ("regional_lead_south", ("涛", "何"), "region-south", "regional_lead"),
    ("quality", ("敏", "赵"), "quality", "department_contact"),  # answers other departments' questions too
    ("store_manager_hangzhou", ("平", "钱"), "store-hangzhou", "store_manager"),
    ("store_manager_tianhe", ("红", "冯"), "store-tianhe", "store_manager"),
    ("store_manager_nanshan", ("斌", "曹"), "store-nanshan", "store_manager"),
    ("cx_officer", ("悦", "许"), "cx-office", "customer_relations"),  # decides appeals, handles no case
    ("cx_officer", ("悦", "许"), "cx-office", "department_contact"),  # answers questions asked of the office
]
# Who the four-tier ladder needs on top: specialists at each region (level 2) and customer
# relations in its own department (level 3).
PRESET_USERS = {
    "four_tier": [
        ("specialist", ("明", "徐"), "region-east", "specialist"),
        ("specialist_south", ("慧", "林"), "region-south", "specialist"),
        ("customer_relations", ("静", "陈"), "customer-relations", "customer_relations"),
        ("customer_relations", ("静", "陈"), "customer-relations", "department_contact"),
    ],
}
# Every department has a head: the P0 alert reaches the technical director, a collaboration
# request's "department head" step reaches someone.
HEADS = [
    ("store-pudong", "store_manager"),
    ("store-hangzhou", "store_manager_hangzhou"),
    ("store-tianhe", "store_manager_tianhe"),
    ("store-nanshan", "store_manager_nanshan"),
    ("region-east", "regional_lead"),
    ("region-south", "regional_lead_south"),
    ("quality", "quality"),
    ("technical", "tech_director"),
    ("pr", "pr_contact"),
    ("legal", "legal_contact"),
    ("parts", "parts_contact"),
    ("hq", "executive"),
    ("cx-office", "cx_officer"),
    ("customer-relations", "customer_relations"),
]
# The demo complaints use the preset's categories and their intake forms.
DEMO_CATEGORIES = ("power-battery", "roadside", "broadband", "online-order", "product-quality")
DEMO_PRESET = "three_tier"
PRESETS = ("three_tier", "four_tier")


class Command(BaseCommand):
    help = "Load demo departments, users and complaints (idempotent; development only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")
        parser.add_argument(
            "--preset",
            choices=PRESETS,
            default=DEMO_PRESET,
            help="The configuration a fresh database starts from (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo creates accounts with a known password; refusing with DEBUG off.")
        preset = options.get("preset") or DEMO_PRESET
        if not RoutingRule.objects.exists():
            # A fresh database: the demo runs on the chosen preset (three tiers: store → region → HQ).
            config_import(document=preset_document(preset))
            self.stdout.write(f"Configuration: imported the {preset} preset.")
        with transaction.atomic():
            departments = self.departments()
            users = self.users(departments, extra=PRESET_USERS.get(preset, []))
            categories = self.categories()
            self.portal(departments)
            self.privacy()
        created = self.complaints(users, departments, categories)
        self.batch(users)
        self.custom_steps(departments)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new complaints)."))
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        self.stdout.write("  admin                   superuser: the Django admin and every page")
        self.stdout.write("  privacy_officer         data protection: access log and a person's request (admin)")
        for username, _name, department, role in [*USERS, *PRESET_USERS.get(preset, [])]:
            self.stdout.write(f"  {username:<24}{role} @ {departments[department].name}")

    def portal(self, departments: dict[str, Department]) -> None:
        """The customer's public form (/customer/new/) files into the Pudong store, and appeals go to
        the customer-experience office (its customer-relations officer decides them within 72 h, up to
        30 days after closing). The admin owns these values (Customer portal settings): a re-run
        creates the row once and opens appeals only where the admin has set none of their values."""
        portal = PortalSettings.objects.first()
        if portal is None:
            portal = PortalSettings.objects.create(
                receiving_department=departments["store-pudong"],
                filings_per_address=10,
                filings_per_phone=3,
                filing_window_minutes=60,
                link_valid_days=90,
            )
        appeal = [portal.appeal_department_id, portal.appeal_role_id, portal.appeal_window_days]
        if all(value is None for value in [*appeal, portal.appeal_decision_hours]):
            portal.appeal_department = departments["cx-office"]
            portal.appeal_role = Role.objects.get(code="customer_relations")
            portal.appeal_window_days = 30
            portal.appeal_decision_hours = 72
            portal.appeal_warning_percent = 75
            portal.full_clean()
            portal.save()

    def custom_steps(self, departments: dict[str, Department]) -> None:
        """An admin-defined step, added after the demo's complaints (they keep their history): a P0
        complaint gets a legal review by the legal department before its permanent actions, a gate
        that can send it back to containment, due within 8 hours, with one question."""
        if CustomStep.objects.filter(code="legal-review").exists():
            return
        with transaction.atomic():
            step = CustomStep.objects.create(
                code="legal-review",
                name_zh_hans="法务审核",
                name_en="Legal review",
                point=StepPoint.BEFORE_PERMANENT_ACTIONS,
                role=Role.objects.get(code="department_contact"),
                department=departments["legal"],
                gate=True,
                refused_back_to=StepBack.CONTAINMENT,
            )
            step.conditions.create(field="priority", operator="eq", value="P0")
            p0 = Priority.objects.filter(code="P0").first()
            if p0 is not None:
                CustomStepLimit.objects.create(step=step, priority=p0, amount=8, unit="hours")
            draft = form_draft(step=step)
            FormField.objects.create(
                version=draft,
                key="legal_exposure",
                kind=FieldKind.YES_NO,
                label_zh_hans="是否存在法律风险？",
                label_en="Any legal exposure?",
                required=True,
            )
            form_publish(version=draft)
        self.stdout.write("Custom step: legal review for P0 complaints before permanent actions.")

    def privacy(self) -> None:
        """The demo's privacy policy: quality engineers and customer relations may reveal contact
        details for 30 minutes with a reason; personal data is kept a year after closing. A data
        protection officer (staff, no case scope) reads the access log and answers requests."""
        from django.contrib.auth.models import Group, Permission

        from complaints.models import PrivacyPolicy

        if not PrivacyPolicy.objects.exists():
            policy = PrivacyPolicy.objects.create(reveal_minutes=30, retention_days=365)
            policy.reveal_roles.set(Role.objects.filter(code__in=["quality_engineer", "customer_relations"]))
        group, _created = Group.objects.get_or_create(name="数据保护 Data protection")
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="complaints",
                codename__in=["view_accesslog", "answer_privacy_request", "export_personal_data"],
            )
        )
        officer, created = get_user_model().objects.get_or_create(
            username="privacy_officer",
            defaults={"first_name": "敏", "last_name": "安", "is_staff": True, "email": "privacy_officer@example.com"},
        )
        if created:
            officer.set_password(DEMO_PASSWORD)
            officer.save()
        officer.groups.add(group)

    def departments(self) -> dict[str, Department]:
        result: dict[str, Department] = {}
        for code, name_zh_hans, name_en, kind, parent in DEPARTMENTS:
            result[code], _ = Department.objects.get_or_create(
                code=code,
                defaults={
                    "name_zh_hans": name_zh_hans,
                    "name_en": name_en,
                    "kind": kind,
                    "parent": result.get(parent or ""),
                },
            )
        return result

    def users(self, departments: dict[str, Department], extra: list[Any] | None = None) -> dict[str, Any]:
        User = get_user_model()
        result = {}
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"}
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        result["admin"] = admin
        for username, (first, last), department, role in [*USERS, *(extra or [])]:
            if department not in departments:
                departments[department] = Department.objects.get(code=department)
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            Membership.objects.get_or_create(
                user=user, department=departments[department], role=Role.objects.get(code=role)
            )
            result[username] = user
        for code, username in HEADS:
            Department.objects.filter(code=code, head__isnull=True).update(head=result.get(username))
        return result

    def categories(self) -> dict[str, Category]:
        return {c.code: c for c in Category.objects.filter(code__in=DEMO_CATEGORIES)}

    def complaints(
        self, users: dict[str, Any], departments: dict[str, Department], categories: dict[str, Category]
    ) -> int:
        now = timezone.localtime()
        fmt = "%Y-%m-%d %H:%M"
        later = (now + timedelta(hours=4)).strftime(fmt)
        created = 0
        flow = ComplaintFlow

        def intake(
            order: str, user: str, dept: str, files: dict[str, Any] | None = None, **fields: Any
        ) -> Complaint | None:
            if Complaint.objects.filter(order_number=order).exists():
                return None
            data = {
                "order_number": order,
                "department": str(departments[dept].pk),
                "channel": "phone",
                "demand": "repair",
                "emotion": "agitated",
                "promised_response_at": later,
                **fields,
            }
            return driver.start_complaint(user=users[user], data=data, files=files)

        def first_response(c: Complaint, user: str) -> None:
            driver.complete_step(
                complaint=c,
                node=flow.first_response,
                user=users[user],
                data={
                    "channel": "phone",
                    "summary": "已致电客户，道歉并说明处理流程。Called the customer, apologised, explained next steps.",
                    "promise": "今日18:00前回复初步结论 Preliminary findings by 18:00 today",
                    "promised_by": later,
                },
            )

        def verify(c: Complaint) -> None:
            driver.complete_step(
                complaint=c,
                node=flow.verification,
                user=users["quality"],
                data={
                    "outcome": "valid",
                    "explanation": "已核对记录，投诉属实。Records checked; the complaint is valid.",
                },
            )

        def contain_and_analyse(
            c: Complaint, action: str, problem: dict[str, str], causes: list[Any], summary: str
        ) -> None:
            """Containment, then the analysis on the complaint page (5W2H, fishbone, responsibility)
            and the root-cause step."""
            driver.complete_step(
                complaint=c, node=flow.containment, user=users["agent"], data={"description": action, "cost": "0"}
            )
            analyse(c, problem, causes)
            quality.responsibility_set(
                complaint=c, actor=users["quality"], shares=[(departments["quality"], "", Decimal(100))]
            )
            driver.complete_step(
                complaint=c, node=flow.root_cause, user=users["quality"], data={"description": summary}
            )

        def analyse(c: Complaint, problem: dict[str, str], causes: list[Any]) -> list[Any]:
            quality.problem_describe(complaint=c, actor=users["quality"], answers=problem)
            return [
                quality.cause_record(
                    complaint=c,
                    actor=users["quality"],
                    category=CauseCategory.objects.get(code=category),
                    text=text,
                    evidence=evidence,
                    verdict=verdict,
                    whys=whys,
                )
                for category, text, verdict, evidence, whys in causes
            ]

        def permanent(c: Complaint, actions: list[tuple[str, str]], rework: str = "") -> None:
            """Permanent actions for the confirmed causes, done and verified; with `rework`, the
            first is judged not effective once and reworked."""
            confirmed = list(c.root_cause.causes.filter(verdict=CauseVerdict.CONFIRMED))
            due = (now + timedelta(days=14)).date()
            planned = [
                quality.action_plan(
                    complaint=c,
                    actor=users["quality"],
                    kind=ActionKind.PERMANENT,
                    area=area,
                    description=description,
                    causes=confirmed,
                    department=departments["quality"],
                    owner=users["quality"],
                    due_date=due,
                    cost=Decimal(2000),
                )
                for description, area in actions
            ]
            for action in planned:
                quality.action_move(
                    action=action, actor=users["quality"], status=ActionStatus.DONE, evidence="已实施。Implemented."
                )
            driver.complete_step(complaint=c, node=flow.permanent_actions, user=users["quality"], data={})
            if rework:
                quality.action_verify(
                    action=planned[0], actor=users["quality"], effective=False, evidence=rework, reason=rework
                )
                for action in planned[1:]:
                    quality.action_verify(action=action, actor=users["quality"], effective=True, evidence="复查通过。")
                driver.complete_step(complaint=c, node=flow.effectiveness, user=users["quality"], data={})
                quality.action_move(
                    action=planned[0], actor=users["quality"], status=ActionStatus.DONE, evidence="已返工。Reworked."
                )
                driver.complete_step(complaint=c, node=flow.permanent_actions, user=users["quality"], data={})
                planned = planned[:1]
            for action in planned:
                quality.action_verify(
                    action=action,
                    actor=users["quality"],
                    effective=True,
                    evidence="抽检30件无复发。30 samples re-inspected, no recurrence.",
                )
            driver.complete_step(complaint=c, node=flow.effectiveness, user=users["quality"], data={})

        # 1. The car that lost power on a highway: P0 safety, containment and analysis under way.
        c = intake(
            "DEMO-0001",
            "agent",
            "store-pudong",
            customer_name="陈先生",
            customer_phone="13800138001",
            category=str(categories["power-battery"].pk),
            product_model="EV-S7",
            answer_mileage_km="23150",
            answer_service_type="roadside",
            answer_rescue_order_no="R2026112201",
            answer_rescue_location="G60沪昆高速 松江段 K32 往杭州方向",
            answer_fault_type="power_loss",
            answer_on_highway="yes",
            answer_speed_kmh="100",
            answer_battery_soc="64",
            answer_fault_code="P0A80",
            batch_number="BMS-2026-07B",
            plate_or_vin="沪A·D12345",
            occurred_place="G60沪昆高速 松江段",
            customer_words="车辆在高速上突然断电，差点追尾，家人都吓坏了！我要求彻底检查并给个说法。",
            handler_understanding="Total power loss at ~100 km/h on the G60; suspected BMS fault. Safety risk.",
            risk_flagged="on",
            emotion="extremely_angry",
            demand="replacement",
        )
        if c:
            created += 1
            first_response(c, "agent")
            verify(c)
            driver.complete_step(
                complaint=c,
                node=flow.containment,
                user=users["agent"],
                data={
                    "description": "提供代步车，车辆拖回检测。Loaner car provided; vehicle towed in for diagnosis.",
                    "cost": "800",
                },
            )
            causes = analyse(
                c,
                {
                    "what": "高速行驶中整车突然断电。Total power loss at ~100 km/h on the G60.",
                    "why": "高速断电可能导致追尾，属安全风险。Power loss at speed risks a rear-end collision.",
                    "who": "车主陈先生驾驶时发生；救援人员确认。Owner driving; confirmed by the rescue crew.",
                    "where": "G60沪昆高速 松江段 K32。G60, Songjiang section, K32.",
                    "when": "交车后第4个月，里程23150 km。Month 4 after delivery, 23,150 km.",
                    "how": "仪表报 P0A80 后动力中断。P0A80 on the dashboard, then power cut.",
                    "how_much": "1辆；同批次共200辆待排查。1 car; 200 cars of batch BMS-2026-07B to check.",
                },
                [
                    (
                        "machine",
                        "BMS 固件在低温下误报绝缘故障并切断高压。BMS firmware trips HV on a false insulation fault.",
                        CauseVerdict.OPEN,
                        "远程日志待读取。Remote logs requested.",
                        [],
                    ),
                    (
                        "material",
                        "电芯模组连接片虚焊。Cold solder joint on a module busbar.",
                        CauseVerdict.OPEN,
                        "",
                        [],
                    ),
                    (
                        "man",
                        "驾驶员操作不当。Driver error.",
                        CauseVerdict.RULED_OUT,
                        "行车记录显示操作正常。Drive recorder shows normal driving.",
                        [],
                    ),
                ],
            )
            quality.action_plan(
                complaint=c,
                actor=users["quality"],
                kind=ActionKind.PERMANENT,
                area=ActionArea.DESIGN,
                description="BMS 固件绝缘检测阈值评审并OTA修复。Review the BMS insulation threshold; fix over the air.",
                causes=causes[:1],
                department=departments["technical"],
                due_date=(now + timedelta(days=10)).date(),
            )
            collaboration_request(
                complaint=c,
                actor=users["agent"],
                department=departments["technical"],
                question="同批次 BMS-2026-07B 是否有已知断电故障？需要远程读取日志。"
                "Is a power-loss fault known for batch BMS-2026-07B? Please pull the remote logs.",
            )

        # 2. The late roadside rescue: just registered, first response in the agent's inbox.
        c = intake(
            "DEMO-0002",
            "agent",
            "store-pudong",
            customer_name="刘女士",
            customer_phone="13900139002",
            category=str(categories["roadside"].pk),
            plate_or_vin="沪B·67890",
            occurred_place="S20外环 近莘庄立交",
            answer_assistance_type="towing",
            answer_dispatch_order_no="R2026112017",
            answer_promised_arrival_min="40",
            answer_waited_min="150",
            answer_tow_destination="莘庄 4S 店 Xinzhuang dealer",
            answer_vehicle_damaged="no",
            customer_words="救援承诺40分钟到，结果等了两个半小时，晚上一个人在路边很危险。",
            demand="compensation",
            requested_amount="500",
            emotion="angry",
        )
        if c:
            created += 1
            # The customer asked for someone above the store: escalated to the region with its package.
            complaint_escalate(
                complaint=c,
                actor=users["agent"],
                reason=EscalationReason.CUSTOMER_ASKED,
                note="客户要求区域负责人回电。The customer wants the regional lead to call back.",
                suggested_direction="致歉并补偿救援延误；核查调度记录。"
                "Apologise, compensate the delay, check dispatch logs.",
                urgency="2h",
            )

        # 3. The elderly customer's broadband outage (south region): waiting for verification.
        c = intake(
            "DEMO-0003",
            "agent_south",
            "store-tianhe",
            customer_name="黄阿姨",
            contact_person="黄先生（儿子）",
            customer_phone="02088880003",
            category=str(categories["broadband"].pk),
            answer_account_no="020888800031",
            answer_install_address="广州市天河区体育西路 1 号 3 栋 1201",
            answer_line_fault="no_connection",
            answer_outage_since=(now - timedelta(days=5)).strftime(fmt),
            customer_words="家里宽带断了五天，老人一个人在家用不了视频看病，报修三次都没人来。",
            demand="repair",
            emotion="angry",
        )
        if c:
            created += 1
            first_response(c, "agent_south")

        # 4. The scratched fridge: closed, the follow-up waits for its due time.
        c = intake(
            "DEMO-0004",
            "agent",
            "store-pudong",
            customer_name="周先生",
            customer_phone="13700137004",
            category=str(categories["online-order"].pk),
            product_model="BCD-520W",
            answer_platform="app",
            answer_order_problem="damaged",
            answer_tracking_no="SF1234567890",
            files={"answer_unboxing_photos": demo_photo("unboxing.png")},
            customer_words="新冰箱送货时门上划了一道很长的痕，送货员还不承认。",
            demand="replacement",
            emotion="agitated",
        )
        if c:
            created += 1
            first_response(c, "agent")
            verify(c)
            contain_and_analyse(
                c,
                "上门更换门体。Door panel replaced at the customer's home.",
                {
                    "what": "冰箱门送达时有20厘米划痕。Fridge door scratched (20 cm) on delivery.",
                    "why": "新品外观受损，客户要求换货。A new product arrived damaged.",
                    "who": "配送B组；客户开箱发现。Delivery crew B; found by the customer.",
                    "where": "客户家中，上海浦东。Customer's home, Pudong.",
                    "when": "送货当天。On the delivery day.",
                    "how": "开箱验货时发现。Seen when unboxing.",
                    "how_much": "1台；本月同类3起。1 unit; 3 similar cases this month.",
                },
                [
                    (
                        "method",
                        "搬运时未使用护角。No corner guards used while carrying.",
                        CauseVerdict.CONFIRMED,
                        "配送记录与照片。Delivery records and photos.",
                        ["门碰到门框", "搬运未包护角", "作业指导书未要求"],
                    ),
                ],
                "配送作业未要求护角，搬运时门体碰撞门框。Delivery SOP did not require corner guards.",
            )
            permanent(
                c,
                [
                    (
                        "配送作业指导书增加护角要求并培训。Delivery SOP now requires corner guards; crews trained.",
                        "process",
                    )
                ],
            )
            driver.complete_step(
                complaint=c,
                node=flow.customer_confirmation,
                user=users["agent"],
                data={"outcome": "confirmed", "channel": "phone", "note": "客户确认满意。Customer confirms."},
            )

        # 5. The leaking milk-powder can: actions verified, waiting for the customer's confirmation.
        c = intake(
            "DEMO-0005",
            "agent",
            "store-pudong",
            customer_name="孙女士",
            customer_phone="13600136005",
            category=str(categories["product-quality"].pk),
            product_model="婴儿配方奶粉 900g",
            batch_number="MP20260918",
            purchase_date=(now - timedelta(days=9)).strftime("%Y-%m-%d"),
            answer_quantity_delivered="2",
            answer_quantity_defective="1",
            answer_defect_type=["packaging"],
            files={"answer_defect_photos": demo_photo("can-bottom.png")},
            customer_words="奶粉罐底部漏粉，宝宝已经喝了几天，很担心质量问题。",
            demand="refund",
            emotion="agitated",
        )
        if c:
            created += 1
            first_response(c, "agent")
            verify(c)
            contain_and_analyse(
                c,
                "全额退款并赠送新罐。Full refund and a replacement can.",
                {
                    "what": "奶粉罐底部漏粉。Milk powder leaks from the bottom seam of the can.",
                    "why": "密封失效可能导致受潮污染。A failed seal risks moisture and contamination.",
                    "who": "客户孙女士发现；批次 MP20260918。Found by the customer; batch MP20260918.",
                    "where": "二号灌装线封罐工位。Line 2 seaming station.",
                    "when": "2026-09-18 夜班生产。Night shift, 2026-09-18.",
                    "how": "客户开罐后发现罐底粉末。Powder under the can when opened.",
                    "how_much": "交付2罐，1罐不良；同批次12000罐待抽检。1 of 2 cans; 12,000 cans in the batch.",
                },
                [
                    (
                        "machine",
                        "封罐机压力偏低导致密封不良。Seaming pressure too low.",
                        CauseVerdict.CONFIRMED,
                        "压力记录显示夜班低于下限8%。Pressure log 8 % under the limit on the night shift.",
                        ["罐底卷边不足", "封罐压力偏低", "压力传感器漂移未校准"],
                    ),
                    (
                        "measurement",
                        "在线检测未覆盖罐底密封。No inline leak test for the bottom seam.",
                        CauseVerdict.CONFIRMED,
                        "检测规程只抽检罐盖。The test plan only samples lids.",
                        [],
                    ),
                    (
                        "material",
                        "罐体来料尺寸超差。Can body out of tolerance.",
                        CauseVerdict.RULED_OUT,
                        "来料检验报告合格。Incoming inspection passed.",
                        [],
                    ),
                    (
                        "man",
                        "夜班操作员未按点检表检查。Night operator skipped the checklist.",
                        CauseVerdict.OPEN,
                        "",
                        [],
                    ),
                ],
                "夜班封罐压力偏低且未检测罐底密封。Low seaming pressure, and no inline test of the bottom seam.",
            )
            permanent(
                c,
                [
                    ("封罐机压力参数校准并加装压力报警。Seamer recalibrated; pressure alarm added.", "process"),
                    ("增加罐底在线真空检漏。Inline vacuum leak test for the bottom seam.", "inspection"),
                ],
                rework="校准后一周仍有1罐漏粉。One leaking can a week after recalibration.",
            )

        def confirm(c: Complaint) -> None:
            driver.complete_step(
                complaint=c,
                node=flow.customer_confirmation,
                user=users["agent"],
                data={"outcome": "confirmed", "channel": "phone", "note": "客户确认满意。Customer confirms."},
            )

        # 6–7. Two more owners of batch BMS-2026-07B lose power: the third complaint of the batch
        # reaches the threshold and the batch investigation opens by itself (see self.batch).
        for order, user, dept, name, phone, plate, words in [
            (
                "DEMO-0006",
                "agent",
                "store-pudong",
                "吴女士",
                "13800138006",
                "沪A·F67890",
                "市区行驶时仪表突然黑屏，车辆失去动力，还好车速不快。",
            ),
            (
                "DEMO-0007",
                "agent_south",
                "store-tianhe",
                "郑先生",
                "13800138007",
                "粤A·K24680",
                "高速上动力中断，双闪滑行到应急车道，太危险了！",
            ),
        ]:
            c = intake(
                order,
                user,
                dept,
                customer_name=name,
                customer_phone=phone,
                category=str(categories["power-battery"].pk),
                product_model="EV-S7",
                batch_number="BMS-2026-07B",
                plate_or_vin=plate,
                answer_fault_type="power_loss",
                answer_service_type="roadside",
                answer_rescue_order_no=f"R202611{order[-4:]}",
                answer_rescue_location="—",
                answer_on_highway="yes" if "高速" in words else "no",
                customer_words=words,
                risk_flagged="on",
                emotion="angry",
                demand="repair",
            )
            created += bool(c)

        # 8–9. Solved earlier: in the case library, and suggested at intake for similar complaints.
        c = intake(
            "DEMO-0008",
            "agent",
            "store-pudong",
            customer_name="冯先生",
            customer_phone="13800138008",
            category=str(categories["power-battery"].pk),
            product_model="EV-S7",
            batch_number="BMS-2026-03A",
            plate_or_vin="沪A·M13579",
            answer_fault_type="power_loss",
            answer_service_type="in_store",
            answer_on_highway="no",
            customer_words="充电后行驶十分钟仪表报警，随后断电无法启动。",
            demand="repair",
        )
        if c:
            created += 1
            first_response(c, "agent")
            verify(c)
            contain_and_analyse(
                c,
                "拖车回店，更换BMS主板后交车。Towed in; BMS board replaced.",
                {
                    "what": "充电后行驶十分钟断电。Power lost ten minutes after charging.",
                    "why": "行驶中断电有安全风险。Losing power while driving is a safety risk.",
                    "who": "车主冯先生；批次 BMS-2026-03A。Owner Mr Feng; batch BMS-2026-03A.",
                    "where": "市区道路。City roads.",
                    "when": "充电后约十分钟。About ten minutes after charging.",
                    "how": "仪表报警后主接触器断开。Dashboard alarm, then the main contactor opened.",
                    "how_much": "1辆车；同批次待排查。One car; the batch to be checked.",
                },
                [
                    (
                        "method",
                        "BMS固件在电压尖峰时误断主接触器。BMS firmware opened the main contactor on a voltage spike.",
                        CauseVerdict.CONFIRMED,
                        "诊断日志记录到电压尖峰与断开时刻一致。Logs show the spike at the moment of the cut.",
                        [],
                    ),
                ],
                "BMS固件在电压尖峰时误断主接触器。BMS firmware opened the main contactor on a voltage spike.",
            )
            permanent(
                c,
                [
                    (
                        "BMS固件2.3.1增加电压尖峰滤波并远程升级。Firmware 2.3.1 filters spikes, updated over the air.",
                        "design",
                    )
                ],
            )
            confirm(c)
        c = intake(
            "DEMO-0009",
            "agent",
            "store-pudong",
            customer_name="何女士",
            customer_phone="13800138009",
            category=str(categories["online-order"].pk),
            product_model="BCD-520W",
            answer_platform="app",
            answer_order_problem="damaged",
            answer_tracking_no="SF1234567899",
            files={"answer_unboxing_photos": demo_photo("side.png")},
            customer_words="冰箱侧面有凹痕，包装箱完好。",
            demand="replacement",
        )
        if c:
            created += 1
            first_response(c, "agent")
            verify(c)
            contain_and_analyse(
                c,
                "上门更换整机。Fridge replaced at home.",
                {
                    "what": "冰箱侧面凹痕。A dent in the fridge's side.",
                    "why": "外观损坏，客户要求换货。Visible damage; the customer wants a replacement.",
                    "who": "客户何女士开箱发现。Found by Ms He when unpacking.",
                    "where": "华东仓库。East warehouse.",
                    "when": "出库前。Before dispatch.",
                    "how": "包装完好但内部缓冲不足。Box intact, too little inner padding.",
                    "how_much": "1台。One fridge.",
                },
                [
                    (
                        "material",
                        "包装内部缓冲不足。Too little inner padding.",
                        CauseVerdict.CONFIRMED,
                        "仓库监控显示叉车轻碰。Warehouse camera shows a light forklift knock.",
                        [],
                    ),
                ],
                "仓库叉车作业碰撞，包装内部缓冲不足。Forklift knock in the warehouse; too little inner padding.",
            )
            permanent(
                c,
                [
                    (
                        "包装增加侧面泡沫护板；叉车作业培训。Side foam added to the packaging; forklift training.",
                        "design",
                    )
                ],
            )
            confirm(c)
        return created

    def batch(self, users: dict[str, Any]) -> None:
        """The highway power-loss batch: 200 cars delivered, most owners reached, some fixed."""
        if not Delivery.objects.filter(batch_number=DEMO_BATCH).exists():
            deliveries_import(data=demo_deliveries_csv().encode("utf-8"), actor=users["admin"])
        investigation = BatchInvestigation.objects.filter(batch_number=DEMO_BATCH, status=BatchStatus.OPEN).first()
        if investigation is None or investigation.contacts.exclude(state=OutreachState.TO_CONTACT).exists():
            return
        # In list order: 12 fixed, 4 without issue, 8 inspected, 170 contacted, the rest still to call.
        plan = [
            (12, [OutreachState.CONTACTED, OutreachState.INSPECTED, OutreachState.FIXED]),
            (4, [OutreachState.CONTACTED, OutreachState.INSPECTED, OutreachState.NO_ISSUE]),
            (8, [OutreachState.CONTACTED, OutreachState.INSPECTED]),
            (170, [OutreachState.CONTACTED]),
        ]
        contacts = iter(list(investigation.contacts.select_related("investigation").order_by("pk")))
        notes = {
            OutreachState.CONTACTED: "已电话联系，预约检测。Called; inspection booked.",
            OutreachState.FIXED: "BMS固件已升级。Firmware updated.",
        }
        with transaction.atomic():
            for count, moves in plan:
                for contact in itertools.islice(contacts, count):
                    for old, new in zip([OutreachState.TO_CONTACT, *moves], moves, strict=False):
                        contact = outreach_move(
                            contact=contact,
                            actor=users["quality"],
                            seen_state=old,
                            new_state=new,
                            note=notes.get(new, ""),
                        )


DEMO_BATCH = "BMS-2026-07B"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def demo_deliveries_csv() -> str:
    """200 cars of the demo batch; three of them are the complaining customers' cars."""
    rows = ["batch_number,product_model,production_date,plate_or_vin,customer_name,phone,delivery_date"]
    known = [
        ("沪A·D12345", "陈先生", "13800138001"),
        ("沪A·F67890", "吴女士", "13800138006"),
        ("粤A·K24680", "郑先生", "13800138007"),
    ]
    for n in range(200):
        if n < len(known):
            plate, name, phone = known[n]
        else:
            plate, name, phone = f"沪B·{n:05d}", SURNAMES[n % 20] + GIVEN[(n * 7) % 20], f"1370000{n:04d}"
        day = 1 + n % 28
        rows.append(f"{DEMO_BATCH},EV-S7,2026-07-{day:02d},{plate},{name},{phone},2026-08-{day:02d}")
    return "\n".join(rows) + "\n"


def demo_photo(name: str) -> SimpleUploadedFile:
    """A small generated picture standing in for a customer's photo."""
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (176, 190, 197)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
