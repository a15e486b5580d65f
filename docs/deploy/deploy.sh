#!/usr/bin/env bash
# Deploys one commit of Bachata Buddy to Cloud Run (docs/deploy.md explains every step):
#
#   docs/deploy/deploy.sh [--env-file docs/deploy/production.env] [--dry-run] [--allow-dirty] [--skip-build]
#   docs/deploy/deploy.sh --render-to DIR [--env-file …]   # only write the filled-in definitions, to review
#
#  1. preflight: a clean work tree; the image tag is the commit; secrets pinned to version numbers
#  2. build and push the three images to Artifact Registry, tagged with the commit (never :latest)
#  3. migrate: replace and execute the job bachata-migrate and wait. If it fails the deploy stops here and
#     every service and job keeps running as it was
#  4. the jobs: bachata-videojob, bachata-reaper, and the Cloud Scheduler job running the reaper every minute
#  5. the services (API, then SPA): a new revision with no traffic and the tag URL https://candidate---…,
#     smoke-tested there; a failed smoke test stops the deploy with the traffic untouched
#  6. traffic moves to the new revisions; the previous ones are printed for a rollback (docs/rollback.md)
#
# --dry-run prints the gcloud/docker commands instead of running them (the tests read that output).
set -euo pipefail

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
ENV_FILE="$HERE/production.env"
DRY_RUN=0
ALLOW_DIRTY=0
SKIP_BUILD=0
RENDER_TO=""
while (($#)); do
  case "$1" in
    --env-file) ENV_FILE="$2"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --allow-dirty) ALLOW_DIRTY=1; shift ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --render-to) RENDER_TO="$2" DRY_RUN=1 ALLOW_DIRTY=1 SKIP_BUILD=1; shift 2 ;;
    *) usage ;;
  esac
done

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'deploy.sh: %s\n' "$*" >&2; exit 1; }

run() {
  if ((DRY_RUN)); then
    printf '%q ' "$@" | sed 's/ $//'
    echo
  else
    "$@"
  fi
}

# ---- 1. preflight ------------------------------------------------------------------------------------
# shellcheck source=production.env
source "$ENV_FILE"
: "${PROJECT_ID:?}" "${REGION:?}" "${AR_REPOSITORY:?}" "${CLOUD_SQL_INSTANCE:?}" "${GCS_BUCKET:?}"
: "${ELASTICSEARCH_URL:?}" "${ELASTICSEARCH_INDEX:?}" "${PUBLIC_ORIGIN:?}"
for name in SECRET_VERSION_DJANGO_SECRET_KEY SECRET_VERSION_DATABASE_URL SECRET_VERSION_GEMINI_API_KEY \
  SECRET_VERSION_ELASTICSEARCH_API_KEY; do
  [[ "${!name:-}" =~ ^[1-9][0-9]*$ ]] || die "$name must be a secret version number (not \"${!name:-}\", never latest)"
done
for tool in gcloud envsubst python3 curl; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
((SKIP_BUILD)) || command -v docker >/dev/null || die "docker is not installed (or pass --skip-build)"

cd "$REPO_ROOT"
if ((!ALLOW_DIRTY)) && [[ -n "$(git status --porcelain)" ]]; then
  die "the work tree has uncommitted changes: images are tagged by commit, commit or stash them first"
fi
IMAGE_TAG="$(git rev-parse --short=12 HEAD)"
REVISION_SUFFIX="${IMAGE_TAG}-$(date -u +%Y%m%d%H%M%S)"
REGISTRY="${REGION}-docker.pkg.dev/${PROJECT_ID}/${AR_REPOSITORY}"
if ((DRY_RUN)); then
  PROJECT_NUMBER="${PROJECT_NUMBER:-000000000000}"
else
  PROJECT_NUMBER="$(gcloud projects describe "$PROJECT_ID" --format='value(projectNumber)')"
