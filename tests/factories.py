"""factory-boy factories for the core models."""

import itertools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher, make_password
from django.db import models
from simple_history.utils import bulk_create_with_history

from portal.idnumber import check_digit, normalize
from portal.models import Organization, Person, RoleAssignment

PASSWORD = "portal-test-pass"
_serial = itertools.count(1)
_password_hashes = {}


def password_hash(raw=PASSWORD):
    """The hash of `raw` under the hasher in force; the default password's is computed once."""
    if raw != PASSWORD:
        return make_password(raw)
    algorithm = get_hasher().algorithm
    if algorithm not in _password_hashes:
        _password_hashes[algorithm] = make_password(PASSWORD)
    return _password_hashes[algorithm]


def make_id_number(serial=None, birth="19800101", area="510100"):
    serial = next(_serial) if serial is None else serial
    first17 = f"{area}{birth}{serial % 1000:03d}"
    return first17 + check_digit(first17)


def unique_id_number():
    n = next(_serial)
    year = 1950 + (n // 1000) % 50
    return make_id_number(n, birth=f"{year}0101", area=f"{510100 + n // 50000:06d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = PASSWORD

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Hashed before the INSERT: one query per user instead of an INSERT and an UPDATE.
        kwargs["password"] = password_hash(kwargs.get("password") or PASSWORD)
        return super()._create(model_class, *args, **kwargs)


_codes = itertools.count(1)


def add_org(parent, name, kind, code=None, **fields):
    """Create an org under `parent` (or a root when parent is None)."""
    code = code or f"T{next(_codes):06d}"
    if parent is None:
        return Organization.objects.add_root(dict(name=name, kind=kind, code=code, **fields))
    return Organization.objects.add_child(parent, dict(name=name, kind=kind, code=code, **fields))


def bulk_orgs(rows):
    """Create a whole subtree in two queries: [(key, parent_key or None, name, kind, fields)].

    A parent key is either an earlier row's key or an existing Organization. Materialized
    paths, depth and numchild are computed here exactly as treebeard's add_root/add_child
    would (children numbered in row order after any existing ones), and each org gets its
    creation history row. Returns {key: Organization}.
    """
    children = {}
    for key, parent, *_ in rows:
        children.setdefault(parent, []).append(key)
    built, next_step = {}, {}
    last_root = Organization.objects.get_last_root_node()
    for key, parent, name, kind, fields in rows:
        if parent is None:
            base, depth = "", 1
            used = Organization._str2int(last_root.path) if last_root else 0
        else:
            parent_org = built[parent] if parent in built else parent
            base, depth = parent_org.path, parent_org.depth + 1
            used = parent_org.numchild if parent not in built else 0
        step = next_step.setdefault(parent, used) + 1
        next_step[parent] = step
        org = Organization(name=name, kind=kind, depth=depth,
                           numchild=len(children.get(key, ())),
                           path=Organization._get_path(base, depth, step), **fields)
        org.code = org.code or f"T{next(_codes):06d}"
        built[key] = org
    bulk_create_with_history(list(built.values()), Organization)
    existing_parents = [p for p in children if p is not None and p not in built]
    for parent_org in existing_parents:
        added = len(children[parent_org])
        Organization.objects.filter(pk=parent_org.pk).update(
            numchild=models.F("numchild") + added)
        parent_org.numchild += added
    return built


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"张{n}")
    gender = "M"
    id_number = factory.LazyFunction(unique_id_number)
    phone = factory.Sequence(lambda n: f"138{n:08d}")


def bulk_people(**people):
    """Create {key: PersonFactory kwargs} people (with history) in two queries."""
    built = {key: PersonFactory.build(**fields) for key, fields in people.items()}
    for person in built.values():
        person.id_number = normalize(person.id_number)  # what Person.save does
    bulk_create_with_history(list(built.values()), Person)
    return built


def grant(user, org, role):
    return RoleAssignment.objects.create(user=user, org=org, role=role)


def bulk_users_with_roles(specs):
    """Create {username: (org or None, role or None)} users and their roles in three queries;
    returns {username: User}."""
    user_model = get_user_model()
    users = {name: user_model(username=name, password=password_hash()) for name in specs}
    user_model.objects.bulk_create(list(users.values()))
    assignments = [RoleAssignment(user=users[name], org=org, role=role)
                   for name, (org, role) in specs.items() if role]
    if assignments:
        bulk_create_with_history(assignments, RoleAssignment)
    return users
