"""Workflow states and their transitions, declared once per model.

A model lists its transitions in a `Workflow` (a table, not a state-machine library: the
services need their own row locks, audit rows and multi-party rules, so a transition here only
says *who* may move *which* states, and the service does the move). The same declaration
drives three things:
- services call `workflow.check(obj, "confirm", actor)`: permission first (403 for a role
  that lacks it, whatever the state), then the state (a ValidationError with code "state");
- `available_actions(obj, user)` lists the transitions a user may take now, which is what
  templates render as buttons (`{% action_buttons obj %}`) — no `status == "draft"` in views
  or templates;
- `{% status_badge obj %}` shows the state with its label and colour.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError

from portal.scope import check_capability, has_capability


@dataclass(frozen=True)
class Transition:
    """One move between states: `sources` → `target`, allowed by `capability` on `orgs(obj)`."""

    name: str
    label: str
    sources: frozenset
    capability: str
    target: str = ""
    url_name: str = ""  # the POST endpoint, reversed with `url_args(obj)` (default: its pk)
    url_args: Callable | None = None
    style: str = "primary"  # Bootstrap button colour
    icon: str = ""
    confirm: str = ""  # a question asked before the POST, on the page's own dialog
    reason_field: str = ""  # a required text field posted with the action (e.g. 退回原因)
    orgs: Callable | None = None  # obj -> organizations; the workflow's default when None
    guard: Callable | None = None  # (obj, user) -> bool: a further rule on who (e.g. own claim)
    condition: Callable | None = None  # obj -> bool: a further rule on the object's state
    state_error: str = "当前状态下不能执行此操作。"
    denied: str = "您没有执行此操作的权限。"

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))
        check_capability(self.capability)


@dataclass
class Workflow:
    """The transitions of one model, by name; `orgs(obj)` are the organizations whose scope
    decides (either side of a pairing, say): holding the capability on one of them suffices."""

    transitions: list[Transition]
    orgs: Callable = field(default=lambda obj: [obj.org])
    status_field: str = "status"
    badges: dict = field(default_factory=dict)  # status -> Bootstrap colour

    def __post_init__(self):
        self.by_name = {t.name: t for t in self.transitions}
        if len(self.by_name) != len(self.transitions):
            raise ValueError("transition names must be unique")

    def __getitem__(self, name) -> Transition:
        return self.by_name[name]

    def status_of(self, obj):
        return getattr(obj, self.status_field)

    def permitted(self, obj, name, user) -> bool:
        """The permission half: capability on one of the orgs, and the transition's guard."""
        transition = self[name]
        orgs = (transition.orgs or self.orgs)(obj)
        if not any(has_capability(user, transition.capability, org) for org in orgs):
            return False
        return transition.guard is None or bool(transition.guard(obj, user))

    def in_state(self, obj, name) -> bool:
        """The state half: the object is in a source state and meets the condition."""
        transition = self[name]
        if self.status_of(obj) not in transition.sources:
            return False
        return transition.condition is None or bool(transition.condition(obj))

    def check(self, obj, name, actor):
        """For services: 403 without permission (whatever the state), then the state rule."""
        transition = self[name]
        if not self.permitted(obj, name, actor):
            raise PermissionDenied(transition.denied)
        if not self.in_state(obj, name):
            raise ValidationError(transition.state_error, code="state")
        return transition

    def available(self, obj, user) -> list[Transition]:
        return [t for t in self.transitions
                if self.in_state(obj, t.name) and self.permitted(obj, t.name, user)]

    def badge(self, obj) -> tuple[str, str]:
        """(label, Bootstrap colour) of the object's state."""
        status = self.status_of(obj)
        label = getattr(obj, f"get_{self.status_field}_display", lambda: status)()
        return label, self.badges.get(status, "secondary")


def action_url(transition, obj) -> str:
    from django.urls import reverse

    args = transition.url_args(obj) if transition.url_args else [obj.pk]
    return reverse(transition.url_name, args=args)


def workflow_of(obj) -> Workflow:
    workflow = getattr(type(obj), "workflow", None)
    if not isinstance(workflow, Workflow):
        raise TypeError(f"{type(obj).__name__} declares no workflow")
    return workflow


def available_actions(obj, user) -> list[Transition]:
    """The transitions `user` may take on `obj` now: the buttons a page shows."""
    return workflow_of(obj).available(obj, user)


def can(obj, name, user) -> bool:
    """Whether `user` may take transition `name` on `obj` now (permission and state)."""
    workflow = workflow_of(obj)
    return workflow.in_state(obj, name) and workflow.permitted(obj, name, user)
