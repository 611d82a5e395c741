"""A small, fully known data set for the read services and the panes: a few enterprises with records,
one plan with two tasks, a draw run, inspections in every state, publicity records and audit events.

Every number the tests check follows from this file; change it and the expectations together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gxq_desktop.db.engine import Database
from gxq_desktop.db.models import (
    AbnormalListing,
    AuditEvent,
    CalendarDay,
    Department,
    DrawPlan,
    DrawRun,
    DrawTask,
    DrawTaskItem,
    Enterprise,
    Inspection,
    InspectionInspector,
    InspectionItem,
    Inspector,
    License,
    Penalty,
    PublicityRecord,
    SeriousViolation,
)
from gxq_desktop.services.context import Actor

TODAY = dt.date(2026, 6, 15)  # a Monday


@dataclass(frozen=True)
class Seeded:
    lead_department: str
    tax_department: str
    task_no: str
    second_task_no: str
    inspection_ids: dict[str, int]  # status → id
    inspector_user_id: int | None
    enterprise_names: tuple[str, ...]


ENTERPRISES = (
    # name, uscc, category, status, section
    ("西安秦岭科技有限公司", "91610131MA6TXXXX01", "企业", "存续", "I"),
    ("西安唐延软件有限公司", "91610131MA6TXXXX02", "企业", "存续", "I"),
    ("高新区锦业路张记面馆", None, "个体工商户", "存续", "H"),
    ("西安丈八农业专业合作社", "93610131MA6TXXXX04", "农民专业合作社", "注销", "A"),
    ("西安鱼化寨贸易有限公司", "91610131MA6TXXXX05", "企业", "吊销", "F"),
)


def seed_workflow(db: Database, *, inspector_user: Actor | None = None, today: dt.date = TODAY) -> Seeded:
    """Insert the data set. ``inspector_user`` becomes 张执法, the lead inspector of two inspections."""
    with db.transaction() as s:
        sj = Department(code="SJJ", name="高新区市场监督管理局", short_name="市场监管")
        sw = Department(code="SWJ", name="高新区税务局", short_name="税务")
        s.add_all([sj, sw])
        s.flush()
        ents = []
        for name, uscc, cat, status, section in ENTERPRISES:
            e = Enterprise(
                name=name,
                uscc=uscc,
                subject_category=cat,
                subject_type="有限责任公司" if cat == "企业" else cat,
                status=status,
                industry_section=section,
                legal_rep="王五",
            )
            s.add(e)
            ents.append(e)
        s.flush()
        # Records: 2 abnormal listings (one removed), 1 serious violation, 1 penalty from 税务, licences.
        s.add_all(
            [
                AbnormalListing(
                    enterprise_id=ents[0].id,
                    department_id=sj.id,
                    list_reason="未按规定公示年度报告",
                    listed_on=today - dt.timedelta(days=100),
                ),
                AbnormalListing(
                    enterprise_id=ents[1].id,
                    department_id=sj.id,
                    list_reason="通过登记的住所无法联系",
                    listed_on=today - dt.timedelta(days=400),
                    removed_on=today - dt.timedelta(days=30),
                ),
                SeriousViolation(
                    enterprise_id=ents[4].id,
                    department_id=sj.id,
                    reason="提交虚假材料取得登记",
                    listed_on=today - dt.timedelta(days=200),
                ),
                Penalty(enterprise_id=ents[1].id, department_id=sw.id, decision_no="西高新税罚〔2026〕1号"),
                License(
                    enterprise_id=ents[0].id,
                    department_id=sj.id,
                    license_no="JY16101310000001",
                    name="食品经营许可证",
                    valid_until=today + dt.timedelta(days=10),
                ),
                License(
                    enterprise_id=ents[1].id,
                    department_id=sj.id,
                    license_no="JY16101310000002",
                    name="食品经营许可证",
                    valid_until=today + dt.timedelta(days=90),
                ),
                License(enterprise_id=ents[2].id, license_no="X3", name="卫生许可证", valid_until=None),
            ]
        )
        item = InspectionItem(
            category="企业公示信息", name="企业公示信息情况的检查", item_kind="一般检查事项"
        )
        s.add(item)
        i1 = Inspector(name="张执法", certificate_no="61000001", department_id=sj.id)
        i2 = Inspector(name="李执法", certificate_no="61000002", department_id=sj.id)
        i3 = Inspector(name="赵税务", certificate_no="61000003", department_id=sw.id)
        if inspector_user is not None:
            i1.user_id = inspector_user.user_id
        s.add_all([i1, i2, i3])
        plan = DrawPlan(
            year=2026, plan_no="西高新市监计划〔2026〕1号", name="2026年度双随机抽查计划", status="active"
        )
        s.add(plan)
        s.flush()
        task = DrawTask(
            plan_id=plan.id,
            task_no="西高新市监抽查〔2026〕12号",
            name="2026年企业公示信息抽查",
            task_type="untargeted",
            lead_department_id=sj.id,
            status="inspecting",
            starts_on=dt.date(2026, 4, 1),
        )
        task2 = DrawTask(
            plan_id=plan.id,
            task_no="西高新市监抽查〔2026〕13号",
            name="2026年食品经营定向抽查",
            task_type="targeted",
            lead_department_id=sj.id,
            status="draft",
            starts_on=dt.date(2026, 7, 1),
        )
        s.add_all([task, task2])
        s.flush()
        s.add(DrawTaskItem(task_id=task.id, item_id=item.id))
        run = DrawRun(
            task_id=task.id,
            run_no=1,
            seed="20260401-8d1f2c",
            method="sha256-shuffle v1",
            object_pool=[e.id for e in ents],
            object_pool_sha256="0" * 64,
            inspector_pool=[1, 2, 3],
            inspector_pool_sha256="1" * 64,
            drawn_count=5,
            executed_at=dt.datetime(2026, 4, 1, 2, 30, tzinfo=dt.UTC),
        )
        s.add(run)
        s.flush()
        ids: dict[str, int] = {}
        # Completed 2026-05-04 → 20 working days later (May 1–5 holiday not stored here) is far past.
        spec = [
            ("pending", ents[0], None),
            ("returned", ents[1], dt.date(2026, 6, 1)),
            ("submitted", ents[2], dt.date(2026, 6, 5)),
            ("approved", ents[3], dt.date(2026, 5, 4)),  # overdue (computed due date)
            ("published", ents[4], dt.date(2026, 4, 20)),
        ]
        for status, ent, completed in spec:
            insp = Inspection(
                task_id=task.id, run_id=run.id, enterprise_id=ent.id, status=status, completed_on=completed
            )
            s.add(insp)
            s.flush()
            ids[status] = insp.id
            lead = i1 if status in ("pending", "approved") else i2
            s.add(InspectionInspector(inspection_id=insp.id, inspector_id=lead.id, role="lead"))
            s.add(InspectionInspector(inspection_id=insp.id, inspector_id=i3.id, role="member"))
        s.add(
            PublicityRecord(
                inspection_id=ids["published"],
                due_on=dt.date(2026, 5, 19),
                published_on=dt.date(2026, 5, 10),
                status="published",
                announcement_no="西高新市监公告〔2026〕3号",
            )
        )
        s.add(CalendarDay(day=dt.date(2026, 5, 5), is_workday=False, note="劳动节"))
        s.add_all(
            [
                AuditEvent(
                    username="admin",
                    action="import.done",
                    summary="导入经营异常名录 2 条",
                    at=dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC),
                ),
                AuditEvent(
                    username="kezhang",
                    action="draw.execute",
                    summary="执行随机抽取：西高新市监抽查〔2026〕12号",
                    at=dt.datetime(2026, 6, 2, 1, 0, tzinfo=dt.UTC),
                ),
            ]
        )
    return Seeded(
        lead_department="高新区市场监督管理局",
        tax_department="高新区税务局",
        task_no="西高新市监抽查〔2026〕12号",
        second_task_no="西高新市监抽查〔2026〕13号",
        inspection_ids=ids,
        inspector_user_id=inspector_user.user_id if inspector_user else None,
        enterprise_names=tuple(e[0] for e in ENTERPRISES),
    )
