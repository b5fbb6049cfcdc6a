"""A fake Jira Cloud (REST v3) on 127.0.0.1, random port, reproducing the documented contract
of /work/shared/spec/atlassian/README.md that Hourbank relies on:

- Basic auth: wrong credentials → 401; no Authorization header → anonymous (empty feeds, 404s).
- `GET /rest/api/3/worklog/updated|deleted?since=`: `since` inclusive, items of the last minute
  left out, oldest first, at most `page_size` (1000) a page, `until` = last item's time,
  `nextPage` present even on the last page, `lastPage`, `worklogId` a number.
- `POST /rest/api/3/worklog/list`: 400 on 0 or > 1000 ids; a bare array in shuffled order; ids as
  strings; unknown and restricted (`visibility`) worklogs left out.
- `GET /rest/api/3/issue/{id}/worklog/{id}`, `GET /rest/api/3/issue/{idOrKey}?fields=` (keys
  case-insensitive), `POST /rest/api/3/search/jql` (`id in (…)`, default fields = id only,
  `nextPageToken` paging, 400 for unbounded JQL), `GET /rest/api/3/search` → 410, `GET /user`.
- Timestamps like `2025-03-10T09:00:00.000+0100`; comments as ADF.
- Injected failures on any route: 429 with Retry-After (repeated when the client retries too
  early), 5xx, slow answers (client timeouts).
- Webhook bodies in the REST v2 shape, signed `X-Hub-Signature: sha256=<hex>`.

The same server is Tempo Cloud (REST v4) under `/4/` (README §8-9): Tempo's worklogs are these
Jira worklogs with more data (a `tempoWorklogId` from 5501, `billableSeconds`, local
`startDate`/`startTime`, `startDateTimeUtc`, `updatedAt`), so a worklog is in both feeds.
- Bearer auth (`tempo_token`); a wrong or missing token → 401 as text/html.
- `GET /4/worklogs?from=&to=&updatedFrom=&issueId=&offset=&limit=`: `from`/`to` inclusive on
  `startDate`, `updatedFrom` (a date or a UTC date-time) inclusive, repeated `issueId`; ordered by
  start date-time then id; `limit` default 50 (max 5000); `metadata.count` = items on the page;
  `metadata.next` an absolute URL, only when more exist.
- `POST /4/worklogs/tempo-to-jira` and `/jira-to-tempo`: integer ids, unknown ids left out,
  `offset`/`limit` paging with `next`; a mapping can lag (`add_worklog(mapped=False)`).
- Injected failures (`fail`) match the path and query, so a single page can fail.

The clock is the fake's own (`now_ms`, moved with `tick`), so the last-minute rule is exact."""

from __future__ import annotations

import base64
import bisect
import functools
import hashlib
import hmac
import json
import random
import re
import threading
import time
from datetime import UTC, date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

SITE = "https://yourfirm.atlassian.net"
START_MS = 1741564800000  # 2025-03-10T00:00:00Z, as in the spec's examples
LAST_MINUTE_MS = 60_000


def jira_timestamp(ms: int, offset_hours: int = 1) -> str:
    """`2025-03-10T09:00:00.000+0100`: milliseconds, offset without a colon."""
    zone = timezone(timedelta(hours=offset_hours))
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(zone)
    sign = "+" if offset_hours >= 0 else "-"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}{sign}{abs(offset_hours):02d}00"


def adf(text: str) -> dict:
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": line}]}
            for line in text.split("\n")
        ],
    }


