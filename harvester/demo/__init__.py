"""The offline demo: four sample member endpoints served on 127.0.0.1 and harvested for real.

Two members replay real captured records (Zenodo: Cyrillic, Chinese, Devanagari, a deleted
record that still carries metadata; DSpace@MIT: sets); two are synthetic sample catalogues in
Thai and Persian written for this demo (Buddhist Era and Solar Hijri dates, deletions, a
day-granularity endpoint).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harvester.demo.server import DevServer, Repository, load_records
from harvester.models import Source

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class DemoMember:
    source: Source
    repository: Repository


def demo_members() -> list[DemoMember]:
    """Build fresh repositories (their request logs start empty) and matching sources."""
    zenodo = Repository(
        name="demo-zenodo",
        repository_name="Zenodo (captured sample)",
        records=load_records(DATA / "zenodo-cyrillic-cjk.xml")
        + load_records(DATA / "zenodo-cjk.xml")
        + load_records(DATA / "zenodo-deleted.xml"),
        page_size=25,
    )
    mit = Repository(
        name="demo-mit",
        repository_name="DSpace@MIT (captured sample)",
        records=load_records(DATA / "dspace-mit.xml"),
        page_size=20,
    )
    thai = Repository(
        name="demo-thai",
        repository_name="Sample Thai catalogue (synthetic)",
        records=load_records(DATA / "sample-thai.xml"),
        page_size=4,
        set_names={"books": "Books", "rare": "Rare books", "theses": "Theses"},
    )
    persian = Repository(
        name="demo-persian",
        repository_name="Sample Persian catalogue (synthetic)",
        records=load_records(DATA / "sample-persian.xml"),
        granularity="YYYY-MM-DD",
        earliest_datestamp="2024-01-01",
        page_size=4,
    )
    return [
        DemoMember(
            Source("demo-zenodo", "", "Zenodo sample", "CERN", "CH", default_language="eng"),
            zenodo,
        ),
        DemoMember(
            Source(
                "demo-mit",
                "",
                "DSpace@MIT sample",
                "MIT Libraries",
                "US",
                sets=("col_1721.1_140682",),
                default_language="eng",
            ),
            mit,
        ),
        DemoMember(
            Source(
                "demo-thai",
                "",
                "Thai sample catalogue",
                "Synthetic",
                "TH",
                sets=("books", "theses"),
                default_language="tha",
            ),
            thai,
        ),
        DemoMember(
            Source(
                "demo-persian",
                "",
                "Persian sample catalogue",
                "Synthetic",
                "IR",
                default_language="fas",
            ),
            persian,
        ),
    ]


def serve_demo(server: DevServer) -> list[Source]:
    """Mount the demo repositories on `server` and return sources pointing at them."""
    sources = []
    for member in demo_members():
        url = server.add(member.repository)
        sources.append(_with_endpoint(member.source, url))
    return sources


def _with_endpoint(source: Source, endpoint: str) -> Source:
    from dataclasses import replace

    return replace(source, endpoint=endpoint)