fi
export PROJECT_ID PROJECT_NUMBER REGION AR_REPOSITORY CLOUD_SQL_INSTANCE GCS_BUCKET ELASTICSEARCH_URL \
  ELASTICSEARCH_INDEX PUBLIC_ORIGIN IMAGE_TAG REVISION_SUFFIX SECRET_VERSION_DJANGO_SECRET_KEY \
  SECRET_VERSION_DATABASE_URL SECRET_VERSION_GEMINI_API_KEY SECRET_VERSION_ELASTICSEARCH_API_KEY
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
say "deploying commit $IMAGE_TAG to $PROJECT_ID/$REGION"

# The definitions with their ${…} filled in; anything left unfilled, or an image not tagged by this commit,
# stops the deploy before anything changed.
# (Always assign its output first, `file="$(render …)"`: a failure inside `$(…)` in an argument would not stop.)
render() { # FILE
  # shellcheck disable=SC2016  # the variables envsubst may fill, literally
  local variables='${PROJECT_ID} ${PROJECT_NUMBER} ${REGION} ${AR_REPOSITORY} ${CLOUD_SQL_INSTANCE} ${GCS_BUCKET}
    ${ELASTICSEARCH_URL} ${ELASTICSEARCH_INDEX} ${PUBLIC_ORIGIN} ${IMAGE_TAG} ${REVISION_SUFFIX}
    ${SECRET_VERSION_DJANGO_SECRET_KEY} ${SECRET_VERSION_DATABASE_URL} ${SECRET_VERSION_GEMINI_API_KEY}
    ${SECRET_VERSION_ELASTICSEARCH_API_KEY} ${API_SERVING_REVISION} ${SPA_SERVING_REVISION}'
  local out
  out="$WORK/$(basename "$1" .yaml).rendered.yaml"
  envsubst "$variables" <"$HERE/$1" >"$out"
  if grep -nE '^[^#]*[$][{]' "$out" >&2; then die "$1: variables left unfilled (above)"; fi
  if grep -nE 'image: .*:latest\b' "$out" >&2; then die "$1: an image is not pinned"; fi
  grep -qE "image: ${REGISTRY}/[a-z]+:${IMAGE_TAG}\$" "$out" || die "$1: no image of commit $IMAGE_TAG"
  echo "$out"
}

# The revision that serves a service's traffic now, or nothing when the service does not exist yet.
serving_revision() { # SERVICE
  if ((DRY_RUN)); then
    echo "$1-serving"
    return
  fi
  gcloud run services describe "$1" --project "$PROJECT_ID" --region "$REGION" --format=json 2>/dev/null |
    python3 -c 'import json, sys
traffic = json.load(sys.stdin).get("status", {}).get("traffic", [])
serving = [t for t in traffic if t.get("percent")]
print(max(serving, key=lambda t: t["percent"])["revisionName"] if serving else "")' || true
}

smoke_test() { # URL PATH EXPECTED
  if ((DRY_RUN)); then
    run curl -fsS --max-time 20 "$1$2"
    return
  fi
  local body attempt
  for attempt in 1 2 3 4 5; do
    if body="$(curl -fsS --max-time 20 "$1$2")" && grep -q "$3" <<<"$body"; then
      say "smoke test $1$2: ok"
      return 0
    fi
    say "smoke test $1$2: attempt $attempt failed"
    sleep 5
  done
  return 1
}

if [[ -n "$RENDER_TO" ]]; then
  rm -rf "$WORK"
  trap - EXIT
  mkdir -p "$RENDER_TO"
  WORK="$(cd "$RENDER_TO" && pwd)"
  export API_SERVING_REVISION=bachata-api-serving SPA_SERVING_REVISION=bachata-spa-serving
  for template in migrate-job.yaml videojob-job.yaml reaper-job.yaml api-service.yaml spa-service.yaml; do
    render "$template"
  done
  exit 0
fi

