from bachata.api.routing import api_path

from . import views

PLAN = "instructors/class-plans/<uuid:id>"

urlpatterns = [
    api_path("instructors/dashboard", views.DashboardView.as_view(), "instructor-dashboard"),
    api_path("instructors/class-plans", views.ClassPlanListView.as_view(), "class-plan-list"),
    api_path(PLAN, views.ClassPlanDetailView.as_view(), "class-plan-detail"),
    api_path(f"{PLAN}/duplicate", views.ClassPlanDuplicateView.as_view(), "class-plan-duplicate"),
    api_path(f"{PLAN}/summary", views.ClassPlanSummaryView.as_view(), "class-plan-summary"),
    api_path(f"{PLAN}/export", views.ClassPlanExportView.as_view(), "class-plan-export"),
    api_path(f"{PLAN}/sequences", views.SequenceListView.as_view(), "class-plan-sequences"),
    api_path(
        f"{PLAN}/sequences/reorder", views.SequenceReorderView.as_view(), "class-plan-sequences-reorder"
    ),
    api_path(
        f"{PLAN}/sequences/<uuid:sequence_id>",
        views.SequenceDetailView.as_view(),
        "class-plan-sequence-detail",
    ),
]