def tempo_timestamp(ms: int) -> str:
    """Tempo's UTC stamps: `2025-03-10T08:15:22Z`, or with milliseconds when there are any."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    fraction = f".{ms % 1000:03d}" if ms % 1000 else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class FakeJira:
    def __init__(
        self,
        *,
        email="sync-bot@example.com",
        token="fake-api-token",
        base_path="",
        page_size=1000,
        account_groups=("jira-users",),
    ):
        self.email, self.token = email, token
        self.tempo_token = "fake-tempo-token"
        self.tempo_link_host: str | None = None  # another host in `next` links (misconfiguration)
        self.tempo_queries: list[tuple[str, str, dict]] = []  # (method, path, query lists)
        self._next_tempo_id = 5501
        self.deleted_tempo_ids: dict[str, str] = {}
        self.base_path = base_path.rstrip("/")
        self.page_size = page_size
        self.search_page_cap = 100  # Jira may return fewer issues than maxResults asks for
        # JQL validation as Jira's search reports it for `id in (…)` naming an issue that does
        # not exist or is hidden: 400 for the whole query (not in the spec README; off by default).
        self.strict_jql_ids = False
        self.account_groups = set(account_groups)
        self.now_ms = START_MS + 10 * 3600 * 1000
        self.worklogs: dict[str, dict] = {}
        self.deleted: list[tuple[str, int]] = []
        # Raw items served in a feed as they are (malformed ones): feed → [(time ms, item)].
        self.raw_feed_items: dict[str, list[tuple[int, object]]] = {"updated": [], "deleted": []}
        self.issues: dict[str, dict] = {}
        self.users: dict[str, dict] = {}
        self.failures: list[dict] = []
        self.requests: list[tuple[str, str]] = []
        self.early_retries = 0
        self._retry_not_before = 0.0
        self._next_id = 31001
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        # Sorted listings (feeds, Tempo queries) kept until the data changes: the benchmark's
        # fake holds 100,000+ worklogs, and re-sorting them for every page made the fake, not
        # the sync, the bottleneck (bench/sync.py). Every method that changes what a listing
        # returns bumps `_revision`; the key also holds the sizes a test may change directly.
        self._revision = 0
        self._listings: dict = {}

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> FakeJira:
        fake = self

        class Handler(_Handler):
            jira = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.base_path}"

    @property
    def tempo_url(self) -> str:
        """TEMPO_BASE_URL: the same server, at its root (Tempo paths start with /4/)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- data ---------------------------------------------------------------------------

    def tick(self, seconds: float = 61) -> None:
        """Move the fake clock; by default just past the feeds' last-minute exclusion."""
        with self._lock:
            self.now_ms += int(seconds * 1000)

    def add_issue(
        self,
        issue_id,
        key,
        *,
        project_key=None,
        summary=None,
        issue_type="Task",
        priority="Medium",
        labels=(),
    ):
        with self._lock:
            self.issues[str(issue_id)] = {
                "id": str(issue_id),
                "key": key,
                "project_key": project_key or key.split("-")[0],
                "summary": summary or f"Summary of {key}",
                "issue_type": issue_type,
                "priority": priority,
                "labels": list(labels),
            }

    def add_user(self, account_id, display_name, time_zone="Europe/Paris"):
        self.users[account_id] = {
            "accountId": account_id,
            "displayName": display_name,
            "timeZone": time_zone,
        }

    def add_worklog(
        self,
        issue_id,
        *,
        seconds=3600,
        account_id="acc-alice",
        display_name="Alice Moreau",
        time_zone="Europe/Paris",
        started="2025-03-10T09:00:00.000+0100",
        comment="Worked on it",
        visibility=None,
        worklog_id=None,
        updated_ms=None,
        billable_seconds="same",
        tempo_id=None,
        mapped=True,
        attributes=(),
    ) -> str:
        """A worklog in Jira and in Tempo. Tempo: `billable_seconds` ("same" = the time spent,
        None = absent), `mapped=False` = the tempo-to-jira mapping does not know it yet."""
        with self._lock:
            self._revision += 1
            worklog_id = str(worklog_id or self._next_id)
            self._next_id = max(self._next_id, int(worklog_id)) + 1
            tempo_id = str(tempo_id or self._next_tempo_id)
            self._next_tempo_id = max(self._next_tempo_id, int(tempo_id)) + 1
            updated = self.now_ms if updated_ms is None else updated_ms
            self.worklogs[worklog_id] = {
                "id": worklog_id,
                "issueId": str(issue_id),
                "seconds": seconds,
                "account_id": account_id,
                "display_name": display_name,
                "time_zone": time_zone,
                "started": started,
                "comment": comment,
                "visibility": visibility,
                "created_ms": updated,
                "updated_ms": updated,
                "raw": None,
                "tempo_id": tempo_id,
                "billable_seconds": seconds if billable_seconds == "same" else billable_seconds,
                "mapped": mapped,
                "attributes": [{"key": k, "value": v} for k, v in dict(attributes).items()],
                "tempo_raw": None,
            }
            return worklog_id

    def tempo_id(self, worklog_id) -> str:
        """The Tempo id of a Jira worklog (also after it was deleted)."""
        record = self.worklogs.get(str(worklog_id))
        return record["tempo_id"] if record else self.deleted_tempo_ids[str(worklog_id)]

    def publish_mapping(self, worklog_id) -> None:
        """Tempo's tempo-to-jira mapping catches up with this worklog."""
        with self._lock:
            self._revision += 1
            self.worklogs[str(worklog_id)]["mapped"] = True

    def set_tempo_raw(self, worklog_id, raw: dict) -> None:
        """Serve this exact body for the worklog in Tempo's list (malformed payloads)."""
        with self._lock:
            self._revision += 1
            self.worklogs[str(worklog_id)]["tempo_raw"] = raw

    def tempo_calls(self, path: str = "/4/worklogs") -> list[dict]:
        """The queries of the Tempo requests to exactly this path, oldest first."""
        return [query for _, called, query in self.tempo_queries if called == path]

    def update_worklog(self, worklog_id, **changes) -> None:
        """Edit a worklog (seconds, issue_id, comment, started, …); its updated time becomes now."""
        with self._lock:
            self._revision += 1
            record = self.worklogs[str(worklog_id)]
            if "issue_id" in changes:
                record["issueId"] = str(changes.pop("issue_id"))
            record.update(changes)
            record["updated_ms"] = self.now_ms

    def set_raw(self, worklog_id, raw: dict) -> None:
        """Serve this exact body for the worklog (malformed payloads)."""
        with self._lock:
            self._revision += 1
            self.worklogs[str(worklog_id)]["raw"] = raw

    def add_feed_item(self, feed: str, item, at_ms: int | None = None) -> None:
        """Serve `item` verbatim in `worklog/<feed>`, placed at `at_ms` (default now) among the
        others: a feed item Jira garbled (no `worklogId`, a text id, no `updatedTime`)."""
        with self._lock:
            self._revision += 1
            self.raw_feed_items[feed].append((self.now_ms if at_ms is None else at_ms, item))

    def delete_worklog(self, worklog_id) -> None:
        with self._lock:
            self._revision += 1
            record = self.worklogs.pop(str(worklog_id))
            self.deleted_tempo_ids[str(worklog_id)] = record["tempo_id"]
            self.deleted.append((str(worklog_id), self.now_ms))

    def fail(
        self,
        path_contains: str,
        status: int = 500,
        *,
        times: int = 1,
        retry_after: int | None = None,
        delay: float = 0.0,
        late: bool = False,
    ):
        """The next `times` requests whose path contains `path_contains` fail with `status`
        (or, with `delay`, answer only after that many seconds: a client timeout). With
        `late=True` (and no status) the answer is the one true when the request arrived, sent
        `delay` seconds later: a response in flight while the data changes."""
        with self._lock:
            self.failures.append(
                {
                    "path": path_contains,
                    "status": status,
                    "times": times,
                    "retry_after": retry_after,
                    "delay": delay,
                    "late": late,
                }
            )

    def listing(self, name: tuple, build):
        """`build()`'s sorted list, built once per state of the data (call under `_lock`)."""
        state = (
            self._revision,
            len(self.worklogs),
            len(self.deleted),
            frozenset(self.account_groups),
        )
        if self._listings.get("state") != state:
            self._listings = {"state": state}
        if name not in self._listings:
            self._listings[name] = build()
        return self._listings[name]

    def calls(self, path_contains: str) -> int:
        return sum(1 for _, path in self.requests if path_contains in path)

    # --- representations ----------------------------------------------------------------

    def worklog_json(self, record: dict, *, api: int = 3) -> dict:
        if record.get("raw") is not None:
            return record["raw"]
        author = {
            "self": f"{SITE}/rest/api/{api}/user?accountId={record['account_id']}",
            "accountId": record["account_id"],
            "displayName": record["display_name"],
            "active": True,
            "accountType": "atlassian",
        }
        if record["time_zone"]:
            author["timeZone"] = record["time_zone"]
        body = {
            "self": f"{SITE}/rest/api/{api}/issue/{record['issueId']}/worklog/{record['id']}",
            "author": author,
            "updateAuthor": author,
            "created": jira_timestamp(record["created_ms"]),
            "updated": jira_timestamp(record["updated_ms"]),
            "started": record["started"],
            "timeSpent": f"{record['seconds'] // 3600}h",
            "timeSpentSeconds": record["seconds"],
            "id": record["id"],
            "issueId": record["issueId"],
        }
        if record["comment"] is not None:
            body["comment"] = adf(record["comment"]) if api == 3 else record["comment"]
        if record["visibility"]:
            body["visibility"] = {
                "type": "group",
                "value": record["visibility"],
                "identifier": "group-id",
            }
        return body

    def tempo_worklog_json(self, record: dict, host: str) -> dict:
        """Tempo v4 `Worklog`: integer ids, no Jira worklog id, the worker's local start as
        written plus its UTC instant, UTC stamps with and without fractional seconds."""
        if record.get("tempo_raw") is not None:
            return record["tempo_raw"]
        started = _started(record["started"])
        tempo_id = record["tempo_id"]
        body = {
            "self": f"{host}/4/worklogs/{tempo_id}",
            "tempoWorklogId": int(tempo_id),
            "issue": {
                "self": f"{SITE}/rest/api/2/issue/{record['issueId']}",
                "id": int(record["issueId"]),
            },
            "timeSpentSeconds": record["seconds"],
            "startDate": started.date().isoformat(),
            "startTime": started.strftime("%H:%M:%S"),
            "startDateTimeUtc": started.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "createdAt": tempo_timestamp(record["created_ms"]),
            "updatedAt": tempo_timestamp(record["updated_ms"]),
            "author": {
                "self": f"{SITE}/rest/api/2/user?accountId={record['account_id']}",
                "accountId": record["account_id"],
            },
            "attributes": {
                "self": f"{host}/4/worklogs/{tempo_id}/work-attribute-values",
                "values": record["attributes"],
            },
        }
        if record["billable_seconds"] is not None:
            body["billableSeconds"] = record["billable_seconds"]
        if record["comment"] is not None:
            body["description"] = record["comment"]
        return body

    def visible(self, record: dict, authed: bool) -> bool:
        return authed and (not record["visibility"] or record["visibility"] in self.account_groups)

    def issue_json(self, issue: dict, fields) -> dict:
        all_fields = {
            "summary": issue["summary"],
            "issuetype": {
                "id": "10003",
                "name": issue["issue_type"],
                "subtask": False,
                "hierarchyLevel": 0,
            },
            "priority": {"id": "3", "name": issue["priority"]} if issue["priority"] else None,
            "project": {
                "id": "10010",
                "key": issue["project_key"],
                "name": f"Project {issue['project_key']}",
            },
            "labels": issue["labels"],
        }
        return {
            "expand": "",
            "id": issue["id"],
            "self": f"{SITE}/rest/api/3/issue/{issue['id']}",
            "key": issue["key"],
            "fields": {name: all_fields[name] for name in fields if name in all_fields},
        }

    def webhook(
        self, event: str, worklog_id: str, *, secret: str | None, identifier: str | None = None
    ) -> tuple[bytes, dict]:
        """A signed REST v2-style worklog webhook body and its headers, as Jira's admin webhooks send."""
        with self._lock:
            record = self.worklogs.get(str(worklog_id))
            if record is None:  # deleted: Jira still describes the worklog; an id is what we use
                worklog = {"id": str(worklog_id), "issueId": "0"}
            else:
                worklog = self.worklog_json(record, api=2)
        body = json.dumps(
            {"timestamp": self.now_ms, "webhookEvent": event, "worklog": worklog}
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Atlassian-Webhook-Identifier": identifier or f"wh-{random.getrandbits(48):x}",
        }
        if secret:
            headers["X-Hub-Signature"] = sign(body, secret)
        return body, headers


