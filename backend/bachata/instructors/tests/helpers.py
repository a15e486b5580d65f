"""Shared by the instructors tests: URLs and the stored order of a plan."""

from bachata.instructors.models import ClassPlanSequence

PLANS = "/api/instructors/class-plans"
DASHBOARD = "/api/instructors/dashboard"


def plan_url(plan, suffix: str = "") -> str:
    return f"{PLANS}/{plan.pk}{suffix}"


def sequence_url(sequence, suffix: str = "") -> str:
    return f"{PLANS}/{sequence.class_plan_id}/sequences/{sequence.pk}{suffix}"


def orders_of(plan) -> list[tuple[str, int]]:
    """(sequence id, stored order) as the database holds them, in order."""
    return [
        (str(pk), order)
        for pk, order in ClassPlanSequence.objects.filter(class_plan=plan)
        .order_by("sequence_order")
        .values_list("id", "sequence_order")
    ]


def ids_in_order(plan) -> list[str]:
    return [pk for pk, _ in orders_of(plan)]
