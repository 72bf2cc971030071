"""A project's progress (项目清单 进度), one rule for every page that shows it.

A project linked to needs-list entries (对应需求) that were published on the board takes its
progress from those needs: all of them 已完成 → 100% 已完成; otherwise the share of their places
confirmed, 实施中 once a place is claimed, 计划中 before. A project without such a link, or one
cancelled (已取消, the parties' decision), shows the progress and status stored on it.

A board need belongs to a needs-list entry by pairing, year and title: that is how filing an
agreement publishes the list (`agreements._publish_needs_list`), so a later version's copy of
an entry finds the need its first version published.
"""

from dataclasses import dataclass

from django.db.models import Count, Q

from pairing.models import ClaimStatus, Need, NeedStatus, ProjectStatus


@dataclass(frozen=True)
class Progress:
    percent: int
    status: str  # a ProjectStatus value
    derived: bool  # from the linked needs, not the stored value

    @property
    def label(self):
        return ProjectStatus(self.status).label


def stored_progress(project) -> Progress:
    return Progress(project.progress, project.status, derived=False)


def progress_from_needs(project, needs) -> Progress:
    """The rule above for one project and its board needs (each annotated `confirmed_count`)."""
    if not needs or project.status == ProjectStatus.CANCELLED:
        return stored_progress(project)
    if all(need.status == NeedStatus.COMPLETED for need in needs):
        return Progress(100, ProjectStatus.DONE, derived=True)
    places = sum(need.places for need in needs)
    confirmed = sum(min(need.confirmed_count, need.places) for need in needs)
    percent = min(99, 100 * confirmed // places) if places else 0
    started = confirmed or any(need.taken_places for need in needs)
    return Progress(percent, ProjectStatus.IN_PROGRESS if started else ProjectStatus.PLANNED,
                    derived=True)


def board_needs_by_entry(projects) -> dict[tuple, list]:
    """{(pairing id, year, title): [board needs]} for the needs-list entries of `projects`
    (their `needs` and `agreement` loaded), in one query whatever the number of projects."""
    keys = {(project.agreement.pairing_id, project.agreement.year, item.title)
            for project in projects for item in project.needs.all()}
    if not keys:
        return {}
    match = Q()
    for pairing_id, year in {(pairing, year) for pairing, year, _ in keys}:
        match |= Q(source_item__agreement__pairing_id=pairing_id,
                   source_item__agreement__year=year)
    rows = (Need.objects.filter(match, source_item__title__in={title for *_, title in keys})
            .annotate(confirmed_count=Count("claims",
                                            filter=Q(claims__status=ClaimStatus.CONFIRMED)))
            .values("source_item__agreement__pairing_id", "source_item__agreement__year",
                    "source_item__title", "status", "places", "taken_places",
                    "confirmed_count")
            .order_by())
    found = {}
    for row in rows:
        key = (row.pop("source_item__agreement__pairing_id"),
               row.pop("source_item__agreement__year"), row.pop("source_item__title"))
        found.setdefault(key, []).append(_NeedFigures(**row))
    return found


@dataclass(frozen=True)
class _NeedFigures:
    status: str
    places: int
    taken_places: int
    confirmed_count: int


def attach_progress(projects):
    """Set `shown_progress` (a Progress) on each project; one query for all of them."""
    projects = list(projects)
    by_entry = board_needs_by_entry(projects)
    for project in projects:
        agreement = project.agreement
        needs = [need for item in project.needs.all()
                 for need in by_entry.get((agreement.pairing_id, agreement.year, item.title), ())]
        project.shown_progress = progress_from_needs(project, needs)
    return projects
