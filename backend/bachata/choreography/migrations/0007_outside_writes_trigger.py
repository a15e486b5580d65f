# Every write to choreography_tasks that the ledger did not make is recorded in task_events when it happens,
# by the database itself, in the writer's own transaction (issue 8; docs/architecture.md, "Writes from outside
# the ledger"). The ledger marks each of its own row writes with a one-shot, transaction-local token
# (set_config('bachata.ledger_write', <task id>, true)) that the trigger consumes.
#
# An outside write is
# - refused and recorded as `outside_write_refused` (the row keeps its projected columns) when the task is the
#   new system's (its history has events other than adoptions), or when it would take a task out of
#   `completed`: nothing leaves completed, and only the ledger moves a task the ledger runs (the legacy stuck
#   cleanup cannot kill a live job, a stale save cannot undo a result);
# - otherwise applied and recorded as `adopted` with the columns it wrote (legacy tasks keep working exactly
#   as the legacy app expects, and fold(events) == columns after every write).
from django.db import migrations, models

COLUMNS = ("status", "progress", "stage", "message", "result", "error", "job_execution_name")


def _json(record: str) -> str:
    return "jsonb_build_object(" + ", ".join(f"'{c}', {record}.{c}" for c in COLUMNS) + ")"


def _tuple(record: str) -> str:
    return "(" + ", ".join(f"{record}.{c}" for c in COLUMNS) + ")"


FUNCTION = f"""
CREATE OR REPLACE FUNCTION bachata_task_outside_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq integer;
    last_attempt integer;
    owned boolean;
BEGIN
    IF current_setting('bachata.ledger_write', true) = NEW.task_id THEN
        PERFORM set_config('bachata.ledger_write', '', true);  -- one write per token
        RETURN NEW;
    END IF;

    IF TG_OP = 'INSERT' THEN
        -- A task created outside the ledger (the legacy app): its history starts with what it wrote.
        INSERT INTO task_events (task_id, seq, type, payload, attempt, actor, created_at, projection_digest)
        SELECT NEW.task_id, COALESCE(max(seq), 0) + 1, 'adopted',
               jsonb_build_object('reason', 'outside_insert', 'columns', {_json("NEW")}),
               COALESCE(max(attempt), 1), 'outside', clock_timestamp(), ''
        FROM task_events WHERE task_id = NEW.task_id;
        RETURN NEW;
    END IF;

    IF {_tuple("NEW")} IS NOT DISTINCT FROM {_tuple("OLD")} THEN
        RETURN NEW;  -- no projected column changed: nothing for the history
    END IF;

    SELECT seq, attempt INTO last_seq, last_attempt
    FROM task_events WHERE task_id = OLD.task_id ORDER BY seq DESC LIMIT 1;
    IF last_seq IS NULL THEN
        -- A legacy task written for the first time since the ledger exists: record what it was first.
        INSERT INTO task_events (task_id, seq, type, payload, attempt, actor, created_at, projection_digest)
        VALUES (OLD.task_id, 1, 'adopted', jsonb_build_object('reason', 'first_touch', 'columns', {_json("OLD")}),
                1, 'outside', clock_timestamp(), '');
        last_seq := 1;
        last_attempt := 1;
    END IF;
    owned := EXISTS (
        SELECT 1 FROM task_events
        WHERE task_id = OLD.task_id AND type NOT IN ('adopted', 'outside_write_refused')
    );

    IF owned OR (OLD.status = 'completed' AND NEW.status <> 'completed') THEN
        INSERT INTO task_events (task_id, seq, type, payload, attempt, actor, created_at, projection_digest)
        VALUES (OLD.task_id, last_seq + 1, 'outside_write_refused',
                jsonb_build_object(
                    'reason', CASE WHEN OLD.status = 'completed' THEN 'completed' ELSE 'ledger_task' END,
                    'attempted', {_json("NEW")},
                    'columns', {_json("OLD")}),
                last_attempt, 'outside', clock_timestamp(), '');
        {" ".join(f"NEW.{c} := OLD.{c};" for c in COLUMNS)}
        NEW.updated_at := OLD.updated_at;
        RETURN NEW;
    END IF;

    INSERT INTO task_events (task_id, seq, type, payload, attempt, actor, created_at, projection_digest)
    VALUES (OLD.task_id, last_seq + 1, 'adopted',
            jsonb_build_object('reason', 'outside_write', 'columns', {_json("NEW")}),
            last_attempt, 'outside', clock_timestamp(), '');
    RETURN NEW;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER choreography_tasks_outside_update BEFORE UPDATE ON choreography_tasks
    FOR EACH ROW EXECUTE FUNCTION bachata_task_outside_write();
CREATE TRIGGER choreography_tasks_outside_insert AFTER INSERT ON choreography_tasks
    FOR EACH ROW EXECUTE FUNCTION bachata_task_outside_write();
"""

DROP = """
DROP TRIGGER IF EXISTS choreography_tasks_outside_update ON choreography_tasks;
DROP TRIGGER IF EXISTS choreography_tasks_outside_insert ON choreography_tasks;
DROP FUNCTION IF EXISTS bachata_task_outside_write();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("choreography", "0006_legacy_deletes_reach_new_tables"),
    ]

    operations = [
        migrations.AlterField(
            model_name="taskevent",
            name="actor",
            field=models.CharField(
                choices=[
                    ("api", "API"),
                    ("job", "Video job"),
                    ("admin", "Admin"),
                    ("system", "System"),
                    ("outside", "Outside the ledger (legacy app, SQL)"),
                ],
                max_length=16,
            ),
        ),
        migrations.RunSQL(sql=FUNCTION + TRIGGERS, reverse_sql=DROP),
    ]
