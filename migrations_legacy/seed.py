"""A deterministic generator of legacy-shaped data: what years of the legacy app left in the tables.

Same seed, same rows (ids, timestamps and password salts included): nothing depends on the clock.
"""

import base64
import hashlib
import random
import string
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import psycopg
from psycopg.types.json import Jsonb

BASE_DATE = datetime(2025, 4, 1, 10, 0, tzinfo=UTC)
MEDIA_ROOT = "/app/data"
FIRST_NAMES = [
    "maria",
    "jose",
    "lucia",
    "carlos",
    "ana",
    "pedro",
    "sofia",
    "miguel",
    "elena",
    "juan",
    "rosa",
    "diego",
    "carmen",
    "luis",
    "isabel",
    "javier",
]
SONGS = [
    "besame",
    "obsesion",
    "propuesta_indecente",
    "darte_un_beso",
    "eres_mia",
    "la_bachata",
    "corazon_sin_cara",
    "stand_by_me",
    "noche_de_sexo",
    "te_extrano",
]
DIFFICULTIES = ["beginner", "intermediate", "advanced"]
LEGACY_ERRORS = [
    "Music analysis failed: Audio file could not be decoded",
    "Video generation failed: FFmpeg exited with status 1",
    "YouTube download failed: HTTP Error 403: Forbidden",
    "Move selection failed: No moves matched the requested difficulty",
    "Task stuck for more than 5 minutes - likely container restart",
]
STAGE_STEPS = [  # (progress, stage, message) as the legacy app wrote them before each step
    (10, "downloading", "Downloading audio..."),
    (25, "analyzing", "Analyzing music features..."),
    (40, "selecting", "Selecting dance moves..."),
    (70, "generating", "Generating choreography video..."),
    (90, "finalizing", "Finalizing video..."),
]


@dataclass
class SeedManifest:
    seed: int
    passwords: dict[str, str] = field(default_factory=dict)  # username -> plaintext
    iterations: dict[str, int] = field(default_factory=dict)  # username -> PBKDF2 rounds of the stored hash
    user_ids: dict[str, int] = field(default_factory=dict)
    shared_emails: list[str] = field(default_factory=list)
    instructors: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    task_statuses: dict[str, int] = field(default_factory=dict)
    task_ids: dict[str, list[str]] = field(default_factory=dict)  # status -> task ids, in creation order


