"""factory-boy factories for the core models."""

import itertools

import factory
from django.contrib.auth import get_user_model

from portal.idnumber import check_digit
from portal.models import Organization, Person, RoleAssignment

_serial = itertools.count(1)


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

    @factory.post_generation
    def password(user, create, extracted, **kwargs):
        user.set_password(extracted or "portal-test-pass")
        if create:
            user.save(update_fields=["password"])


_codes = itertools.count(1)


def add_org(parent, name, kind, code=None, **fields):
    """Create an org under `parent` (or a root when parent is None)."""
    code = code or f"T{next(_codes):06d}"
    if parent is None:
        return Organization.objects.add_root(dict(name=name, kind=kind, code=code, **fields))
    return Organization.objects.add_child(parent, dict(name=name, kind=kind, code=code, **fields))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"张{n}")
    gender = "M"
    id_number = factory.LazyFunction(unique_id_number)
    phone = factory.Sequence(lambda n: f"138{n:08d}")


def grant(user, org, role):
    return RoleAssignment.objects.create(user=user, org=org, role=role)
