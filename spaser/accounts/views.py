from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from spaser.accounts import login_guard, services
from spaser.accounts.enums import Role
from spaser.accounts.forms import DirectionForm, EmailAuthenticationForm, MemberCreateForm, OrganisationForm
from spaser.accounts.middleware import SESSION_KEY
from spaser.accounts.models import Membership, User
from spaser.core.client_ip import client_ip
from spaser.core.decorators import role_required
from spaser.core.forms import apply_validation_error


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset_body.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        allowed = login_guard.password_reset_allowed(email=form.cleaned_data["email"], address=client_ip(self.request))
        if allowed:
            return super().form_valid(form)
        # Beyond the limit nothing is sent, and the page says what it says when something is.
        return redirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, "Votre mot de passe a été modifié.")
        return super().form_valid(form)


@role_required()
def profile_view(request):
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("organisation", "direction")
        .order_by("organisation__name", "role")
    )
    return render(request, "accounts/profile.html", {"memberships": memberships})


@require_POST
@role_required()
def organisation_switch_view(request):
    wanted = request.POST.get("organisation")
    if any(str(organisation.pk) == wanted for organisation in request.organisations):
        request.session[SESSION_KEY] = int(wanted)
        messages.success(request, "Organisation changée.")
    else:
        messages.error(request, "Vous n'êtes pas membre de cette organisation.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "core:home"
    return redirect(next_url)


@role_required(Role.ADMIN)
def organisation_view(request):
    organisation = request.organisation
    members = (
        User.objects.filter(memberships__organisation=organisation)
        .distinct()
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(organisation=organisation).select_related("direction"),
                to_attr="organisation_memberships",
            )
        )
        .order_by("last_name", "first_name", "email")
    )
    return render(
        request,
        "accounts/organisation.html",
        {"organisation": organisation, "directions": organisation.directions.all(), "members": members},
    )


@role_required(Role.ADMIN)
def organisation_edit_view(request):
    organisation = request.organisation
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(organisation=organisation, data=form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Les informations de l'organisation ont été enregistrées.")
            return redirect("accounts:organisation")
    return render(request, "accounts/organisation_edit.html", {"form": form})


@role_required(Role.ADMIN)
def direction_create_view(request):
    form = DirectionForm(request.POST or None, organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.direction_create(
                organisation=request.organisation, code=form.cleaned_data["code"], name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "La direction a été ajoutée.")
            return redirect("accounts:organisation")
    return render(request, "accounts/direction_form.html", {"form": form})


@role_required(Role.ADMIN)
def member_create_view(request):
    form = MemberCreateForm(request.POST or None, organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_create(organisation=request.organisation, request=request, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Le compte a été créé ; un lien pour choisir un mot de passe a été envoyé.")
            return redirect("accounts:organisation")
    return render(request, "accounts/member_form.html", {"form": form})


@require_POST
@role_required(Role.ADMIN)
def membership_delete_view(request, pk):
    membership = get_object_or_404(Membership.objects.of_organisation(request.organisation), pk=pk)
    try:
        services.membership_remove(membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Le rôle a été retiré.")
    return redirect("accounts:organisation")
