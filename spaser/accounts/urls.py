from django.contrib.auth import views as auth_views
from django.urls import path

from spaser.accounts import views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mon-compte/", views.profile_view, name="profile"),
    path("mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path("mot-de-passe-oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe-oublie/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reinitialisation/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"
    ),
    path(
        "reinitialisation/terminee/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("organisation/changer/", views.organisation_switch_view, name="organisation_switch"),
    path("organisation/", views.organisation_view, name="organisation"),
    path("organisation/modifier/", views.organisation_edit_view, name="organisation_edit"),
    path("organisation/directions/ajouter/", views.direction_create_view, name="direction_create"),
    path("organisation/membres/ajouter/", views.member_create_view, name="member_create"),
    path("organisation/roles/<int:pk>/retirer/", views.membership_delete_view, name="membership_delete"),
]
