from bachata.api.routing import api_path

from . import views

urlpatterns = [
    api_path("choreography/generate", views.GenerateView.as_view(), "choreography-generate"),
    api_path("choreography/tasks", views.TaskListView.as_view(), "task-list"),
    api_path("choreography/tasks/<str:task_id>", views.TaskDetailView.as_view(), "task-detail"),
    api_path("tasks/<str:task_id>", views.TaskDetailView.as_view(), "task-detail-alias"),
    api_path("choreography/tasks/<str:task_id>/retry", views.TaskRetryView.as_view(), "task-retry"),
    api_path("choreography/tasks/<str:task_id>/events", views.TaskEventsView.as_view(), "task-events"),
    api_path("choreography/tasks/<str:task_id>/video", views.TaskMediaView.as_view(), "task-video"),
    api_path(
        "choreography/tasks/<str:task_id>/thumbnail", views.TaskThumbnailView.as_view(), "task-thumbnail"
    ),
]
