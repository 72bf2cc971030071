"""Excel exports of the pairing lists as they are filtered on screen (portal.list_exports):
结对共建名单 (the pairing list) and 需求清单 (the needs board). Names, never codes."""

from types import SimpleNamespace

from django.http import QueryDict
from django.utils import timezone

from pairing.filters import PairingFilterSet
from pairing.models import Pairing
from portal.exporting import register_exporter
from portal.list_exports import ListExporter
from portal.spreadsheets import Column


@register_exporter
class PairingListExporter(ListExporter):
    """结对共建 list: search, township, unit, status, plan status, principle."""

    identifier = "pairing_list"
    verbose_name = "结对共建名单"
    filterset_class = PairingFilterSet
    columns = [Column("结对村", 12), Column("乡镇", 10), Column("结对单位", 18),
               Column("结对日期", 11), Column("结束日期", 11), Column("结对原则", 16),
               Column("名誉村长", 10), Column("联络员", 10), Column("状态", 8),
               Column("共建方案", 10)]

    def get_queryset(self):
        return (Pairing.objects.select_related("city_org", "village_org", "honorary_head",
                                               "liaison")
                .with_township_name("village_org__path")
                .order_by("village_org__path", "city_org__path", "id"))

    def row(self, pairing):
        return [pairing.village_org.name, pairing.township_name or "", pairing.city_org.name,
                pairing.since, pairing.until,
                "、".join(pairing.principle_labels),
                pairing.honorary_head.name if pairing.honorary_head else "",
                pairing.liaison.name if pairing.liaison else "",
                pairing.get_status_display(), pairing.get_plan_status_display()]


@register_exporter
class NeedListExporter(ListExporter):
    """需求认领 board as the user's board shows it (its mode and filters)."""

    identifier = "need_list"
    verbose_name = "需求清单"
    columns = [Column("事项", 24), Column("类别", 8), Column("村", 10), Column("乡镇", 10),
               Column("截止日期", 11), Column("需要人数", 8), Column("已认领", 7),
               Column("已确认", 7), Column("状态", 8), Column("发布时间", 16)]

    def filtered(self, owner, query):
        # The board's own filtering, so the file and the board cannot disagree.
        from pairing.views.needs import _board_mode, _filtered_needs

        mode, capability = _board_mode(owner)
        request = SimpleNamespace(user=owner, GET=QueryDict(query))
        form, needs = _filtered_needs(request, mode, capability, timezone.localdate())
        if "township_name" not in needs.query.annotations:
            needs = needs.with_township_name()
        return needs, form

    def row(self, need):
        return [need.title, need.get_kind_display(), need.village_org.name,
                need.township_name or "", need.deadline, need.places, need.taken_places,
                need.confirmed_count, need.get_status_display(),
                timezone.localtime(need.created_at).replace(tzinfo=None)]