@lru_cache(maxsize=1024)
def pbkdf2_hash(password: str, salt: str, iterations: int) -> str:
    """Django's PBKDF2PasswordHasher format. Pure, so cached: rebuilding a seed pays for its hashes once."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode('ascii').strip()}"


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _micro(rng: random.Random) -> timedelta:
    """Django stores microseconds: so do the seeded timestamps."""
    return timedelta(microseconds=rng.randint(0, 999_999))


def _salt(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(22))


def seed_legacy_data(
    conn: psycopg.Connection, *, seed: int, users: int, password_iterations: int
) -> SeedManifest:
    rng = random.Random(seed)
    manifest = SeedManifest(seed=seed)
    people = _seed_users(conn, rng, manifest, users, password_iterations)
    choreographies = _seed_tasks_and_choreographies(conn, rng, manifest, people)
    _seed_class_plans(conn, rng, manifest, people, choreographies)
    _seed_instructor_group(conn, people)
    for table in (
        "users",
        "users_groups",
        "users_user_permissions",
        "choreography_tasks",
        "saved_choreographies",
        "class_plans",
        "class_plan_sequences",
    ):
        (manifest.counts[table],) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    conn.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))")
    return manifest


def _seed_users(conn, rng, manifest, count, iterations) -> list[dict]:
    people = []
    for i in range(count):
        name = FIRST_NAMES[i % len(FIRST_NAMES)] + ("" if i < len(FIRST_NAMES) else str(i))
        username = "admin" if i == 0 else name
        email = f"{name}@example.com"
        if i in (2, 3):  # a couple sharing one address: legacy emails are not unique
            email = "family.perez@example.com"
        if i in (4, 5):
            email = "Dance.Studio@example.com" if i == 4 else "dance.studio@example.com"
        password = f"{username}-{rng.randint(1000, 9999)}"
        user_iterations = (
            iterations if i % 3 else max(1, iterations * 72 // 100)
        )  # older accounts: fewer rounds
        joined = BASE_DATE + timedelta(days=rng.randint(0, 60), seconds=rng.randint(0, 86400)) + _micro(rng)
        person = {
            "id": i + 1,
            "username": username,
            "email": email,
            "is_superuser": i == 0,
            "is_staff": i == 0,
            "is_instructor": i % 4 == 1,
            "display_name": "" if i % 5 == 4 else name.capitalize() + (" (Instructor)" if i % 4 == 1 else ""),
            "preferences": [{}, {"auto_save_choreographies": True}, {"auto_save_choreographies": False}][
                i % 3
            ],
            "joined": joined,
        }
        conn.execute(
            """
            INSERT INTO users (id, password, last_login, is_superuser, username, first_name, last_name, email,
                               is_staff, is_active, date_joined, display_name, is_instructor, preferences)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            """,
            (
                person["id"],
                pbkdf2_hash(password, _salt(rng), user_iterations),
                None if i % 6 == 5 else joined + timedelta(days=rng.randint(1, 30)) + _micro(rng),
                person["is_superuser"],
                username,
                name.capitalize() if i % 2 else "",
                "",
                email,
                person["is_staff"],
                i != count - 1 or count < 3,
                joined,
                person["display_name"],
                person["is_instructor"],
                Jsonb(person["preferences"]),
            ),
        )
        manifest.passwords[username] = password
        manifest.iterations[username] = user_iterations
        manifest.user_ids[username] = person["id"]
        if person["is_instructor"]:
            manifest.instructors.append(username)
        people.append(person)
    manifest.shared_emails = sorted(
        {
            p["email"].lower()
            for p in people
            if sum(q["email"].lower() == p["email"].lower() for q in people) > 1
        }
    )
    return people


def _insert_task(
    conn,
    rng,
    manifest,
    person,
    at,
    status,
    progress,
    stage,
    message,
    result=None,
    error=None,
    updated_after=timedelta(seconds=47),
):
    task_id = str(_uuid(rng))
    conn.execute(
        """
        INSERT INTO choreography_tasks (task_id, status, progress, stage, message, result, error, created_at,
                                        updated_at, user_id)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        """,
        (
            task_id,
            status,
            progress,
            stage,
            message,
            Jsonb(result) if result is not None else None,
            error,
            at,
            at + updated_after + (_micro(rng) if updated_after else timedelta(0)),
            person["id"],
        ),
    )
    manifest.task_statuses[status] = manifest.task_statuses.get(status, 0) + 1
    manifest.task_ids.setdefault(status, []).append(task_id)
    return task_id


def _seed_tasks_and_choreographies(conn, rng, manifest, people) -> dict[int, list[str]]:
    choreographies: dict[int, list[str]] = {}
    for person in people:
        at = person["joined"] + timedelta(hours=rng.randint(1, 48))
        for n in range(rng.randint(3, 6) + (3 if person["is_instructor"] else 0)):
            at += timedelta(hours=rng.randint(2, 72), seconds=rng.randint(0, 3600)) + _micro(rng)
            song = rng.choice(SONGS)
            difficulty = rng.choice(DIFFICULTIES)
            kind = n % 6 if not person["is_instructor"] else (0 if n % 3 else n % 6)
            if kind in (0, 1):  # completed (kind 1: the natural-language path)
                _completed(
                    conn, rng, manifest, person, at, song, difficulty, choreographies, natural=kind == 1
                )
            elif kind == 2:
                error = rng.choice(LEGACY_ERRORS)
                _insert_task(
                    conn,
                    rng,
                    manifest,
                    person,
                    at,
                    "failed",
                    0,
                    "failed",
                    "Choreography generation failed",
                    error=error,
                    # the legacy reaper fails a task only once it has been silent for more than 5 minutes
                    updated_after=timedelta(minutes=rng.randint(6, 90))
                    if error.startswith("Task stuck")
                    else timedelta(seconds=rng.randint(2, 50)),
                )
            elif kind == 3:  # stuck while running: the container restarted mid-generation
                progress, stage, message = rng.choice(STAGE_STEPS)
                _insert_task(
                    conn,
                    rng,
                    manifest,
                    person,
                    at,
                    "running",
                    progress,
                    stage,
                    message,
                    updated_after=timedelta(minutes=rng.randint(1, 4)),
                )
            elif kind == 4:  # never picked up
                _insert_task(
                    conn,
                    rng,
                    manifest,
                    person,
                    at,
                    "started",
                    0,
                    "initializing",
                    "Starting choreography generation...",
                    updated_after=timedelta(0),
                )
            else:
                _completed(conn, rng, manifest, person, at, song, difficulty, choreographies, natural=False)
    return choreographies


def _completed(conn, rng, manifest, person, at, song, difficulty, choreographies, *, natural):
    auto_saved = person["preferences"].get("auto_save_choreographies", True)
    video_path = f"{MEDIA_ROOT}/output/user_{person['id']}/{song}_balanced_choreography.mp4"
    duration = round(rng.uniform(150, 240), 2)
    saved_id = str(_uuid(rng)) if auto_saved else None
    result = {
        "video_path": video_path,
        "video_filename": f"{song}_balanced_choreography.mp4",
        "processing_time": round(rng.uniform(38, 52), 2),
        "sequence_duration": duration,
        "moves_analyzed": rng.randint(20, 38),
        "metadata_path": f"{MEDIA_ROOT}/output/user_{person['id']}/{song}_balanced_choreography_metadata.json",
        "saved_choreography_id": saved_id,
        "auto_saved": auto_saved,
    }
    if natural:
        result["explanations"] = [
            f"{m} fits the {difficulty} level and the song's energy"
            for m in rng.sample(["Basic step", "Lady turn", "Cross body lead", "Hammerlock"], 2)
        ]
        result["parameters"] = {
            "difficulty": difficulty,
            "energy_level": rng.choice(["low", "medium", "high"]),
            "style": rng.choice(["romantic", "sensual"]),
            "tempo": "medium",
            "specific_moves": [],
        }
        result["original_query"] = f"a {difficulty} {result['parameters']['style']} bachata for {song}"
    message = "Choreography generated successfully!" + (" (Auto-saved to collection)" if auto_saved else "")
    task_id = _insert_task(
        conn,
        rng,
        manifest,
        person,
        at,
        "completed",
        100,
        "completed",
        message,
        result=result,
        updated_after=timedelta(seconds=rng.randint(38, 55)),
    )
    if saved_id:
        conn.execute(
            """
            INSERT INTO saved_choreographies (id, title, video_path, thumbnail_path, difficulty, duration,
                                              music_info, generation_parameters, created_at, user_id)
            VALUES (%s, %s, %s, NULL, %s, %s, %s, %s, %s, %s)
            """,
            (
                saved_id,
                f"{song.replace('_', ' ').title()} ({difficulty})",
                video_path,
                difficulty,
                duration,
                Jsonb(
                    {"source": f"songs/{song}.mp3", "difficulty": difficulty, "tempo": rng.randint(118, 136)}
                ),
                Jsonb({"difficulty": difficulty, "audio_input": f"songs/{song}.mp3", "task_id": task_id}),
                at + timedelta(seconds=50) + _micro(rng),
                person["id"],
            ),
        )
        choreographies.setdefault(person["id"], []).append(saved_id)


def _seed_class_plans(conn, rng, manifest, people, choreographies):
    for person in people:
        owned = choreographies.get(person["id"], [])
        if not person["is_instructor"] or not owned:
            continue
        for p in range(rng.randint(1, 2)):
            plan_id = _uuid(rng)
            created = person["joined"] + timedelta(days=20 + p, hours=rng.randint(0, 23)) + _micro(rng)
            conn.execute(
                """
                INSERT INTO class_plans (id, title, description, difficulty_level, estimated_duration,
                                         instructor_notes, created_at, updated_at, instructor_id)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
                """,
                (
                    plan_id,
                    f"Week {p + 1}: {rng.choice(['Foundations', 'Turns', 'Styling', 'Musicality'])}",
                    "Warm-up, drills and a full routine." if p == 0 else "",
                    rng.choice(DIFFICULTIES),
                    rng.choice([None, 45, 60, 90]),
                    "Bring water." if p else "",
                    created,
                    created + timedelta(days=rng.randint(0, 5)) + _micro(rng),
                    person["id"],
                ),
            )
            for order, choreography_id in enumerate(
                rng.sample(owned, min(len(owned), rng.randint(2, 4))), start=1
            ):
                conn.execute(
                    """
                    INSERT INTO class_plan_sequences (id, sequence_order, notes, estimated_time, choreography_id,
                                                      class_plan_id)
                    VALUES (%s, %s, %s, %s, %s, %s)
                    """,
                    (
                        _uuid(rng),
                        order,
                        rng.choice(["", "Slow count first", "Partner rotation"]),
                        rng.choice([None, 10, 15]),
                        choreography_id,
                        plan_id,
                    ),
                )


def _seed_instructor_group(conn, people):
    """The admin's "Instructors" group (the class plan permissions) holding every instructor, and one
    instructor allowed to view saved choreographies in the admin: rows for both M2M tables."""
    (group_id,) = conn.execute("INSERT INTO auth_group (name) VALUES ('Instructors') RETURNING id").fetchone()
    conn.execute(
        """
        INSERT INTO auth_group_permissions (group_id, permission_id)
        SELECT %s, p.id FROM auth_permission p JOIN django_content_type ct ON ct.id = p.content_type_id
        WHERE ct.app_label = 'instructors' ORDER BY p.id
        """,
        (group_id,),
    )
    instructors = [p for p in people if p["is_instructor"]]
    for person in instructors:
        conn.execute("INSERT INTO users_groups (user_id, group_id) VALUES (%s, %s)", (person["id"], group_id))
    if instructors:
        conn.execute(
            "INSERT INTO users_user_permissions (user_id, permission_id) "
            "SELECT %s, id FROM auth_permission WHERE codename = 'view_savedchoreography'",
            (instructors[0]["id"],),
        )
