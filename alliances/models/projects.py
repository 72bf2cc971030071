"""Project lists (项目清单, 003 二.2 and 四.1): the alliance's common list (共性化) and each
member's individual list (个性化), with quarterly progress updates and evidence. A project may
be led by a party secretary (书记领办) and then sits on that secretary's task list."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from .structure import AllianceOrOrgScopedQuerySetMixin


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", "计划中"
    ONGOING = "ongoing", "推进中"
    DONE = "done", "已完成"
    STOPPED = "stopped", "已终止"


class ProjectQuerySet(AllianceOrOrgScopedQuerySetMixin, models.QuerySet):
    scope_path_field = ("alliance__owner__path", "member__path")
    org_field = "member"


class Project(models.Model):
    """A project of the alliance (member empty: the common list) or of one member organization
    (the member's individual list)."""

    scope_domain = "alliance"

    alliance = models.ForeignKey("alliances.Alliance", verbose_name="联盟",
                                 on_delete=models.CASCADE, related_name="projects")
    member = models.ForeignKey("portal.Organization", verbose_name="成员组织（个性化清单）",
                               null=True, blank=True, on_delete=models.PROTECT,
                               related_name="alliance_projects",
                               help_text="为空时列入联盟共性化项目清单。")
    name = models.CharField("项目名称", max_length=100)
    goal = models.TextField("项目目标")
    owner = models.ForeignKey("portal.Person", verbose_name="负责人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="alliance_projects")
    start_date = models.DateField("开始日期")
    end_date = models.DateField("计划完成日期")
    budget = models.DecimalField("预算（万元）", max_digits=10, decimal_places=2, default=0,
                                 validators=[MinValueValidator(0)])
    status = models.CharField("状态", max_length=16, choices=ProjectStatus.choices,
                              default=ProjectStatus.PLANNED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0,
                                                validators=[MaxValueValidator(100)])
    secretary_led = models.BooleanField("书记领办", default=False)
    secretary = models.ForeignKey("portal.Person", verbose_name="领办书记", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="led_projects")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = "联盟项目"
        verbose_name_plural = "联盟项目"
        ordering = ["alliance", "member", "end_date", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                   name="project_ends_after_start"),
            models.CheckConstraint(condition=models.Q(secretary_led=False)
                                   | models.Q(secretary__isnull=False),
                                   name="secretary_led_project_names_its_secretary"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("alliances:project_detail", args=[self.pk])


class ProjectUpdate(models.Model):
    """A quarterly progress update (季度进展) with its evidence."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates",
                                verbose_name="项目")
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度", validators=[MinValueValidator(1),
                                                                    MaxValueValidator(4)])
    progress = models.PositiveSmallIntegerField("进度（%）", validators=[MaxValueValidator(100)])
    note = models.TextField("进展情况")
    evidence = models.FileField("佐证材料", upload_to="alliances/projects/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField("填报时间", auto_now_add=True)

    class Meta:
        verbose_name = "项目进展"
        verbose_name_plural = "项目进展"
        ordering = ["project", "-year", "-quarter"]
        constraints = [models.UniqueConstraint(fields=["project", "year", "quarter"],
                                               name="one_update_per_project_quarter")]

    def __str__(self):
        return f"{self.project} {self.year}Q{self.quarter}"
