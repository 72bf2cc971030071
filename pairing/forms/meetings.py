"""Forms of the joint meetings (联席会议): the record form and the missing-meetings filter."""

from django import forms
from django.utils import timezone

from pairing.models import JointMeeting
from pairing.services.meetings import MINUTES_MAX_BYTES
from portal.models import Person
from portal.uploads import DOCUMENT_FORMATS, validate_upload


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.position}）" if obj.position else obj.name


def people_of(org):
    return (Person.objects.filter(home_org__path__startswith=org.path, is_active=True)
            .only("id", "name", "position").order_by("name", "id"))


class JointMeetingForm(forms.ModelForm):
    """Chairs are narrowed to the pairing's two sides: the unit and the village."""

    unit_chair = PersonChoiceField(label="主持人（名誉村长）", required=False,
                                   queryset=Person.objects.none())
    village_chair = PersonChoiceField(label="主持人（村党组织负责人）", required=False,
                                      queryset=Person.objects.none())
    minutes = forms.FileField(label="会议纪要", required=False,
                              help_text="可选，PDF、JPEG 或 PNG，不超过 10 MB。",
                              widget=forms.FileInput(
                                  attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))

    class Meta:
        model = JointMeeting
        fields = ["date", "place", "unit_chair", "village_chair", "attendees", "topics",
                  "decisions", "minutes"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "attendees": forms.Textarea(attrs={"rows": 2}),
            "topics": forms.Textarea(attrs={"rows": 3}),
            "decisions": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, pairing, **kwargs):
        super().__init__(*args, **kwargs)
        self.pairing = pairing
        self.fields["unit_chair"].queryset = people_of(pairing.city_org)
        self.fields["village_chair"].queryset = people_of(pairing.village_org)
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        if not self.instance.pk:
            self.initial.setdefault("unit_chair", pairing.honorary_head_id)
            self.initial.setdefault("village_chair", pairing.village_org.secretary_id)

    def clean_minutes(self):
        minutes = self.cleaned_data.get("minutes")
        if minutes and hasattr(minutes, "content_type"):  # a new upload, not the stored file
            validate_upload(minutes, formats=DOCUMENT_FORMATS, max_bytes=MINUTES_MAX_BYTES)
            return minutes
        return None

    def service_fields(self):
        """The cleaned values the service takes; `minutes` only when a new file came."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "minutes"}
        if self.cleaned_data.get("minutes"):
            data["minutes"] = self.cleaned_data["minutes"]
        return data


def current_half():
    today = timezone.localdate()
    return today.year, 1 if today.month <= 6 else 2
