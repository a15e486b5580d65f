"""docs/deploy/ checked offline: the Cloud Run definitions as deploy.sh fills them in (`--render-to`), the
commands deploy.sh and iam.sh would run (`--dry-run`, and for real against stand-ins of gcloud/curl on PATH),
and the requests the API's Cloud Run launcher sends, compared with what the definitions and IAM declare.

No cloud is reachable from here: what this cannot check is whether Google accepts the files (field names are
those of `gcloud run services/jobs replace`, see docs/deploy.md)."""

import os
import re
import shlex
import shutil
import subprocess
import textwrap
from pathlib import Path

import dj_database_url
import pytest
import yaml

from bachata.choreography.ledger.append import task_history_start
from bachata.choreography.tests.test_launchers import CloudRunPeer

from .test_deployment_files import REPO_ROOT, documented_settings

DEPLOY = REPO_ROOT / "docs" / "deploy"
SCRIPTS = ["deploy.sh", "iam.sh"]
DEFINITIONS = ["api-service", "spa-service", "videojob-job", "migrate-job", "reaper-job"]
IMAGE_OF = {
    "api-service": "api",
    "migrate-job": "api",
    "reaper-job": "api",
    "videojob-job": "videojob",
    "spa-service": "frontend",
}
# Set by the platform or the images, not settings of .env.example; the SPA's are nginx template variables.
PLATFORM_VARIABLES = {"WEB_CONCURRENCY", "PORT"}
SPA_VARIABLES = {"API_ORIGIN", "MEDIA_ORIGIN"}


def env_file() -> dict[str, str]:
    pairs = re.findall(r"^([A-Z_]+)=(.*)$", (DEPLOY / "production.env").read_text(), flags=re.MULTILINE)
    return dict(pairs)


ENV = env_file()
PROJECT = ENV["PROJECT_ID"]


def commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    ).stdout.strip()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("rendered")
    result = subprocess.run(
        ["bash", str(DEPLOY / "deploy.sh"), "--render-to", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr
    return {name: yaml.safe_load((out / f"{name}.rendered.yaml").read_text()) for name in DEFINITIONS}


def pod_spec(definition: dict) -> dict:
    """The revision's (service) or the task's (job) spec: where the containers and the account are."""
    if definition["kind"] == "Service":
        return definition["spec"]["template"]["spec"]
    return definition["spec"]["template"]["spec"]["template"]["spec"]


def revision_annotations(definition: dict) -> dict:
    return definition["spec"]["template"]["metadata"].get("annotations", {})


def container(definition: dict) -> dict:
    (only,) = pod_spec(definition)["containers"]
    return only


def env_of(definition: dict) -> dict[str, dict]:
    return {item["name"]: item for item in container(definition).get("env", [])}


def secrets_of(definition: dict) -> dict[str, str]:
    return {
        item["valueFrom"]["secretKeyRef"]["name"]: item["valueFrom"]["secretKeyRef"]["key"]
        for item in env_of(definition).values()
        if "valueFrom" in item
    }


def account_of(definition: dict) -> str:
    return pod_spec(definition)["serviceAccountName"].split("@")[0]


def dry_run(script: str, *args: str, env: dict | None = None) -> list[list[str]]:
    result = subprocess.run(
        ["bash", str(DEPLOY / script), *args, "--dry-run"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        env=env or os.environ,
    )
    assert result.returncode == 0, result.stderr
    return [shlex.split(line) for line in result.stdout.splitlines() if line.strip()]


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


@pytest.fixture(scope="module")
def iam() -> list[list[str]]:
    return dry_run("iam.sh", "accounts") + dry_run("iam.sh", "job-bindings")


def grants(iam: list[list[str]], kind: str) -> list[tuple[str, str, str]]:
    """(resource, account, role) of one kind of binding: projects, secrets, buckets, jobs, service-accounts."""
    found = []
    for command in iam:
        if "add-iam-policy-binding" not in command:
            continue
        where = command[command.index("add-iam-policy-binding") - 1]
        if where == kind or (kind == "service-accounts" and command[1:3] == ["iam", "service-accounts"]):
            resource = command[command.index("add-iam-policy-binding") + 1]
            member = option(command, "--member").removeprefix("serviceAccount:").split("@")[0]
            found.append((resource, member, option(command, "--role")))
    return found


def custom_role_permissions(iam: list[list[str]]) -> dict[str, set[str]]:
    return {
        f"projects/{PROJECT}/roles/{command[4]}": set(option(command, "--permissions").split(","))
        for command in iam
        if command[:4] == ["gcloud", "iam", "roles", "create"]
    }


# ---------------------------------------------------------------------------------------------- the scripts


@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_parse_and_pass_shellcheck(script):
    path = DEPLOY / script
    assert os.access(path, os.X_OK), f"{script} is not executable"
    syntax = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    lint = subprocess.run(
        [shellcheck, "-x", path.name], capture_output=True, text=True, cwd=DEPLOY, timeout=60
    )
    assert lint.returncode == 0, lint.stdout


# ---------------------------------------------------------------------------------------------- definitions


def test_every_definition_runs_as_its_own_user_managed_account(rendered):
    accounts = {name: pod_spec(definition)["serviceAccountName"] for name, definition in rendered.items()}
    for name, account in accounts.items():
        assert account.endswith(f"@{PROJECT}.iam.gserviceaccount.com"), name
        assert "compute@developer" not in account and "appspot" not in account, name
    assert len(set(accounts.values())) == len(accounts)  # one per service/job


def test_images_come_from_artifact_registry_tagged_by_the_commit(rendered):
    registry = f"{ENV['REGION']}-docker.pkg.dev/{PROJECT}/{ENV['AR_REPOSITORY']}"
    for name, definition in rendered.items():
        assert container(definition)["image"] == f"{registry}/{IMAGE_OF[name]}:{commit()}", name
    for path in DEPLOY.glob("*.yaml"):
        assert ":latest" not in path.read_text(), path.name


def test_secrets_come_from_secret_manager_pinned_to_versions(rendered):
    for name, definition in rendered.items():
        for secret, version in secrets_of(definition).items():
            assert re.fullmatch(r"[1-9][0-9]*", version), f"{name}: {secret} is not pinned ({version!r})"
    for name in ("api-service", "videojob-job", "migrate-job", "reaper-job"):
        assert {"bachata-database-url", "bachata-django-secret-key"} <= set(secrets_of(rendered[name])), name
        env = env_of(rendered[name])
        assert env["DJANGO_REQUIRE_SECRET_KEY"]["value"] == "1" and env["DJANGO_DEBUG"]["value"] == "0"
    assert secrets_of(rendered["spa-service"]) == {}


def test_deploy_refuses_latest_secret_versions(tmp_path):
    config = (
        (DEPLOY / "production.env")
        .read_text()
        .replace("SECRET_VERSION_DATABASE_URL=1", "SECRET_VERSION_DATABASE_URL=latest")
    )
    (tmp_path / "bad.env").write_text(config)
    result = subprocess.run(
        [
            "bash",
            str(DEPLOY / "deploy.sh"),
            "--env-file",
            str(tmp_path / "bad.env"),
            "--render-to",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert (
        result.returncode != 0
        and "SECRET_VERSION_DATABASE_URL must be a secret version number" in result.stderr
    )


def test_the_database_is_cloud_sql_for_everything_but_the_spa(rendered):
    connection = f"{PROJECT}:{ENV['REGION']}:{ENV['CLOUD_SQL_INSTANCE']}"
    for name, definition in rendered.items():
        annotation = revision_annotations(definition).get("run.googleapis.com/cloudsql-instances")
        assert annotation == (None if name == "spa-service" else connection), name
    # the secret's value, as docs/deploy.md writes it, reaches the socket Cloud Run mounts
    url = f"postgres://bachata:pw@%2Fcloudsql%2F{connection.replace(':', '%3A')}/bachata_buddy"
    parsed = dj_database_url.parse(url)
    assert (parsed["HOST"], parsed["NAME"]) == (f"/cloudsql/{connection}", "bachata_buddy")


def test_the_video_job_has_its_limits_timeout_and_retries(rendered):
    job = rendered["videojob-job"]
    task = pod_spec(job)
    assert container(job)["resources"]["limits"] == {"cpu": "4", "memory": "4Gi"}
    assert task["timeoutSeconds"] == 3600
    assert task["maxRetries"] == 3
    assert job["spec"]["template"]["spec"]["taskCount"] == 1
    # the job records a transient failure on its last attempt: it must know how many there are
    assert int(env_of(job)["JOB_MAX_ATTEMPTS"]["value"]) == task["maxRetries"] + 1
    # what the API asks per execution fits the job's own limit
    api = env_of(rendered["api-service"])
    assert int(api["CLOUD_RUN_TASK_TIMEOUT_SECONDS"]["value"]) == task["timeoutSeconds"]


def test_migrate_and_reaper_run_manage_py_from_the_api_image(rendered):
    assert container(rendered["migrate-job"])["command"] == [
        "python",
        "backend/manage.py",
        "migrate",
        "--no-input",
    ]
    assert container(rendered["reaper-job"])["command"] == ["python", "backend/manage.py", "ledger_reap"]
    for name in ("migrate-job", "reaper-job"):
        assert pod_spec(rendered[name])["maxRetries"] == 0, name


def test_settings_in_the_definitions_are_documented(rendered):
    documented = documented_settings() | PLATFORM_VARIABLES
    for name, definition in rendered.items():
        # the job's per-task contract (empty values, set per execution) is checked against the launcher below
        names = {env for env, item in env_of(definition).items() if item.get("value") != ""}
        unknown = names - (SPA_VARIABLES if name == "spa-service" else documented)
        assert not unknown, f"{name} sets variables .env.example does not document: {sorted(unknown)}"


def test_new_revisions_get_no_traffic_and_a_tag_url(rendered):
    for name in ("api-service", "spa-service"):
        service = rendered[name]
        revision = service["spec"]["template"]["metadata"]["name"]
        assert revision.startswith(f"{service['metadata']['name']}-{commit()}-")
        traffic = service["spec"]["traffic"]
        new = [entry for entry in traffic if entry.get("revisionName") == revision]
        assert new == [{"revisionName": revision, "percent": 0, "tag": "candidate"}], name
        assert sum(entry["percent"] for entry in traffic) == 100
        assert not any(entry.get("latestRevision") for entry in traffic), name


def test_the_spa_proxies_to_the_api_service_and_allows_signed_media(rendered):
    env = env_of(rendered["spa-service"])
    api = rendered["api-service"]["metadata"]["name"]
    assert env["API_ORIGIN"]["value"] == f"https://{api}-000000000000.{ENV['REGION']}.run.app"
    assert env["MEDIA_ORIGIN"]["value"] == "https://storage.googleapis.com"
    hosts = env_of(rendered["api-service"])["DJANGO_ALLOWED_HOSTS"]["value"].split(",")
    assert env["API_ORIGIN"]["value"].removeprefix("https://") in hosts
    trusted = env_of(rendered["api-service"])["CSRF_TRUSTED_ORIGINS"]["value"].split(",")
    assert ENV["PUBLIC_ORIGIN"] in trusted


# ---------------------------------------------------------------------------------------------- deploy order


def test_deploy_migrates_first_then_jobs_then_services_then_traffic():
    commands = [" ".join(command) for command in dry_run("deploy.sh", "--allow-dirty")]

    def first(pattern: str) -> int:
        matches = [i for i, command in enumerate(commands) if re.search(pattern, command)]
        assert matches, pattern
        return matches[0]

    builds = [command for command in commands if command.startswith("docker build")]
    assert len(builds) == 3 and all(f":{commit()} " in command for command in builds)
    migrate = first(r"run jobs replace \S*migrate-job")
    execute = first(r"run jobs execute bachata-migrate .*--wait")
    assert max(i for i, c in enumerate(commands) if c.startswith("docker push")) < migrate < execute
    assert execute < first(r"run jobs replace \S*videojob-job") < first(r"run services replace")
    assert execute < first(r"scheduler jobs create http bachata-reaper-every-minute")
    api_smoke = first(r"curl .*candidate---bachata-api-.*/api/health")
    assert first(r"run services replace \S*api-service") < api_smoke < first(r"update-traffic bachata-api")
    assert first(r"curl .*candidate---bachata-spa-") < first(r"update-traffic")
    moves = [c for c in commands if "update-traffic" in c]
    assert re.fullmatch(
        rf".*update-traffic bachata-api .*--to-revisions bachata-api-{commit()}-\d{{14}}=100", moves[0]
    )


def test_the_reaper_is_scheduled_every_minute_as_its_own_account():
    (schedule,) = [
        c for c in dry_run("deploy.sh", "--allow-dirty") if c[:4] == ["gcloud", "scheduler", "jobs", "create"]
    ]
    assert option(schedule, "--schedule") == "* * * * *"
    assert option(schedule, "--uri") == (
        f"https://run.googleapis.com/v2/projects/{PROJECT}/locations/{ENV['REGION']}/jobs/bachata-reaper:run"
    )
    assert option(schedule, "--http-method") == "POST"
    assert (
        option(schedule, "--oauth-service-account-email")
        == f"bachata-scheduler@{PROJECT}.iam.gserviceaccount.com"
    )


FAKE_GCLOUD = textwrap.dedent(
    """\
    #!/usr/bin/env bash
    # A stand-in for gcloud that logs its arguments and fails where FAIL_ON says.
    echo "gcloud $*" >>"$FAKE_LOG"
    if [[ -n "${FAIL_ON:-}" && "$*" == *"$FAIL_ON"* ]]; then echo "ERROR: $FAIL_ON failed" >&2; exit 1; fi
    case "$*" in
      "projects describe"*) echo 123456789012 ;;
      "run services describe"*) echo '{"status": {"traffic": [{"revisionName": "'"$4"'-old", "percent": 100}]}}' ;;
    esac
    """
)
FAKE_CURL = textwrap.dedent(
    """\
    #!/usr/bin/env bash
    echo "curl $*" >>"$FAKE_LOG"
    if [[ -n "${FAIL_ON:-}" && "$*" == *"$FAIL_ON"* ]]; then exit 22; fi
    echo '{"status":"ok","database":"ok"} <div id="root"></div>'
    """
)


def deploy_with_stand_ins(tmp_path: Path, fail_on: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in {"gcloud": FAKE_GCLOUD, "curl": FAKE_CURL, "sleep": "#!/bin/sh\n"}.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "calls.log"
    result = subprocess.run(
        ["bash", str(DEPLOY / "deploy.sh"), "--allow-dirty", "--skip-build"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "FAKE_LOG": str(log),
            "FAIL_ON": fail_on,
        },
    )
    return result, log.read_text().splitlines()


def test_a_failed_migration_stops_the_deploy_and_changes_nothing_else(tmp_path):
    result, calls = deploy_with_stand_ins(tmp_path, "run jobs execute bachata-migrate")
    assert result.returncode != 0
    assert "the migration failed: nothing else was changed" in result.stderr
    changed = [
        call for call in calls if re.search(r"replace|update-traffic|scheduler jobs (create|update)", call)
    ]
    assert len(changed) == 1 and "migrate-job" in changed[0]


def test_a_failed_smoke_test_leaves_the_traffic_where_it_was(tmp_path):
    result, calls = deploy_with_stand_ins(tmp_path, "candidate---bachata-api-123456789012")
    assert result.returncode != 0 and "traffic was not moved" in result.stderr
    assert any("run services replace" in call for call in calls)
    assert not [call for call in calls if "update-traffic" in call]


def test_a_good_deploy_moves_traffic_and_names_the_revisions_to_roll_back_to(tmp_path):
    result, calls = deploy_with_stand_ins(tmp_path, "")
    assert result.returncode == 0, result.stderr
    moves = [call for call in calls if "update-traffic" in call]
    assert [call.split()[4] for call in moves] == ["bachata-api", "bachata-spa"]
    assert "--to-revisions bachata-api-old=100" in result.stderr  # the rollback command, printed
    assert "--to-revisions bachata-spa-old=100" in result.stderr


# ---------------------------------------------------------------------------------------------- IAM


def test_each_account_holds_only_its_grants(iam, rendered):
    project_roles = {(member, role) for _, member, role in grants(iam, "projects")}
    assert project_roles == {
        ("bachata-api", "roles/cloudsql.client"),
        ("bachata-videojob", "roles/cloudsql.client"),
        ("bachata-migrate", "roles/cloudsql.client"),
        ("bachata-reaper", "roles/cloudsql.client"),
        ("bachata-deployer", "roles/run.developer"),
        ("bachata-deployer", "roles/cloudscheduler.admin"),
    }
    # secrets: exactly those each definition reads, for its own account
    granted = {(secret, member) for secret, member, _ in grants(iam, "secrets")}
    declared = {(secret, account_of(d)) for d in rendered.values() for secret in secrets_of(d)}
    assert granted == declared
    assert {role for _, _, role in grants(iam, "secrets")} == {"roles/secretmanager.secretAccessor"}
    # the bucket's objects for the API and the job only, never the bucket itself
    assert {(m, r) for _, m, r in grants(iam, "buckets")} == {
        ("bachata-api", "roles/storage.objectUser"),
        ("bachata-videojob", "roles/storage.objectUser"),
    }
    assert {r for _, _, r in grants(iam, "service-accounts")} <= {
        "roles/iam.serviceAccountTokenCreator",
        "roles/iam.serviceAccountUser",
    }
    # the API signs URLs only as itself
    assert (
        "bachata-api@" + PROJECT + ".iam.gserviceaccount.com",
        "bachata-api",
        "roles/iam.serviceAccountTokenCreator",
    ) in grants(iam, "service-accounts")
    # the SPA: nothing at all
    assert not [
        g
        for kind in ("projects", "secrets", "buckets", "jobs")
        for g in grants(iam, kind)
        if g[1] == "bachata-spa"
    ]
    every_role = {role for command in iam if "--role" in command for role in [option(command, "--role")]}
    assert not every_role & {"roles/owner", "roles/editor", "roles/run.admin", "roles/storage.admin"}


def test_the_api_may_run_read_and_cancel_the_video_job_only(iam, rendered):
    roles = custom_role_permissions(iam)
    job_grants = grants(iam, "jobs")
    videojob = rendered["videojob-job"]["metadata"]["name"]
    (api_grant,) = [g for g in job_grants if g[1] == "bachata-api"]
    assert api_grant[0] == videojob
    assert {"run.jobs.runWithOverrides", "run.executions.get", "run.executions.cancel"} <= roles[api_grant[2]]
    assert not {p for p in roles[api_grant[2]] if re.search(r"\.(create|update|delete|setIamPolicy)$", p)}
    (reaper_grant,) = [g for g in job_grants if g[1] == "bachata-reaper"]
    assert reaper_grant[0] == videojob and "run.executions.cancel" in roles[reaper_grant[2]]
    assert not {p for p in roles[reaper_grant[2]] if p.startswith("run.jobs.run")}
    (scheduler,) = [g for g in job_grants if g[1] == "bachata-scheduler"]
    assert scheduler == (rendered["reaper-job"]["metadata"]["name"], "bachata-scheduler", "roles/run.invoker")
    assert len(job_grants) == 3


# ---------------------------------------------------------------------------------------------- the launcher


@pytest.fixture
def deployed_launcher(settings, rendered):
    """The API's launcher configured as api-service.yaml configures it, against a Cloud Run REST stand-in."""
    import threading
    from http.server import ThreadingHTTPServer

    CloudRunPeer.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), CloudRunPeer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {name: item.get("value") for name, item in env_of(rendered["api-service"]).items()}
    settings.JOB_LAUNCHER = env["JOB_LAUNCHER"]
    settings.CLOUD_RUN_PROJECT = env["CLOUD_RUN_PROJECT"]
    settings.CLOUD_RUN_REGION = env["CLOUD_RUN_REGION"]
    settings.CLOUD_RUN_JOB = env["CLOUD_RUN_JOB"]
    settings.CLOUD_RUN_TASK_TIMEOUT_SECONDS = int(env["CLOUD_RUN_TASK_TIMEOUT_SECONDS"])
    settings.CLOUD_RUN_API_ENDPOINT = f"http://127.0.0.1:{server.server_port}"
    yield CloudRunPeer
    server.shutdown()


@pytest.mark.django_db(transaction=True)
def test_the_launchers_requests_match_the_job_definition(deployed_launcher, rendered, user):
    from bachata.choreography.cloudrun_launcher import CloudRunJobLauncher
    from bachata.choreography.launcher import job_launch
    from bachata.choreography.models import ChoreographyTask

    task = task_history_start(
        user=user,
        parameters={
            "audio_input": "songs/x.mp3",
            "difficulty": "beginner",
            "style": "sensual",
            "query": "slow",
        },
    )
    assert job_launch(task.pk) == "launched"
    path, body = deployed_launcher.requests[0]
    job = rendered["videojob-job"]
    job_name = f"projects/{PROJECT}/locations/{ENV['REGION']}/jobs/{job['metadata']['name']}"
    assert path == f"/v2/{job_name}:run"
    (override,) = body["overrides"]["containerOverrides"]
    sent = {item["name"] for item in override["env"]}
    contract = {name for name, item in env_of(job).items() if item.get("value") == ""}
    assert sent == contract, f"declared by the job {sorted(contract)}, sent by the API {sorted(sent)}"
    assert {"TASK_ID", "USER_ID", "AUDIO_INPUT", "QUERY", "LEDGER_ATTEMPT"} <= sent
    assert not sent & {
        name for name, item in env_of(job).items() if item.get("value")
    }  # never its configuration
    assert body["overrides"]["taskCount"] == 1
    assert body["overrides"]["timeout"] == f"{pod_spec(job)['timeoutSeconds']}s"

    execution = ChoreographyTask.objects.get(pk=task.pk).job_execution_name
    assert execution.startswith(f"{job_name}/executions/")
    CloudRunJobLauncher().cancel(task.pk, execution)
    assert deployed_launcher.requests[-1][0] == f"/v2/{execution}:cancel"
