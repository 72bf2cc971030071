"""Locust users of the month-end load benchmark (run by benchmarks/load_monthend.py, which
writes the plan this file reads from LOAD_PLAN: accounts, ids and the run's tag).

The month-end mix: village secretaries log activities with a photo, talents claim needs (all
of them race for the last place of one need), township admins confirm what waits in their
queue, county staff read the home page and the three compliance matrices. The saturation
users (one page each, every client on it) measure a page's throughput against /healthz's.
"""

import io
import json
import os
import re
import uuid

from locust import HttpUser, between, constant, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())
POSTED = []  # tags of activities the server answered with their new page: each must exist once
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
QUEUED = re.compile(r'name="ids" value="(\d+)"')
DETAIL = re.compile(r"/ledger/(\d+)/$")


def _jpeg():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 40, 40)).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


PHOTO = _jpeg()


class SignedIn(HttpUser):
    """Signs in as the next account of its kind from the plan, then keeps the session."""

    abstract = True
    accounts_key = ""
    _next = {}

    def on_start(self):
        """Each client takes its own signed-in session, made by the driver in the session store
        (so the run measures pages, not password hashing)."""
        accounts = PLAN[self.accounts_key]
        index = SignedIn._next.get(self.accounts_key, 0)
        SignedIn._next[self.accounts_key] = index + 1
        self.account = accounts[index % len(accounts)]
        self.client.cookies.set("sessionid", self.account["session"])

    def token(self, url, name):
        page = self.client.get(url, name=name)
        match = CSRF.search(page.text)
        return page, (match.group(1) if match else "")


class VillageSecretary(SignedIn):
    """Logs an activity of this month with a photo: half saved as drafts, half submitted."""

    accounts_key = "secretaries"
    fixed_count = 6
    wait_time = between(0.5, 1.5)

    @task
    def log_activity(self):
        _, token = self.token("/ledger/new/", "活动登记表单")
        tag = f"{PLAN['tag']}-{uuid.uuid4().hex[:12]}"
        action = "submit" if len(tag) % 2 else "draft"
        data = {"csrfmiddlewaretoken": token, "org": self.account["org"], "date": PLAN["today"],
                "theme": PLAN["theme"], "title": tag, "place": "村委会",
                "content": "月底集中登记：入户走访、政策宣讲。", "outcome": "",
                "beneficiaries": "12", "funds": "0", "action": action,
                PLAN["no_evidence_flag"]: "1"}
        with self.client.post("/ledger/new/", name="登记活动（含照片）", data=data,
                              files={"files": ("现场.jpg", PHOTO, "image/jpeg")},
                              allow_redirects=False, catch_response=True) as answer:
            if answer.status_code == 302 and DETAIL.search(answer.headers.get("Location", "")):
                POSTED.append(tag)
                answer.success()
            else:
                answer.failure(f"not saved: {answer.status_code}")

    @task(2)
    def my_ledger(self):
        self.client.get("/ledger/", name="台账列表")


class Talent(SignedIn):
    """Races for the last place of one need, then reads the board and their claims."""

    accounts_key = "talents"
    fixed_count = 4
    wait_time = between(0.5, 1.5)

    def on_start(self):
        super().on_start()
        url = f"/pairing/needs/{PLAN['race_need']}/"
        _, token = self.token(url, "需求详情")
        with self.client.post(f"{url}claim/", name="认领最后一个名额", allow_redirects=False,
                              data={"csrfmiddlewaretoken": token},
                              catch_response=True) as answer:
            if answer.status_code == 302:
                answer.success()  # taken, or refused with a message once it is gone: both fine
            else:
                answer.failure(f"claim answered {answer.status_code}")

    @task(3)
    def board(self):
        self.client.get("/pairing/needs/", name="需求认领大厅")

    @task
    def mine(self):
        self.client.get("/pairing/needs/mine/", name="我的认领")


class TownshipAdmin(SignedIn):
    """Confirms the first page of the 待确认 queue at once."""

    accounts_key = "township_admins"
    fixed_count = 3
    wait_time = between(1, 2)

    @task
    def confirm_queue(self):
        page, token = self.token("/ledger/to-confirm/", "待确认队列")
        ids = QUEUED.findall(page.text)[:20]
        if not ids:
            return
        with self.client.post("/ledger/to-confirm/confirm/", name="批量确认",
                              data={"csrfmiddlewaretoken": token, "ids": ids},
                              allow_redirects=False, catch_response=True) as answer:
            if answer.status_code in (302, 200):
                answer.success()
            else:
                answer.failure(f"batch confirm answered {answer.status_code}")


class CountyStaff(SignedIn):
    """The county office at month end: the home page and the three compliance matrices."""

    accounts_key = "county"
    fixed_count = 3
    wait_time = between(1, 2)

    @task(2)
    def home(self):
        self.client.get("/", name="县级首页")

    @task
    def orgs(self):
        self.client.get("/ledger/compliance/orgs/", name="合规：组织")

    @task
    def talents(self):
        self.client.get("/ledger/compliance/talents/", name="合规：人才")

    @task
    def units(self):
        self.client.get("/ledger/compliance/units/", name="合规：单位")


def saturating(label, url, signed_in=True):
    """A user class that requests `url` back to back (every client on one page)."""
    base = SignedIn if signed_in else HttpUser

    class Saturate(base):
        abstract = False
        accounts_key = "county"
        wait_time = constant(0)

        @task
        def hit(self):
            self.client.get(url, name=label)

    Saturate.__name__ = f"Saturate_{label}"
    return Saturate


HealthzOnly = saturating("/healthz", "/healthz", signed_in=False)
HomeOnly = saturating("县级首页", "/")
OrgsOnly = saturating("合规：组织", "/ledger/compliance/orgs/")
TalentsOnly = saturating("合规：人才", "/ledger/compliance/talents/")
UnitsOnly = saturating("合规：单位", "/ledger/compliance/units/")


@events.test_stop.add_listener
def _write_outcome(environment, **kwargs):
    path = os.environ.get("LOAD_OUTCOME")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"posted": POSTED}, out)
