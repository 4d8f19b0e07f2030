"""After the burst: jobs on the server that no submission of ours got back (orphans).

A POST that timed out on our side may still have created a job; it runs, takes a slot of the job
manager, and is invisible to the verdicts. Where the server offers ``/jobs`` (job-list), read it back in
bounded pages (``limit=100``, following ``rel=next`` on the server's own origin, at most ``MAX_PAGES``)
and name the jobs of the burst's process created during the burst whose IDs we never learnt.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin

from .follow import Client
from .model import parse_time

MAX_PAGES = 20
PAGE = 100


def find_orphans(client: Client, *, host: str, process: str, known_ids: Iterable[str], since: float,
                 until: float, max_pages: int = MAX_PAGES) -> dict[str, Any]:
    """{"checked", "count", "job_ids", "pages", "note"}; never raises for what the server sends."""
    known = set(known_ids)
    url: str | None = urljoin(host.rstrip("/") + "/", f"jobs?limit={PAGE}")
    orphans: list[str] = []
    pages = 0
    seen_urls: set[str] = set()
    while url and pages < max_pages and url not in seen_urls:
        seen_urls.add(url)
        answer = client.request("GET", url, name="GET /jobs (reconcile)", expected=(200, 404))
        pages += 1
        doc = answer.json()
        if answer.status != 200 or not isinstance(doc, dict) or not isinstance(doc.get("jobs"), list):
            why = answer.error or f"status {answer.status}" if answer.status != 200 else "no jobs list in the answer"
            note = f"GET {url}: {why}"
            return {"checked": pages > 1, "count": len(orphans), "job_ids": orphans, "pages": pages,
                    "note": note if pages == 1 else f"stopped at page {pages}: {note}"}
        for job in doc["jobs"]:
            if not isinstance(job, dict) or not isinstance(job.get("jobID"), str):
                continue
            created = parse_time(job.get("created"))
            if (job["jobID"] not in known and job.get("processID") == process and created is not None
                    and since - 1.0 <= created <= until + 1.0):
                orphans.append(job["jobID"])
        url = next((urljoin(url, link["href"]) for link in doc.get("links") or []
                    if isinstance(link, dict) and link.get("rel") == "next" and isinstance(link.get("href"), str)), None)
    note = f"read {pages} page(s) of /jobs" + (f"; stopped at the bound of {max_pages} pages" if url and pages >= max_pages else "")
    return {"checked": True, "count": len(orphans), "job_ids": orphans, "pages": pages, "note": note}
