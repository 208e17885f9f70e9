from django.urls import path

from parcours.accounts import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("verification/", views.SecondFactorVerifyView.as_view(), name="two_factor_verify"),
    path("double-authentification/", views.SecondFactorEnrolView.as_view(), name="two_factor_enrol"),
    path("securite/", views.SecurityView.as_view(), name="security"),
    path("securite/codes-de-secours/", views.RecoveryCodesView.as_view(), name="recovery_codes"),
    path("mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path("oidc/connexion/", views.OIDCLoginView.as_view(), name="oidc_login"),
    path("oidc/retour/", views.OIDCCallbackView.as_view(), name="oidc_callback"),
]
