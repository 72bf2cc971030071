"""Media on an S3-compatible object store (MinIO in production, a local moto server here):
the storage comes from MEDIA_S3_* in the environment, files land in the bucket, and they come
back only through the permission-checked views, byte for byte."""

import datetime
import io
import json
import runpy
import uuid
from pathlib import Path

import boto3
import environ
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from moto.server import ThreadedMotoServer
from PIL import Image
from storages.backends.s3 import S3Storage

from ledger.models import Activity, ActivityTheme
from ledger.services.evidence import do_add_evidence
from pairing.models import AgreementStatus, AnnualAgreement, Pairing
from portal.jobs import save_generated_file
from portal.models import GeneratedFile, Job
from tests.portal.test_production_settings import manage, production_env

BASE_SETTINGS = Path(__file__).resolve().parents[2] / "portal" / "settings" / "base.py"
KEY, SECRET = "portal-test-key", "portal-test-secret"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def base_settings(monkeypatch, **variables):
    """Evaluate base.py against the process environment plus `variables`, without writing to
    os.environ (read_env of a .env file would otherwise leak into the other tests)."""
    monkeypatch.setattr(environ.Env, "ENVIRON", {**environ.Env.ENVIRON, **variables})
    return runpy.run_path(str(BASE_SETTINGS))


@pytest.fixture(scope="module")
def moto_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(moto_endpoint, monkeypatch, settings):
    """A fresh bucket, and the default storage built from MEDIA_S3_* pointing at it."""
    name = f"portal-media-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1",
                          aws_access_key_id=KEY, aws_secret_access_key=SECRET)
    client.create_bucket(Bucket=name)
    configured = base_settings(monkeypatch, MEDIA_S3_BUCKET=name,
                               MEDIA_S3_ENDPOINT_URL=moto_endpoint, MEDIA_S3_ACCESS_KEY=KEY,
                               MEDIA_S3_SECRET_KEY=SECRET, MEDIA_S3_PREFIX="")
    # Overriding STORAGES resets django's storage cache and default_storage (setting_changed).
    settings.STORAGES = {**settings.STORAGES, "default": configured["STORAGES"]["default"]}
    assert isinstance(default_storage, S3Storage)
    # FileFields without storage= hold the lazy default_storage, so they follow the override.
    assert GeneratedFile._meta.get_field("file").storage is default_storage

    def keys():
        return sorted(o["Key"] for o in client.list_objects_v2(Bucket=name).get("Contents", []))

    client.keys = keys
    return client


def body(response):
    """The file's bytes. Not `response.close()`: that sends request_finished, whose
    close_old_connections would close the test's own (transactional) database connection."""
    return b"".join(response.streaming_content)


def test_without_a_bucket_media_stays_on_the_local_disk(monkeypatch):
    configured = base_settings(monkeypatch, MEDIA_S3_BUCKET="")
    assert configured["STORAGES"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_production_settings_use_the_bucket_and_keep_whitenoise():
    code = "from django.conf import settings; import json; print(json.dumps(settings.STORAGES))"
    result = manage("shell", "-c", code, env=production_env(
        MEDIA_S3_BUCKET="portal-media", MEDIA_S3_ENDPOINT_URL="http://minio.intranet:9000",
        MEDIA_S3_ACCESS_KEY=KEY, MEDIA_S3_SECRET_KEY=SECRET))
    assert result.returncode == 0, result.stderr
    storages = json.loads(result.stdout.strip().splitlines()[-1])
    media = storages["default"]
    assert media["BACKEND"] == "storages.backends.s3.S3Storage"
    assert media["OPTIONS"] | {"access_key": None, "secret_key": None} == {
        "bucket_name": "portal-media", "endpoint_url": "http://minio.intranet:9000",
        "access_key": None, "secret_key": None, "region_name": "us-east-1", "verify": None,
        "location": "", "addressing_style": "path", "signature_version": "s3v4",
        "default_acl": None, "file_overwrite": False, "querystring_auth": True,
        "querystring_expire": 300}
    assert storages["staticfiles"]["BACKEND"].startswith("whitenoise.")


def test_generated_file_lands_in_the_bucket_and_downloads_only_in_scope(
        bucket, tree, township_admin, other_village_secretary, login):
    job = Job.objects.create(owner=township_admin, kind="export", title="人员导出",
                             scope_org=tree.town_a, params={"capability": "data.export"})
    content = "姓名,村\n李青山,青山村\n".encode()
    generated = save_generated_file(job, "青山镇人员.csv", content)
    assert bucket.keys() == [generated.file.name]
    assert generated.file.name.startswith("generated/")

    url = reverse("portal:download", args=[generated.uuid])
    response = login(township_admin).get(url)
    assert response.status_code == 200
    assert body(response) == content
    assert login(other_village_secretary).get(url).status_code == 404


def test_a_lost_object_is_a_404_not_a_server_error(bucket, tree, login, village_secretary):
    pairing = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                     since=datetime.date(2026, 1, 1), principles=["near"])
    agreement = AnnualAgreement.objects.create(pairing=pairing, year=2026,
                                               status=AgreementStatus.FILED,
                                               signed_scan="agreements/2026/gone.pdf")
    response = login(village_secretary).get(
        reverse("pairing:agreement_scan", args=[agreement.pk]))
    assert response.status_code == 404


def test_replacing_an_agreement_scan_keeps_the_new_object(
        bucket, tree, village_secretary, other_village_secretary, login,
        django_capture_on_commit_callbacks):
    pairing = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                     since=datetime.date(2026, 1, 1), principles=["near"])
    agreement = AnnualAgreement.objects.create(pairing=pairing, year=2026,
                                               status=AgreementStatus.FILED)
    client = login(village_secretary)
    second = PDF.replace(b"<<>>endobj", b"<<>>endobj\n% second scan")
    for content in (PDF, second):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("pairing:agreement_scan_upload", args=[agreement.pk]),
                {"scan": SimpleUploadedFile("scan.pdf", content, "application/pdf")})
        assert response.status_code == 302
    agreement.refresh_from_db()
    # Same chosen name twice: the second gets its own key, and deleting the first after
    # commit leaves the second in place (file_overwrite=False).
    assert bucket.keys() == [agreement.signed_scan.name]

    url = reverse("pairing:agreement_scan", args=[agreement.pk])
    assert body(client.get(url)) == second
    assert login(other_village_secretary).get(url).status_code == 404


def test_evidence_photo_and_thumbnail_round_trip(bucket, tree, village_secretary,
                                                 other_village_secretary, login):
    activity = Activity.objects.create(
        org=tree.village_a1, date=timezone.localdate(), title="义诊", content="村卫生室义诊",
        theme=ActivityTheme.objects.get(code="serve_masses"))
    photo = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(photo, "JPEG")
    [evidence] = do_add_evidence(
        activity, [SimpleUploadedFile("IMG_0001.jpg", photo.getvalue(), "image/jpeg")],
        actor=village_secretary)
    assert bucket.keys() == sorted([evidence.file.name, evidence.thumbnail.name])

    client = login(village_secretary)
    for view, field in (("ledger:evidence_file", evidence.file),
                        ("ledger:evidence_thumbnail", evidence.thumbnail)):
        response = client.get(reverse(view, args=[evidence.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        with field.open("rb") as stored:
            assert body(response) == stored.read()
    assert login(other_village_secretary).get(
        reverse("ledger:evidence_file", args=[evidence.pk])).status_code == 404
