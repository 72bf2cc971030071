"""People: party members, city talents and cadres, each with a home organization."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from portal.idnumber import (
    id_number_problem,
    mask_id_number,
    normalize,
    normalize_phone,
    phone_problem,
)
from portal.pinyin import search_key
from portal.scope import ScopedQuerySetMixin


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


def validate_id_number(value):
    problem = id_number_problem(value)
    if problem:
        raise ValidationError(problem, code="id_number")


def validate_phone(value):
    problem = phone_problem(value)
    if problem:
        raise ValidationError(problem, code="phone")


def set_search_keys(people) -> None:
    """Each person's pinyin search key from their name, for writes that bypass save()."""
    for person in people:
        person.search_key = search_key(person.name)


class PersonQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "home_org__path"

    def search(self, text, *, by_id_number=False):
        """Name contains `text`, or the phone equals it; the full ID number only when the
        searcher may see ID numbers (otherwise a search would confirm a guessed number)."""
        text = (text or "").strip()
        if not text:
            return self
        query = models.Q(name__icontains=text) | models.Q(phone=text)
        if by_id_number and len(text) == 18:
            query |= models.Q(id_number=normalize(text))
        return self.filter(query)

    def prepare_bulk_insert(self, objs):
        """What every insert of unsaved people writes beside their fields (bulk_create and
        portal.bulk_load.insert_instances call it): the pinyin search key."""
        set_search_keys(objs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        self.prepare_bulk_insert(objs)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        if "name" in fields:
            set_search_keys(objs)
            fields.append("search_key")
        return super().bulk_update(objs, fields, *args, **kwargs)


class Person(models.Model):
    """A person (人员): 党员, 城市人才 or 干部, belonging to one home org (关系所在支部)."""

    scope_domain = "person"

    name = models.CharField("姓名", max_length=50, db_index=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    id_number = models.CharField("身份证号", max_length=18, unique=True,
                                 validators=[validate_id_number])
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[validate_phone])
    home_org = models.ForeignKey("portal.Organization", verbose_name="所在组织",
                                 on_delete=models.PROTECT, related_name="people")
    position = models.CharField("职务", max_length=50, blank=True)
    is_party_member = models.BooleanField("党员", default=True)
    # No index of its own: the talents are read through person_active_talents (below). On a
    # plain index of the flag PostgreSQL planned talent lists as if a city's 30,000 talents lay
    # together on disk, reading them all to keep a township's 4,600 (a page 30-50 ms).
    is_city_talent = models.BooleanField("城市人才", default=False)
    is_cadre = models.BooleanField("干部", default=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="登录账号", null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="person")
    is_active = models.BooleanField("在册", default=True)
    # Full pinyin and initials of the name ("zhangsan zs"), for the global search.
    search_key = models.CharField("拼音检索", max_length=255, blank=True, editable=False,
                                  db_index=True)
    history = HistoricalRecords(excluded_fields=["search_key"])

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["home_org__path", "name", "id"]
        indexes = [
            # The global search's "or exact phone" (portal.search); see migration 0006.
            models.Index(fields=["phone"], name="person_phone"),
            # Active people per org without reading the table (the org tree's counts).
            models.Index(fields=["home_org"], condition=models.Q(is_active=True),
                         name="person_active_home_org"),
            # The talents who have left (每月调度's month total counts those who served a
            # village): a handful, found without reading a city's 30,000 talents.
            models.Index(fields=["id"], condition=models.Q(is_city_talent=True, is_active=False),
                         name="person_talents_gone"),
            # Active talents by home organization, in the talent matrix's row order: a
            # township's talents counted from the index alone and a page of them found by
            # organization (ledger.compliance), not by reading every talent.
            models.Index(fields=["home_org", "name", "id"],
                         condition=models.Q(is_city_talent=True, is_active=True),
                         name="person_active_talents"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.id_number, self.phone = normalize(self.id_number), normalize_phone(self.phone)
        self.search_key = search_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)

    def clean(self):
        self.id_number, self.phone = normalize(self.id_number), normalize_phone(self.phone)

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)

    @property
    def flags_display(self):
        labels = [("党员", self.is_party_member), ("城市人才", self.is_city_talent),
                  ("干部", self.is_cadre)]
        return [label for label, on in labels if on]


class OrgPeopleTally(models.Model):
    """人员数汇总: the people whose home organization is `org` (all; those 在册; of these the
    party members and the city talents), kept by database triggers on the people table
    (portal.people_tally), so an organization's people at or below it are a sum over its
    subtree's organizations instead of a count of its people."""

    org = models.OneToOneField("portal.Organization", primary_key=True, on_delete=models.CASCADE,
                               related_name="+", db_constraint=False)
    people = models.IntegerField("人员数", default=0)
    active = models.IntegerField("在册人员数", default=0)
    members = models.IntegerField("在册党员数", default=0, db_default=0)
    talents = models.IntegerField("在册城市人才数", default=0, db_default=0)

    class Meta:
        verbose_name = "人员数汇总"
        verbose_name_plural = "人员数汇总"

    def __str__(self):
        return f"{self.org_id}: {self.people}"
