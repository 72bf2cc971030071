"""Background jobs and the files they produce."""

import uuid

from django.conf import settings
from django.db import models

from portal.pinyin import has_han
from portal.scope import ScopedQuerySetMixin
from portal.workflow import Transition, Workflow


class JobStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "进行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


class GeneratedFile(models.Model):
    """A file the portal produced (export, report); downloaded only through a checked view."""

    scope_domain = "job"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="生成人", null=True,
                              on_delete=models.SET_NULL, related_name="+")
    scope_org = models.ForeignKey("portal.Organization", verbose_name="数据范围",
                                  on_delete=models.PROTECT, related_name="+")
    capability = models.CharField("下载所需权限", max_length=64, default="data.export")
    file = models.FileField("文件", upload_to="generated/%Y/%m/")
    filename = models.CharField("文件名", max_length=200)
    mimetype = models.CharField("类型", max_length=100)
    size = models.PositiveBigIntegerField("大小", default=0)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "生成文件"
        verbose_name_plural = "生成文件"

    def __str__(self):
        return self.filename


class JobQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "scope_org__path"


class Job(models.Model):
    """A long-running task (后台任务) with its progress and output file."""

    scope_domain = "job"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人",
                              on_delete=models.CASCADE, related_name="jobs")
    scope_org = models.ForeignKey("portal.Organization", verbose_name="数据范围",
                                  on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("任务类型", max_length=64)
    title = models.CharField("名称", max_length=200)
    params = models.JSONField("参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=16, choices=JobStatus.choices,
                              default=JobStatus.PENDING)
    progress = models.PositiveSmallIntegerField("进度", default=0)
    message = models.CharField("说明", max_length=300, blank=True)
    error = models.TextField("错误", blank=True)
    output = models.ForeignKey(GeneratedFile, verbose_name="结果文件", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="jobs")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("运行次数", default=0)
    # What a job that produces no file found (an import's preview or commit report).
    result = models.JSONField("结果", default=dict, blank=True)

    objects = JobQuerySet.as_manager()

    workflow = Workflow([
        Transition("retry", "重试", {JobStatus.FAILED}, "job.view", url_name="portal:job_retry",
                   url_args=lambda job: [job.uuid], icon="arrow-clockwise",
                   guard=lambda job, user: job.owner_id == user.pk,
                   state_error="只有失败的任务可以重试。", denied="只能重试自己发起的任务。"),
    ], orgs=lambda job: [job.scope_org],
        badges={JobStatus.PENDING: "secondary", JobStatus.RUNNING: "info",
                JobStatus.SUCCEEDED: "success", JobStatus.FAILED: "danger"})

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat")]

    def __str__(self):
        return self.title

    @property
    def is_finished(self):
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def succeeded(self):
        return self.status == JobStatus.SUCCEEDED

    @property
    def failed(self):
        return self.status == JobStatus.FAILED

    @property
    def failure_reason(self):
        """Why the job failed, in Chinese: the recorded message when it is one (the runner
        writes Chinese for the failures it knows), else a general one with the job number to
        give an administrator; never an English exception or a traceback."""
        error = (self.error or "").strip()
        if error and has_han(error) and "Traceback" not in error and len(error) <= 300:
            return error
        return (f"任务未能完成（任务编号 {str(self.uuid)[:8]}）。请点击“重试”；"
                "如仍失败，请把任务编号告诉系统管理员。")
