"""The row tags {% status_badge %} and {% action_buttons %}, built in Python (portal_tags):
the same HTML the inclusion templates rendered, escaped."""

from django.template import Context, Template
from django.template.defaulttags import CsrfTokenNode
from django.test import SimpleTestCase

from portal.templatetags.portal_tags import _action_form
from portal.workflow import Transition

# The inclusion template the forms were rendered with before (portal/_action_buttons.html).
OLD_FORM = Template(
    '<form method="post" action="{{ url }}" class="d-inline-block me-1 mb-1"'
    '{% if t.confirm %} data-confirm="{{ t.confirm }}"{% endif %}>{% csrf_token %}'
    '{% if next_url %}<input type="hidden" name="next" value="{{ next_url }}">{% endif %}'
    '{% if t.reason_field %}'
    '<div class="input-group{% if size %} input-group-{{ size }}{% endif %}">'
    '<input type="text" name="{{ t.reason_field }}" class="form-control" required maxlength="300"'
    ' placeholder="{{ t.label }}原因" aria-label="{{ t.label }}原因">'
    '<button type="submit" class="btn btn-outline-{{ t.style }}">{% if t.icon %}'
    '<i class="bi bi-{{ t.icon }}"></i> {% endif %}{{ t.label }}</button></div>{% else %}'
    '<button type="submit" class="btn btn-{{ t.style }}{% if size %} btn-{{ size }}{% endif %}">'
    '{% if t.icon %}<i class="bi bi-{{ t.icon }}"></i> {% endif %}{{ t.label }}</button>'
    '{% endif %}</form>')

TRANSITIONS = [
    Transition("approve", "同意", {"pending"}, "ledger.reopen", url_name="x"),
    Transition("reject", "不同意", {"pending"}, "ledger.reopen", url_name="x", style="danger",
               icon="x-circle", confirm="确定不同意吗？", reason_field="note"),
    Transition("withdraw", "撤回<b>", {"pending"}, "ledger.reopen", url_name="x",
               style="secondary", icon="arrow-counterclockwise", confirm='"引号" & 符号'),
]


class ActionFormTests(SimpleTestCase):
    def test_same_html_as_the_inclusion_template(self):
        for transition in TRANSITIONS:
            for next_url in ("", "/ledger/reopen-requests/?page=2&q=a"):
                for size in ("", "sm"):
                    for token in ("tok123", None):
                        with self.subTest(t=transition.name, next=next_url, size=size,
                                          token=token):
                            expected = OLD_FORM.render(Context({
                                "t": transition, "url": "/a/1/", "next_url": next_url,
                                "size": size, "csrf_token": token}))
                            csrf = CsrfTokenNode().render(Context({"csrf_token": token}))
                            built = _action_form(transition, "/a/1/", csrf, next_url, size)
                            self.assertHTMLEqual(built, expected)

    def test_labels_and_questions_are_escaped(self):
        built = _action_form(TRANSITIONS[2], "/a/1/", "", "", "")
        self.assertIn("撤回&lt;b&gt;", built)
        self.assertIn('data-confirm="&quot;引号&quot; &amp; 符号"', built)
        self.assertNotIn("<b>", built)


class StatusBadgeTests(SimpleTestCase):
    def test_badge_of_a_workflow_object(self):
        from ledger.models import ReopenRequest

        request = ReopenRequest(status="pending")
        html = Template("{% load portal_tags %}{% status_badge r %}").render(
            Context({"r": request}))
        label, colour = ReopenRequest.workflow.badge(request)
        self.assertHTMLEqual(html, f'<span class="badge text-bg-{colour}">{label}</span>')
