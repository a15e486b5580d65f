#!/usr/bin/env bash
# Service accounts and IAM for Bachata Buddy on Cloud Run: one user-managed service account per service and
# job, each with only what it needs (no default compute service account anywhere). Idempotent: every command
# creates or adds, so running it again changes nothing. Run by a project owner (or an IAM admin):
#
#   docs/deploy/iam.sh accounts      [--env-file docs/deploy/production.env] [--dry-run]   # before deploy.sh
#   docs/deploy/iam.sh job-bindings  [--env-file docs/deploy/production.env] [--dry-run]   # after the jobs exist
#
# --dry-run prints the gcloud commands instead of running them (the tests read that output).
#
# Who may do what:
#   bachata-api        Cloud SQL client; its 4 secrets; objects of the media bucket; signs its own URLs (signBlob
#                      on itself); on job bachata-videojob only: run it with overrides, read and cancel executions
#   bachata-videojob   Cloud SQL client; its 3 secrets; objects of the media bucket
#   bachata-migrate    Cloud SQL client; the database URL and the secret key
#   bachata-reaper     Cloud SQL client; the database URL and the secret key; on job bachata-videojob only: read
#                      and cancel executions (of the tasks it times out)
#   bachata-scheduler  runs job bachata-reaper (Cloud Scheduler's identity), nothing else
#   bachata-spa        nothing at all (nginx calls nothing of Google's)
#   bachata-deployer   what deploy.sh needs: Cloud Run developer, push to the Artifact Registry repository,
#                      Cloud Scheduler jobs, and acting as the runtime accounts above (no IAM administration)
set -euo pipefail

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

PHASE="${1:-}"
[[ "$PHASE" == accounts || "$PHASE" == job-bindings ]] || usage
shift
ENV_FILE="$(dirname "$0")/production.env"
DRY_RUN=0
while (($#)); do
  case "$1" in
    --env-file) ENV_FILE="$2"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    *) usage ;;
  esac
done
# shellcheck source=production.env
source "$ENV_FILE"
: "${PROJECT_ID:?set in the env file}" "${REGION:?}" "${GCS_BUCKET:?}" "${AR_REPOSITORY:?}"

run() {
  if ((DRY_RUN)); then
    printf '%q ' "$@" | sed 's/ $//'
    echo
  else
    "$@"
  fi
}

sa_email() { echo "$1@${PROJECT_ID}.iam.gserviceaccount.com"; }

service_account() { # NAME DESCRIPTION
  if ((DRY_RUN)) || ! gcloud iam service-accounts describe "$(sa_email "$1")" --project "$PROJECT_ID" >/dev/null 2>&1; then
    run gcloud iam service-accounts create "$1" --project "$PROJECT_ID" --display-name "$2"
  fi
}

custom_role() { # ID TITLE PERMISSIONS
  if ((DRY_RUN)) || ! gcloud iam roles describe "$1" --project "$PROJECT_ID" >/dev/null 2>&1; then
    run gcloud iam roles create "$1" --project "$PROJECT_ID" --title "$2" --permissions "$3" --stage GA
  else
    run gcloud iam roles update "$1" --project "$PROJECT_ID" --permissions "$3"
  fi
}

grant_project() { # SA ROLE
  run gcloud projects add-iam-policy-binding "$PROJECT_ID" --member "serviceAccount:$(sa_email "$1")" \
    --role "$2" --condition None
}

grant_secret() { # SECRET SA
  run gcloud secrets add-iam-policy-binding "$1" --project "$PROJECT_ID" \
    --member "serviceAccount:$(sa_email "$2")" --role roles/secretmanager.secretAccessor
}

grant_bucket() { # SA ROLE
  run gcloud storage buckets add-iam-policy-binding "gs://${GCS_BUCKET}" \
    --member "serviceAccount:$(sa_email "$1")" --role "$2"
}

grant_repository() { # SA ROLE
  run gcloud artifacts repositories add-iam-policy-binding "$AR_REPOSITORY" --project "$PROJECT_ID" \
    --location "$REGION" --member "serviceAccount:$(sa_email "$1")" --role "$2"
}

