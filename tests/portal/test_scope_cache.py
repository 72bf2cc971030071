"""The scope caches on a user object (roles, paths per capability) and forget_roles(), on a
plain user and on request.user, which is a lazy object wrapping one."""

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from portal.models import RoleAssignment
from portal.scope import forget_roles, has_capability, scope_paths


def lazy(user):
    return SimpleLazyObject(lambda: get_user_model().objects.get(pk=user.pk))


def test_paths_are_cached_per_capability_until_forgotten(county_admin, tree,
                                                         django_assert_num_queries):
    user = get_user_model().objects.get(pk=county_admin.pk)
    with django_assert_num_queries(1):  # the roles, once
        for _ in range(3):
            assert scope_paths(user, "org.view") == [tree.county.path]
            assert has_capability(user, "ledger.compliance")
    RoleAssignment.objects.filter(user=county_admin).update(revoked_at=timezone.now())
    assert has_capability(user, "ledger.compliance")  # cached
    forget_roles(user)
    assert not has_capability(user, "ledger.compliance")


def test_forget_roles_on_a_lazy_request_user(county_admin, tree):
    user = lazy(county_admin)
    assert has_capability(user, "ledger.compliance")
    RoleAssignment.objects.filter(user=county_admin).update(revoked_at=timezone.now())
    forget_roles(user)
    assert not has_capability(user, "ledger.compliance")
    assert scope_paths(user, "org.view") == []


def test_whole_tree_check_is_one_query_for_capabilities_held_alike(county_admin, tree,
                                                                    django_assert_num_queries):
    from portal.scope import scope_holds_every_org

    user = get_user_model().objects.get(pk=county_admin.pk)
    with django_assert_num_queries(2):  # the roles, then the roots once
        for capability in ("ledger.view", "ledger.compliance", "pairing.statistics"):
            assert scope_holds_every_org(user, capability)


def test_minimal_paths_keep_exactly_the_uncovered_ones():
    """The one-pass reduction keeps what comparing every pair kept: each path not under another
    path of the set, once (sibling prefixes such as 0001 and 00010001 vs 0002 included)."""
    import random

    from portal.scope import _minimal

    def every_pair(paths):
        return sorted(p for p in set(paths)
                      if not any(p != q and p.startswith(q) for q in set(paths)))

    steps = ["0001", "0002", "0010", "000A"]
    rng = random.Random(7)
    for _ in range(300):
        paths = ["".join(rng.choice(steps) for _ in range(rng.randint(1, 4)))
                 for _ in range(rng.randint(0, 12))]
        assert _minimal(paths) == every_pair(paths)
