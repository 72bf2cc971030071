"""The organization tree: county → township → village, plus units, communities, enterprises."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from portal.pinyin import search_key
from portal.scope import ScopedQuerySetMixin


class OrgKind(models.TextChoices):
    COUNTY = "county", "县（区）"
    TOWNSHIP = "township", "乡镇（街道）"
    VILLAGE = "village", "村"
    COMMUNITY = "community", "城市社区"
    UNIT = "unit", "县直单位"
    ENTERPRISE = "enterprise", "非公企业"
    PARK = "park", "工业园区"
    ASSOCIATION = "association", "行业协会"
    OTHER = "other", "其他"


class PartyOrgType(models.TextChoices):
    COMMITTEE = "committee", "党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"


# Which kinds may sit directly under which: one place for the tree's shape rule.
ALLOWED_CHILD_KINDS = {
    OrgKind.COUNTY: {OrgKind.TOWNSHIP, OrgKind.UNIT, OrgKind.COMMUNITY, OrgKind.ENTERPRISE,
                     OrgKind.PARK, OrgKind.ASSOCIATION, OrgKind.OTHER},
    OrgKind.TOWNSHIP: {OrgKind.VILLAGE, OrgKind.COMMUNITY, OrgKind.ENTERPRISE, OrgKind.PARK,
                       OrgKind.UNIT, OrgKind.ASSOCIATION, OrgKind.OTHER},
    OrgKind.VILLAGE: {OrgKind.OTHER},
    OrgKind.UNIT: {OrgKind.UNIT, OrgKind.OTHER},
    OrgKind.COMMUNITY: {OrgKind.OTHER},
    OrgKind.ENTERPRISE: {OrgKind.ENTERPRISE, OrgKind.OTHER},
    OrgKind.PARK: {OrgKind.ENTERPRISE, OrgKind.OTHER},
    OrgKind.ASSOCIATION: {OrgKind.OTHER},
    OrgKind.OTHER: {OrgKind.OTHER},
}
CITY_KINDS = (OrgKind.UNIT, OrgKind.COMMUNITY, OrgKind.ENTERPRISE, OrgKind.PARK)


def placement_problem(kind: str, parent_kind: str | None) -> str | None:
    """A Chinese message when an org of `kind` may not be placed under `parent_kind`."""
    if parent_kind is None:
        return None if kind == OrgKind.COUNTY else "只有县（区）可以作为顶级组织。"
    if kind not in ALLOWED_CHILD_KINDS.get(parent_kind, set()):
        return (f"“{OrgKind(parent_kind).label}”下不能设立“{OrgKind(kind).label}”。")
    return None


class OrganizationQuerySet(ScopedQuerySetMixin, MP_NodeQuerySet):
    scope_path_field = "path"

    def of_kind(self, *kinds):
        return self.filter(kind__in=kinds)

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(models.Q(name__icontains=text) | models.Q(code__iexact=text))

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for org in objs:
            org.search_key = search_key(org.name)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        if "name" in fields:
            for org in objs:
                org.search_key = search_key(org.name)
            fields.append("search_key")
        return super().bulk_update(objs, fields, *args, **kwargs)


class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):
    def get_queryset(self):
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")


class Organization(MP_Node):
    """A party organization (党组织) in the county tree: 县委, 乡镇党委, 村党组织, 县直单位 …"""

    steplen = 4
    node_order_by = None
    scope_domain = "org"

    name = models.CharField("名称", max_length=100)
    code = models.CharField("组织编码", max_length=32, unique=True)
    kind = models.CharField("组织类别", max_length=16, choices=OrgKind.choices, db_index=True)
    party_org_type = models.CharField(
        "党组织类型", max_length=16, choices=PartyOrgType.choices, default=PartyOrgType.BRANCH
    )
    secretary = models.ForeignKey(
        "portal.Person", verbose_name="书记", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    industry_tags = models.CharField("产业标签", max_length=200, blank=True,
                                     help_text="多个标签用顿号“、”分隔")
    address = models.CharField("地址", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField("启用", default=True)
    # Full pinyin and initials of the name ("qingshancun qsc"), for the global search.
    search_key = models.CharField("拼音检索", max_length=255, blank=True, editable=False,
                                  db_index=True)
    history = HistoricalRecords(excluded_fields=["path", "depth", "numchild", "search_key"])

    objects = OrganizationManager()

    class Meta:
        verbose_name = "组织"
        verbose_name_plural = "组织"
        ordering = ["path"]
        indexes = [
            # The counties (roots): "does this scope hold every county?" is asked on most
            # county-wide pages; without it every organization of a city was read (5,811).
            models.Index(fields=["path"], condition=models.Q(depth=1), name="org_roots"),
            # One kind in tree order (the township pickers and lists of every county-wide
            # page): the path index alone read every organization of a city for its 250
            # townships (1.9 -> 0.2 ms).
            models.Index(fields=["kind", "path"], name="org_kind_in_tree_order"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_key = search_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("portal:org_detail", args=[self.pk])

    @property
    def tags(self):
        return [t for t in self.industry_tags.replace(",", "、").split("、") if t.strip()]

    def clean(self):
        parent = type(self).objects.get_parent(self) if self.pk and self.depth else None
        if self.pk and self.depth and parent is not None:
            problem = placement_problem(self.kind, parent.kind)
            if problem:
                raise ValidationError({"kind": problem})
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError("经纬度需同时填写。")

    def ancestors_and_self_paths(self):
        return [self.path[: i * self.steplen] for i in range(1, self.depth + 1)]


class TownshipOrgTally(models.Model):
    """乡镇组织数汇总: how many organizations of one kind and state (启用 or not) lie under one
    township (its path prefix; a county-level organization is its own, the county itself its
    four characters), kept by database triggers on the organizations (portal.org_tally). The
    county-wide pages' villages per township and organizations per kind read a few hundred of
    these instead of a city's 5,811 organizations."""

    township = models.CharField("乡镇路径", max_length=2 * Organization.steplen)
    kind = models.CharField("组织类别", max_length=16, choices=OrgKind.choices)
    is_active = models.BooleanField("启用")
    orgs = models.IntegerField("组织数", default=0)

    class Meta:
        verbose_name = "乡镇组织数汇总"
        verbose_name_plural = "乡镇组织数汇总"
        constraints = [models.UniqueConstraint(fields=["township", "kind", "is_active"],
                                               name="one_township_org_tally")]

    def __str__(self):
        return f"{self.township}/{self.kind}: {self.orgs}"