grant_on_account() { # TARGET_SA MEMBER_SA ROLE
  run gcloud iam service-accounts add-iam-policy-binding "$(sa_email "$1")" --project "$PROJECT_ID" \
    --member "serviceAccount:$(sa_email "$2")" --role "$3"
}

grant_job() { # JOB SA ROLE
  run gcloud run jobs add-iam-policy-binding "$1" --project "$PROJECT_ID" --region "$REGION" \
    --member "serviceAccount:$(sa_email "$2")" --role "$3"
}

RUNTIME_ACCOUNTS=(bachata-api bachata-spa bachata-videojob bachata-migrate bachata-reaper bachata-scheduler)
LAUNCHER_ROLE="projects/${PROJECT_ID}/roles/bachataVideoJobLauncher"
CANCELLER_ROLE="projects/${PROJECT_ID}/roles/bachataVideoJobCanceller"

if [[ "$PHASE" == accounts ]]; then
  service_account bachata-api "Bachata Buddy API (Cloud Run service)"
  service_account bachata-spa "Bachata Buddy SPA (Cloud Run service, no permissions)"
  service_account bachata-videojob "Bachata Buddy video job (Cloud Run job)"
  service_account bachata-migrate "Bachata Buddy migrations (Cloud Run job)"
  service_account bachata-reaper "Bachata Buddy ledger reaper (Cloud Run job)"
  service_account bachata-scheduler "Bachata Buddy Cloud Scheduler invoker of the reaper"
  service_account bachata-deployer "Bachata Buddy deployer (deploy.sh)"

  # Custom roles: exactly the calls CloudRunJobLauncher makes (jobs.run with overrides, executions.cancel)
  # and the reads around them; bound on the video job only (job-bindings).
  custom_role bachataVideoJobLauncher "Bachata video job launcher" \
    run.jobs.get,run.jobs.run,run.jobs.runWithOverrides,run.executions.get,run.executions.list,run.executions.cancel,run.operations.get
  custom_role bachataVideoJobCanceller "Bachata video job canceller" \
    run.jobs.get,run.executions.get,run.executions.cancel,run.operations.get

  for account in bachata-api bachata-videojob bachata-migrate bachata-reaper; do
    grant_project "$account" roles/cloudsql.client
  done

  grant_secret bachata-django-secret-key bachata-api
  grant_secret bachata-database-url bachata-api
  grant_secret bachata-gemini-api-key bachata-api
  grant_secret bachata-elasticsearch-api-key bachata-api
  grant_secret bachata-django-secret-key bachata-videojob
  grant_secret bachata-database-url bachata-videojob
  grant_secret bachata-elasticsearch-api-key bachata-videojob
  grant_secret bachata-django-secret-key bachata-migrate
  grant_secret bachata-database-url bachata-migrate
  grant_secret bachata-django-secret-key bachata-reaper
  grant_secret bachata-database-url bachata-reaper

  # Objects only (create, read, list, delete), never the bucket's settings or IAM.
  grant_bucket bachata-api roles/storage.objectUser
  grant_bucket bachata-videojob roles/storage.objectUser
  # Signed download URLs from Cloud Run's token-only credentials go through signBlob on the API's own account.
  grant_on_account bachata-api bachata-api roles/iam.serviceAccountTokenCreator

  # The deployer: deploys revisions and jobs as the runtime accounts, pushes images, manages the schedule.
  grant_project bachata-deployer roles/run.developer
  grant_project bachata-deployer roles/cloudscheduler.admin
  grant_repository bachata-deployer roles/artifactregistry.writer
  for account in "${RUNTIME_ACCOUNTS[@]}"; do
    grant_on_account "$account" bachata-deployer roles/iam.serviceAccountUser
  done
else
  grant_job bachata-videojob bachata-api "$LAUNCHER_ROLE"
  grant_job bachata-videojob bachata-reaper "$CANCELLER_ROLE"
  grant_job bachata-reaper bachata-scheduler roles/run.invoker
fi