@functools.lru_cache(maxsize=4096)
def _started(value: str) -> datetime:
    """A worklog's `started` as a datetime (few distinct values: parsed once each)."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")


class _Handler(BaseHTTPRequestHandler):
    jira: FakeJira
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    # --- plumbing -----------------------------------------------------------------------

    def _send(self, status: int, body=None, headers=None, *, text: str | None = None):
        """Answer `body` as JSON, or `text` when the caller composed the JSON itself."""
        if text is not None:
            data = text.encode()
        else:
            data = b"" if body is None else json.dumps(body).encode()
        if getattr(self, "late_by", 0):
            time.sleep(self.late_by)  # the body is already built: it describes the past
            self.late_by = 0
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, headers=None):
        self._send(status, {"errorMessages": [message], "errors": {}}, headers)

    def _auth(self) -> bool | None:
        """True: the sync account; False: anonymous; None: wrong credentials (already answered)."""
        header = self.headers.get("Authorization")
        if not header:
            return False
        expected = (
            "Basic " + base64.b64encode(f"{self.jira.email}:{self.jira.token}".encode()).decode()
        )
        if header != expected:
            self._error(401, "Client must be authenticated to access this resource.")
            return None
        return True

    def _injected(self, path: str) -> bool:
        jira = self.jira
        with jira._lock:
            if jira._retry_not_before and time.monotonic() < jira._retry_not_before:
                jira.early_retries += 1
                wait = max(1, round(jira._retry_not_before - time.monotonic()))
                rule = {"status": 429, "retry_after": wait, "delay": 0}
            else:
                rule = next(
                    (r for r in jira.failures if r["path"] in path and r["times"] > 0), None
                )
                if rule is None:
                    return False
                rule["times"] -= 1
                if rule.get("late"):
                    self.late_by = rule["delay"]
                    return False
                if rule["status"] == 429 and rule["retry_after"]:
                    jira._retry_not_before = time.monotonic() + rule["retry_after"]
        if rule["delay"]:
            time.sleep(rule["delay"])
            if not rule["status"]:
                return False
        headers = {}
        if rule["retry_after"] is not None:
            headers["Retry-After"] = str(rule["retry_after"])
        if rule["status"] == 429:
            headers.update(
                {
                    "X-RateLimit-Limit": "100",
                    "X-RateLimit-Remaining": "0",
                    "RateLimit-Reason": "jira-burst-based",
                    "X-RateLimit-NearLimit": "true",
                }
            )
        self._error(rule["status"], "Injected failure", headers)
        return True

    def _route(self, method: str):
        jira = self.jira
        parsed = urlparse(self.path)
        path = parsed.path
        jira.requests.append((method, path))
        if path.startswith("/4/"):
            return self._tempo(method, path, parsed.query)
        if jira.base_path:
            if not path.startswith(jira.base_path + "/"):
                return self._error(404, "Not found (wrong base path)")
            path = path[len(jira.base_path) :]
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        if self._injected(path + ("?" + parsed.query if parsed.query else "")):
            return
        authed = self._auth()
        if authed is None:
            return
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            return self._error(400, "Request body is not valid JSON.")

        if path in ("/rest/api/3/search", "/rest/api/2/search"):
            return self._error(
                410,
                "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
                "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046",
            )
        feed = re.fullmatch(r"/rest/api/3/worklog/(updated|deleted)", path)
        if feed and method == "GET":
            return self._feed(feed.group(1), query, authed)
        if path == "/rest/api/3/worklog/list" and method == "POST":
            return self._worklog_list(body, authed)
        single = re.fullmatch(r"/rest/api/3/issue/([^/]+)/worklog/([^/]+)", path)
        if single and method == "GET":
            with jira._lock:
                record = jira.worklogs.get(single.group(2))
                found = (
                    record is not None
                    and record["issueId"] == single.group(1)
                    and jira.visible(record, authed)
                )
                answer = jira.worklog_json(record) if found else None
            if answer is None:
                return self._error(
                    404, "Worklog does not exist or you do not have permission to see it."
                )
            return self._send(200, answer)
        issue = re.fullmatch(r"/rest/api/3/issue/([^/]+)", path)
        if issue and method == "GET":
            found = self._find_issue(issue.group(1)) if authed else None
            if found is None:
                return self._error(
                    404, "Issue does not exist or you do not have permission to see it."
                )
            fields = query.get("fields", "*navigable")
            names = (
                ["summary", "issuetype", "priority", "project", "labels"]
                if fields.startswith("*")
                else fields.split(",")
            )
            return self._send(200, jira.issue_json(found, names))
        if path == "/rest/api/3/search/jql" and method == "POST":
            return self._search(body or {}, authed)
        if path == "/rest/api/3/user" and method == "GET":
            user = jira.users.get(query.get("accountId", ""))
            return self._send(200, user) if user and authed else self._error(404, "User not found")
        return self._error(404, f"No route for {method} {path}")

    def do_GET(self):
        self._route("GET")

    # --- Tempo --------------------------------------------------------------------------

    def _tempo_error(self, status: int, message: str):
        self._send(status, {"errors": {"message": message}})

    def _tempo(self, method: str, path: str, raw_query: str):
        jira = self.jira
        query = parse_qs(raw_query)
        with jira._lock:
            jira.tempo_queries.append((method, path, query))
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        if self._injected(path + ("?" + raw_query if raw_query else "")):
            return
        if self.headers.get("Authorization") != f"Bearer {jira.tempo_token}":
            page = b"<html><body><h1>401 Unauthorized</h1><p>Bad credentials</p></body></html>"
            self.send_response(401)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        one = {k: v[-1] for k, v in query.items()}
        try:
            offset = int(one.get("offset", "0"))
            limit = min(int(one.get("limit", "50")), 5000)
        except ValueError:
            return self._tempo_error(400, "offset and limit must be integers")
        if offset < 0 or limit < 1:
            return self._tempo_error(400, "offset must be >= 0 and limit >= 1")
        host = f"http://{self.headers.get('Host')}"
        if path == "/4/worklogs" and method == "GET":
            try:
                items = self._tempo_worklogs(query, one)
            except ValueError as error:
                return self._tempo_error(400, str(error))
            # Only the page's worklogs become JSON: a big fake stays fast (bench/sync.py).
            total = len(items)
            with jira._lock:
                page = [
                    jira.listing(
                        ("tempo-json", r["tempo_id"], host),
                        lambda r=r: json.dumps(jira.tempo_worklog_json(r, host)),
                    )
                    for r in items[offset : offset + limit]
                ]
        elif (
            path in ("/4/worklogs/tempo-to-jira", "/4/worklogs/jira-to-tempo") and method == "POST"
        ):
            try:
                body = json.loads(raw_body or b"{}")
            except ValueError:
                return self._tempo_error(400, "Request body is not valid JSON.")
            to_jira = path.endswith("tempo-to-jira")
            key = "tempoWorklogIds" if to_jira else "jiraWorklogIds"
            ids = body.get(key)
            if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
                return self._tempo_error(400, f"'{key}' must be a list of integers")
            wanted = {str(i) for i in ids}
            with jira._lock:
                results = [
                    {"tempoWorklogId": int(r["tempo_id"]), "jiraWorklogId": int(r["id"])}
                    for r in sorted(
                        (
                            r
                            for r in jira.worklogs.values()
                            if r["mapped"] and (r["tempo_id"] if to_jira else r["id"]) in wanted
                        ),
                        key=lambda r: int(r["tempo_id"]),
                    )
                ]
            total, page = len(results), results[offset : offset + limit]
        else:
            return self._tempo_error(404, f"No route for {method} {path}")
        metadata = {"count": len(page), "offset": offset, "limit": limit}

        def link(at: int) -> str:
            params = {**one, "offset": str(at), "limit": str(limit)}
            pairs = [(k, v) for k, v in params.items() if k != "issueId"]
            pairs += [("issueId", v) for v in query.get("issueId", [])]
            return f"{jira.tempo_link_host or host}{path}?{urlencode(pairs)}"

        if offset + limit < total:
            metadata["next"] = link(offset + limit)
        if offset > 0:
            metadata["previous"] = link(max(offset - limit, 0))
        if path != "/4/worklogs":
            return self._send(200, {"self": link(offset), "metadata": metadata, "results": page})
        # The worklogs' JSON is cached per worklog (`listing`): spliced in as it is.
        head = json.dumps({"self": link(offset), "metadata": metadata})[:-1]
        self._send(200, text=f'{head}, "results": [{", ".join(page)}]}}')

    def _tempo_worklogs(self, query: dict, one: dict) -> list[dict]:
        jira = self.jira

        def day(name):
            return date.fromisoformat(one[name]) if name in one else None

        first, last = day("from"), day("to")
        updated_from = None
        if "updatedFrom" in one:
            value = one["updatedFrom"]
            moment = (
                datetime.fromisoformat(value)
                if "T" in value
                else datetime.combine(date.fromisoformat(value), datetime.min.time())
            )
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            updated_from = int(moment.timestamp() * 1000)
        issue_ids = frozenset(query.get("issueId", []))

        def chosen():
            found = []
            for record in jira.worklogs.values():
                started = _started(record["started"])
                if first and started.date() < first or last and started.date() > last:
                    continue
                if updated_from is not None and record["updated_ms"] < updated_from:
                    continue
                if issue_ids and record["issueId"] not in issue_ids:
                    continue
                found.append((started.astimezone(UTC), int(record["tempo_id"]), record))
            return [record for _, _, record in sorted(found, key=lambda item: item[:2])]

        with jira._lock:
            return jira.listing(("tempo", first, last, updated_from, issue_ids), chosen)

    def do_POST(self):
        self._route("POST")

    # --- endpoints ----------------------------------------------------------------------

    def _feed(self, feed: str, query: dict, authed: bool):
        jira = self.jira
        try:
            since = int(query.get("since", "0"))
        except ValueError:
            return self._error(400, "'since' must be epoch milliseconds")
        with jira._lock:
            horizon = jira.now_ms - LAST_MINUTE_MS  # the last minute is left out

            def every_item():
                if feed == "updated":
                    items = [
                        (r["updated_ms"], int(r["id"]), None)
                        for r in jira.worklogs.values()
                        if jira.visible(r, authed)
                    ]
                else:
                    items = [(at, int(wid), None) for wid, at in jira.deleted] if authed else []
                if authed:  # a raw item sorts before the regular ones of its millisecond
                    items += [
                        (at, -1 - n, raw) for n, (at, raw) in enumerate(jira.raw_feed_items[feed])
                    ]
                return sorted(items, key=lambda i: (i[0], i[1]))

            items = jira.listing(("feed", feed, authed, len(jira.raw_feed_items[feed])), every_item)
            start = bisect.bisect_left(items, since, key=lambda i: i[0])
            # One more than a page, to know whether this is the last one.
            window = [i for i in items[start : start + jira.page_size + 1] if i[0] <= horizon]
            page = window[: jira.page_size]
            last_page = len(window) <= jira.page_size
            until = page[-1][0] if page else horizon
        # Returned URLs carry the host the client called (README §1), base path included.
        base = f"http://{self.headers.get('Host')}{jira.base_path}/rest/api/3/worklog/{feed}"
        return self._send(
            200,
            {
                "values": [
                    raw
                    if raw is not None
                    else {"worklogId": wid, "updatedTime": at, "properties": []}
                    for at, wid, raw in page
                ],
                "since": since,
                "until": until,
                "self": f"{base}?since={since}",
                "nextPage": f"{base}?since={until}",
                "lastPage": last_page,
            },
        )

    def _worklog_list(self, body, authed: bool):
        ids = (body or {}).get("ids")
        if not isinstance(ids, list) or not ids:
            return self._error(400, "Provide at least one worklog ID.")
        if len(ids) > 1000:
            return self._error(400, "The number of worklog IDs must not exceed 1000.")
        with self.jira._lock:
            # Each worklog's JSON is built once per state of the data (`listing`): the
            # benchmark reads 100,000+ of them, and the fake must not be what it measures.
            found = [
                self.jira.listing(("json", wid), lambda r=r: json.dumps(self.jira.worklog_json(r)))
                for wid in {str(i) for i in ids}
                if (r := self.jira.worklogs.get(wid)) and self.jira.visible(r, authed)
            ]
        random.shuffle(found)  # order is not the request's
        return self._send(200, text=f"[{', '.join(found)}]")

    def _find_issue(self, id_or_key: str):
        issues = self.jira.issues
        if id_or_key in issues:
            return issues[id_or_key]
        return next((i for i in issues.values() if i["key"].lower() == id_or_key.lower()), None)

    def _search(self, body: dict, authed: bool):
        jql = str(body.get("jql") or "")
        match = re.fullmatch(r"\s*id\s+in\s*\(([\d,\s]+)\)\s*", jql, re.IGNORECASE)
        if not match:
            return self._error(
                400,
                "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.",
            )
        wanted = [i.strip() for i in match.group(1).split(",") if i.strip()]
        unknown = [i for i in wanted if i not in self.jira.issues or not authed]
        if self.jira.strict_jql_ids and unknown:
            return self._error(
                400, f"An issue with key '{unknown[0]}' does not exist for field 'id'."
            )
        fields = body.get("fields") or ["id"]
        size = min(int(body.get("maxResults") or 50), self.jira.search_page_cap)
        offset = int(body.get("nextPageToken") or 0)
        hits = (
            [self.jira.issues[i] for i in sorted(set(wanted), key=int) if i in self.jira.issues]
            if authed
            else []
        )
        page = hits[offset : offset + size]
        answer = {
            "issues": [self.jira.issue_json(i, fields) for i in page],
            "isLast": offset + size >= len(hits),
        }
        if not answer["isLast"]:
            answer["nextPageToken"] = str(offset + size)
        return self._send(200, answer)
