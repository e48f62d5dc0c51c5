"""Every page of the application. Each view outside sign-in is guarded by `roles.requires`
(tests/web/test_web_roles.py checks that none is left unguarded)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from orchestration.web.views import (
    coordinator,
    eligible,
    family,
    home,
    quality,
    review,
    second_factor,
    subject_access,
)

urlpatterns = [
    path("", home.home, name="home"),
    path("sign-in/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("sign-in/code/", second_factor.token_page, name="sign_in_token"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("families/", eligible.eligible_list, name="eligible_list"),
    path("families/export.csv", eligible.export_csv, name="export_csv"),
    path("families/export.xlsx", eligible.export_xlsx, name="export_xlsx"),
    path("families/<str:family_id>/", family.family_page, name="family"),
    path("review/", review.review_queue, name="review_queue"),
    path("review/pair/", review.review_pair, name="review_pair"),
    path("review/undo/<int:decision_id>/", review.undo_decision, name="review_undo"),
    path("quality/", quality.quality_home, name="quality_home"),
    path("quality/<str:agency>/", quality.quality_report, name="quality_report"),
    path("audit/", coordinator.audit_home, name="audit_home"),
    path("users/", coordinator.users_page, name="users"),
    path("subject-access/", subject_access.subject_access_page, name="subject_access"),
    # Django's admin: superusers only (made with `manage.py createsuperuser`, never by default).
    path("admin/", admin.site.urls),
]

if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))

handler403 = "orchestration.web.views.errors.forbidden"
