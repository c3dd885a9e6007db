from django import forms

from tracker.validators import validate_multiline_text


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label="I understand that this erases my incidents, contacts and reminders for good.",
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.has_usable_password() or not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="password")
        return password


class CoachInviteForm(forms.Form):
    email = forms.EmailField(label="Your coach's email", max_length=254)
    share_contacts = forms.BooleanField(
        label="Share contact details with my coach (names, emails and phone numbers of the "
        "people you contacted)",
        required=False,
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Comment",
        max_length=2000,
        validators=[validate_multiline_text],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