# ---- 2. images -----------------------------------------------------------------------------------------
if ((!SKIP_BUILD)); then
  for spec in api:backend/Dockerfile videojob:videojob/Dockerfile frontend:frontend/Dockerfile; do
    image="${REGISTRY}/${spec%%:*}:${IMAGE_TAG}"
    run docker build --file "${spec#*:}" --tag "$image" --label "org.opencontainers.image.revision=$IMAGE_TAG" .
    run docker push "$image"
  done
fi

# ---- 3. migrate: must succeed before anything else changes --------------------------------------------
API_SERVING_REVISION="" SPA_SERVING_REVISION=""
export API_SERVING_REVISION SPA_SERVING_REVISION
say "migrating the database (job bachata-migrate)"
definition="$(render migrate-job.yaml)"
run gcloud run jobs replace "$definition" --project "$PROJECT_ID" --region "$REGION"
if ! run gcloud run jobs execute bachata-migrate --project "$PROJECT_ID" --region "$REGION" --wait; then
  die "the migration failed: nothing else was changed. Read its logs (docs/migration-runbook.md), fix, deploy again"
fi

# ---- 4. jobs and the schedule --------------------------------------------------------------------------
for job in videojob-job.yaml reaper-job.yaml; do
  definition="$(render "$job")"
  run gcloud run jobs replace "$definition" --project "$PROJECT_ID" --region "$REGION"
done
schedule=(--project "$PROJECT_ID" --location "$REGION" --schedule "* * * * *" --time-zone Etc/UTC
  --uri "https://run.googleapis.com/v2/projects/${PROJECT_ID}/locations/${REGION}/jobs/bachata-reaper:run"
  --http-method POST --oauth-service-account-email "bachata-scheduler@${PROJECT_ID}.iam.gserviceaccount.com")
if ((DRY_RUN)) || ! gcloud scheduler jobs describe bachata-reaper-every-minute --project "$PROJECT_ID" \
  --location "$REGION" >/dev/null 2>&1; then
  run gcloud scheduler jobs create http bachata-reaper-every-minute "${schedule[@]}"
else
  run gcloud scheduler jobs update http bachata-reaper-every-minute "${schedule[@]}"
fi

# ---- 5. services: new revisions without traffic, smoke-tested on their tag URL ---------------------------
declare -A PREVIOUS
for service in bachata-api bachata-spa; do
  current="$(serving_revision "$service")"
  PREVIOUS[$service]="$current"
  new_revision="${service}-${REVISION_SUFFIX}"
  if [[ "$service" == bachata-api ]]; then
    API_SERVING_REVISION="${current:-$new_revision}"
    template=api-service.yaml smoke_path=/api/health expected='"database":"ok"'
  else
    SPA_SERVING_REVISION="${current:-$new_revision}"
    template=spa-service.yaml smoke_path=/ expected='id="root"'
  fi
  say "$service: revision $new_revision with no traffic (serving: ${current:-none yet})"
  definition="$(render "$template")"
  run gcloud run services replace "$definition" --project "$PROJECT_ID" --region "$REGION"
  candidate="https://candidate---${service}-${PROJECT_NUMBER}.${REGION}.run.app"
  if ! smoke_test "$candidate" "$smoke_path" "$expected"; then
    die "$service: the new revision failed its smoke test at $candidate$smoke_path; traffic was not moved"
  fi
  if [[ "$service" == bachata-spa ]]; then
    smoke_test "$candidate" /api/health '"database":"ok"' || die "$service: $candidate does not reach the API"
  fi
done

# ---- 6. traffic ----------------------------------------------------------------------------------------
for service in bachata-api bachata-spa; do
  run gcloud run services update-traffic "$service" --project "$PROJECT_ID" --region "$REGION" \
    --to-revisions "${service}-${REVISION_SUFFIX}=100"
done
say "deployed $IMAGE_TAG. To roll back (docs/rollback.md):"
for service in bachata-api bachata-spa; do
  if [[ -n "${PREVIOUS[$service]}" ]]; then
    say "  gcloud run services update-traffic $service --project $PROJECT_ID --region $REGION --to-revisions ${PREVIOUS[$service]}=100"
  fi
done
