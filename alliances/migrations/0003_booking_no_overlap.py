"""On PostgreSQL, two active bookings of one venue may never overlap: an exclusion constraint
(btree_gist) backs the service's locked check even against writes that bypass it. Touching
bookings (10:00–11:00 then 11:00–12:00) are allowed: tstzrange is half-open. Elsewhere
(SQLite) the service's check under the venue's row lock is the only guard."""

from django.db import migrations

ADD = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE alliances_booking ADD CONSTRAINT booking_no_overlap
    EXCLUDE USING gist (venue_id WITH =, tstzrange(start, "end") WITH &&)
    WHERE (status = 'booked');
"""
DROP = "ALTER TABLE alliances_booking DROP CONSTRAINT IF EXISTS booking_no_overlap;"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("alliances", "0002_load_alliance_types")]
    operations = [migrations.RunPython(add_constraint, drop_constraint)]
