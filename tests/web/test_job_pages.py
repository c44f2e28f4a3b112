"""Every document of a round from the round page: the button, the progress the page asks for while
the job runs in the background, the download, in the test client and in a real browser."""
from __future__ import annotations

import io
import re
import time
import zipfile

import pytest

from test_round_pages import consolidating  # noqa: F401 - fixture
from web_helpers import SCREENSHOTS, browser, demo, live_server, people, screenshot, web  # noqa: F401 - fixtures


def _wait(client, status_url: str, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        response = client.get(status_url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
        job = response.get_json()
        if job["state"] in ("finished", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def test_the_round_page_starts_the_job_and_shows_where_it_is(web, consolidating):  # noqa: F811
    reviewer = web("reviewer")
    page = reviewer.get(consolidating["url"]).get_data(as_text=True)
    assert 'id="bo-van-ban"' in page and "Tạo toàn bộ văn bản (.zip)" in page
    assert "data-job-status-url" not in page  # nothing runs yet

    started = reviewer.post(f"{consolidating['url']}/bo-van-ban")
    assert started.status_code == 302 and started.headers["Location"].endswith("#bo-van-ban")
    page = reviewer.get(consolidating["url"]).get_data(as_text=True)
    assert "Đã bắt đầu tạo toàn bộ văn bản của đợt" in page
    status_url = re.search(r'/cong-viec/(\d+)', page).group(0)

    job = _wait(reviewer, status_url)
    assert job["state"] == "finished" and job["percent"] == 100 and job["download_url"]
    # Not yet proposed: the unit documents and the ranking are there, the decision not yet, and why.
    assert any("chưa có danh sách trình" in note for note in job["details"]["notes"])
    download = reviewer.get(job["download_url"])
    body = download.get_data()
    download.close()
    assert download.status_code == 200 and download.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert "MUC_LUC.txt" in names and len([n for n in names if n.endswith(".docx")]) == 6

    page = reviewer.get(consolidating["url"]).get_data(as_text=True)
    assert "Đã xong" in page and job["download_url"] in page and 'value="100"' in page


def test_the_script_starts_the_job_without_leaving_the_page(web, consolidating):  # noqa: F811
    reviewer = web("reviewer")
    first = reviewer.post(f"{consolidating['url']}/bo-van-ban", headers={"Accept": "application/json"})
    assert first.status_code == 202
    job = first.get_json()["job"]
    assert job["status_url"] == f"/cong-viec/{job['id']}" and job["state_label"]
    assert _wait(reviewer, job["status_url"])["state"] == "finished"


def test_units_cannot_start_or_follow_a_round_job(web, consolidating):  # noqa: F811
    reviewer = web("reviewer")
    job = reviewer.post(f"{consolidating['url']}/bo-van-ban", headers={"Accept": "application/json"}).get_json()["job"]
    _wait(reviewer, job["status_url"])
    for name in ("clerk", "head", "clerk_b", "outsider_reviewer"):
        other = web(name)
        assert other.post(f"{consolidating['url']}/bo-van-ban").status_code == 404
        assert other.get(job["status_url"]).status_code == 404
        assert other.get(f"{job['status_url']}/tai-ve").status_code == 404


def test_the_progress_bar_fills_while_the_page_stays_usable(people, live_server, demo):  # noqa: F811
    pytest.importorskip("playwright")
    from playwright.sync_api import expect

    reviewer = people.page("thamdinh.yte")
    reviewer.locator(".round-links").get_by_role("link", name="Đợt thi đua cao điểm năm 2024").click()
    panel = reviewer.locator("#bo-van-ban")
    expect(panel.locator("[data-job-status]")).to_be_hidden()
    url_before = reviewer.url
    panel.get_by_role("button", name="Tạo toàn bộ văn bản (.zip)").click()
    # The page did not move: the script started the job and follows it.
    expect(panel.locator("[data-job-status]")).to_be_visible()
    assert reviewer.url == url_before
    expect(panel.locator("[data-job-state]")).to_have_text("Đã xong", timeout=30_000)
    expect(panel.locator("progress")).to_have_attribute("value", "100")
    expect(panel.locator("[data-job-percent]")).to_have_text("100%")
    link = panel.get_by_role("link", name=re.compile("Tải tệp .zip"))
    expect(link).to_be_visible()
    # The rest of the page still answers while (and after) the job runs.
    reviewer.locator("#bang-xep-hang").scroll_into_view_if_needed()
    expect(reviewer.locator("#bang-xep-hang tbody tr").first).to_be_visible()
    screenshot(reviewer, "14-dot-khen-thuong-tao-bo-van-ban")
    SCREENSHOTS.mkdir(exist_ok=True)
    panel.screenshot(path=str(SCREENSHOTS / "15-tien-do-bo-van-ban.png"))
    with reviewer.expect_download() as waiting:
        link.click()
    archive = zipfile.ZipFile(waiting.value.path())
    assert "MUC_LUC.txt" in archive.namelist()
    contents = archive.read("MUC_LUC.txt").decode("utf-8-sig")
    assert "Ủy ban nhân dân phường Mỹ Quý" in contents
